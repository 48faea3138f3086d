package io.ringwork.core.cluster;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StoredTerm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A second {@link PartitionMachine}, for tests only: named counters, each with the version (the
 * owner's offset) of its last change. It shares nothing with the engine's states or store, so a
 * test that replicates it through {@link PartitionLeader} and {@link PartitionFollower} shows
 * replication is generic. Commits carry the counters' new values (idempotent by version, as the
 * engine's states are); it feeds nothing and catches up by snapshot only.
 */
final class CounterMachine implements PartitionMachine {
    static final int KIND = 7;

    record Counter(long version, long value) {}

    /** A commit: the counters it set, at their new versions. */
    record Sets(Map<String, Counter> counters) implements CommitBody {
        Sets {
            counters = Map.copyOf(counters);
        }

        @Override
        public int machine() {
            return KIND;
        }
    }

    /** A snapshot page: counters in name order. */
    record Page(TreeMap<String, Counter> counters) implements SnapshotBody {
        @Override
        public int machine() {
            return KIND;
        }
    }

    private final int partition;
    final TreeMap<String, Counter> counters = new TreeMap<>();
    private long checkpoint = -1;
    private StoredTerm term = StoredTerm.NONE;

    CounterMachine(int partition) {
        this.partition = partition;
    }

    /** The owner adds {@code delta} to {@code name} as of offset {@code offset}; returns the commit's body. */
    Sets add(String name, long delta, long offset) {
        Counter now = new Counter(offset, value(name) + delta);
        counters.put(name, now);
        checkpoint = offset;
        return new Sets(Map.of(name, now));
    }

    long value(String name) {
        Counter counter = counters.get(name);
        return counter == null ? 0 : counter.value();
    }

    /** By version: a counter changes only to a newer one; in repair, also to different bytes of the same version. */
    private void put(String name, Counter incoming, boolean repair) {
        Counter held = counters.get(name);
        if (held == null || held.version() < incoming.version() || (repair && held.version() == incoming.version() && !held.equals(incoming))) {
            counters.put(name, incoming);
        }
    }

    @Override
    public int partition() {
        return partition;
    }

    @Override
    public long checkpoint() {
        return checkpoint;
    }

    @Override
    public long high() {
        long high = -1;
        for (Counter counter : counters.values()) high = Math.max(high, counter.version());
        return high;
    }

    @Override
    public List<FeedEntry> apply(CommitBody body, long checkpoint, boolean holdsState, Stage stage) {
        if (holdsState) ((Sets) body).counters().forEach((name, counter) -> put(name, counter, false));
        if (checkpoint >= 0) this.checkpoint = Math.max(this.checkpoint, checkpoint);
        return List.of();
    }

    @Override
    public SnapshotRead snapshot(String afterKey, int max) {
        TreeMap<String, Counter> page = new TreeMap<>();
        for (var entry : (afterKey == null ? counters : counters.tailMap(afterKey, false)).entrySet()) {
            if (page.size() == max) break;
            page.put(entry.getKey(), entry.getValue());
        }
        return page.isEmpty() ? new SnapshotRead(null, 0, afterKey) : new SnapshotRead(new Page(page), page.size(), page.lastKey());
    }

    @Override
    public void install(SnapshotBody page, long snapshotCheckpoint, boolean repair) {
        ((Page) page).counters().forEach((name, counter) -> put(name, counter, repair));
    }

    @Override
    public void finishSnapshot(long checkpoint) {
        this.checkpoint = Math.max(this.checkpoint, checkpoint);
    }

    @Override
    public void feedJumps(long upTo) {
        // No feed: nothing jumps.
    }

    @Override
    public long digest() {
        long sum = 0;
        for (var entry : counters.entrySet()) {
            sum += io.ringwork.core.ring.RingHash.hash64(entry.getKey() + "=" + entry.getValue().version() + ":" + entry.getValue().value());
        }
        return sum;
    }

    @Override
    public boolean replaysLog() {
        return false;
    }

    @Override
    public Replayed replay(List<Record> records, long upTo, Stage stage) {
        throw new UnsupportedOperationException("counters catch up by snapshot only");
    }

    @Override
    public List<FeedEntry> promote(StoredTerm term, long durableSeq, long durableCheckpoint) {
        return new ArrayList<>();
    }

    @Override
    public int stagedCount() {
        return 0;
    }

    @Override
    public StoredTerm term() {
        return term;
    }

    @Override
    public void writeTerm(StoredTerm term) {
        if (this.term.compareTo(term) < 0) this.term = term;
    }
}
