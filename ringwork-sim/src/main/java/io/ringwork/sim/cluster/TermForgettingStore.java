package io.ringwork.sim.cluster;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.ReplicatedWrite;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.store.WriteSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * Sabotage only: a store that passes everything through but forgets terms. Made
 * {@link #onRead} ({@link ClusterConfig.Sabotage#FOLLOWER_ACCEPTS_LOWER_TERM}), it answers
 * {@link StateStore#term} with {@link StoredTerm#NONE}, so a follower made on it forgets the term
 * its node has seen, as followers did before terms were kept in the store. Made {@link #onWrite}
 * ({@link ClusterConfig.Sabotage#PROMISES_IN_MEMORY}), it drops every {@link StateStore#writeTerm},
 * so a follower's promises live in its memory only. Never used by a correct node.
 */
final class TermForgettingStore implements StateStore {
    private final StateStore store;
    private final boolean forgetsOnRead;

    private TermForgettingStore(StateStore store, boolean forgetsOnRead) {
        this.store = store;
        this.forgetsOnRead = forgetsOnRead;
    }

    static TermForgettingStore onRead(StateStore store) {
        return new TermForgettingStore(store, true);
    }

    static TermForgettingStore onWrite(StateStore store) {
        return new TermForgettingStore(store, false);
    }

    @Override public StoredTerm term(int partition) { return forgetsOnRead ? StoredTerm.NONE : store.term(partition); }
    @Override public void writeTerm(int partition, StoredTerm term) { if (forgetsOnRead) store.writeTerm(partition, term); }
    @Override public StoredState get(int partition, String key) { return store.get(partition, key); }
    @Override public long checkpoint(int partition) { return store.checkpoint(partition); }
    @Override public void write(WriteSet set) { store.write(set); }
    @Override public long high(int partition) { return store.high(partition); }
    @Override public List<FeedEntry> applyReplicated(ReplicatedWrite write) { return store.applyReplicated(write); }
    @Override public long fedVersion(int partition, String key) { return store.fedVersion(partition, key); }
    @Override public List<io.ringwork.core.store.StagedChange> staged(int partition) { return store.staged(partition); }
    @Override public int stagedCount(int partition) { return store.stagedCount(partition); }
    @Override public List<FeedEntry> promote(int partition, io.ringwork.core.store.StoredTerm term, long durableSeq, long durableCheckpoint) {
        return store.promote(partition, term, durableSeq, durableCheckpoint);
    }
    @Override public List<WriteSet.StateWrite> scan(int partition, String afterKey, int limit) { return store.scan(partition, afterKey, limit); }
    @Override public long feedEnd() { return store.feedEnd(); }
    @Override public List<FeedEntry> changes(long fromPosition, int limit) { return store.changes(fromPosition, limit); }
    @Override public List<DeadLetter> deadLetters(Predicate<DeadLetter> filter, int limit) { return store.deadLetters(filter, limit); }
    @Override public long fedFloor(int partition) { return store.fedFloor(partition); }
    @Override public long feedCheckpoint(int partition) { return store.feedCheckpoint(partition); }
    @Override public List<FeedEntry> relayed(int partition, List<io.ringwork.core.record.Change> changes, long floor) { return store.relayed(partition, changes, floor); }
    @Override public void dropPartition(int partition) { store.dropPartition(partition); }
    @Override public boolean holds(int partition) { return store.holds(partition); }
    @Override public long digest(int partition) { return store.digest(partition); }
    @Override public long feedGap(int partition) { return store.feedGap(partition); }
    @Override public void markFeedGap(int partition, long checkpoint) { store.markFeedGap(partition, checkpoint); }
    @Override public void close() {}
}
