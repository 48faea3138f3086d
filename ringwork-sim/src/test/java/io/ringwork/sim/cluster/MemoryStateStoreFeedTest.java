package io.ringwork.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.WriteSet;
import org.junit.jupiter.api.Test;

/** A core bug found while building the simulator (core is not ours to change here). */
class MemoryStateStoreFeedTest {

    @Test
    void readingTheFeedWithAHugeLimitReturnsWhatIsThere() {
        MemoryStateStore store = new MemoryStateStore();
        WriteSet set = new WriteSet();
        for (int i = 0; i < 4; i++) set.addChange(new FeedEntry(i, new Change(0, "k", i, "t", null, 0, false, "{}".getBytes())));
        store.write(set);
        assertThat(store.changes(3, Integer.MAX_VALUE)).hasSize(1); // throws IllegalArgumentException today
    }
}
