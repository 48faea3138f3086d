package io.ringwork.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.PartitionDigest;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The in-memory store's incremental digest equals the scan after every kind of write. */
class MemoryStateStoreDigestTest {
    @Property(tries = 200)
    void digestEqualsTheScanAfterEveryWrite(@ForAll long seed) {
        DigestWorkload workload = new DigestWorkload(seed);
        MemoryStateStore store = new MemoryStateStore();
        for (int i = 0; i < 150; i++) {
            workload.step(store, false);
            workload.check(store);
        }
        assertThat(workload.nonEmptyChecks()).isPositive();
    }

    @Test
    void aReplacedStateSwapsItsHashAndADropEmptiesThePartition() {
        MemoryStateStore store = new MemoryStateStore();
        StoredState first = new StoredState(1, "p", false, new byte[] {1});
        StoredState second = new StoredState(2, "p", false, new byte[] {2});
        WriteSet set = new WriteSet();
        set.putState(0, "k", first);
        set.putState(0, "j", first);
        store.write(set);
        assertThat(store.digest(0)).isEqualTo(StateDigest.hash("k", first) + StateDigest.hash("j", first));
        store.applyReplicated(new ReplicatedWrite(0, List.of(new WriteSet.StateWrite(0, "k", second)), List.of(), List.of(), -1, true));
        assertThat(store.digest(0)).isEqualTo(StateDigest.hash("k", second) + StateDigest.hash("j", first))
                .isEqualTo(PartitionDigest.of(store, 0));
        assertThat(store.digest(1)).isZero();
        store.dropPartition(0);
        assertThat(store.digest(0)).isZero();
    }
}
