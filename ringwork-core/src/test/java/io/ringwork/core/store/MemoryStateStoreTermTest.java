package io.ringwork.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The highest term seen per partition, in the store the simulator keeps across a crash. */
class MemoryStateStoreTermTest {
    @Test
    void aNewStoreHoldsNoTerm() {
        assertThat(new MemoryStateStore().term(3)).isEqualTo(StoredTerm.NONE);
    }

    @Test
    void theStoredTermOnlyRisesAndIsKeptPerPartition() {
        MemoryStateStore store = new MemoryStateStore();
        store.writeTerm(0, new StoredTerm(4, "n2"));
        store.writeTerm(0, new StoredTerm(4, "n1")); // same epoch, lower node id: below 4/n2
        store.writeTerm(0, new StoredTerm(3, "n9"));
        store.writeTerm(1, new StoredTerm(1, "n1"));
        assertThat(store.term(0)).isEqualTo(new StoredTerm(4, "n2"));
        assertThat(store.term(1)).isEqualTo(new StoredTerm(1, "n1"));
        store.writeTerm(0, new StoredTerm(5, "n1"));
        assertThat(store.term(0)).isEqualTo(new StoredTerm(5, "n1"));
    }

    @Test
    void aTermWriteIsNotAStateWrite() {
        // The simulator's invariants skip stores whose write count did not move; a term changes none of what they check.
        MemoryStateStore store = new MemoryStateStore();
        store.writeTerm(0, new StoredTerm(1, "n1"));
        assertThat(store.writes()).isZero();
        assertThat(store.checkpoint(0)).isEqualTo(-1);
    }
}
