package io.ringwork.core.store;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A state store in memory with the same semantics as the RocksDB one: for tests and the
 * simulator. Keeps everything (no retention). Thread-safe.
 */
public final class MemoryStateStore implements StateStore {
    private final Map<Integer, NavigableMap<String, StoredState>> states = new HashMap<>();
    private final Map<Integer, Long> checkpoints = new HashMap<>();
    private final Map<Integer, Long> highs = new HashMap<>();
    /** Per partition, the sum of {@link StateDigest#hash} over its states (see {@link #digest}). */
    private final Map<Integer, Long> digests = new HashMap<>();
    /** Per partition: the highest version fed per key while holding no state (see {@link #fedVersion}). */
    private final Map<Integer, Map<String, Long>> fed = new HashMap<>();
    private final Map<Integer, Long> fedFloors = new HashMap<>();
    private final Map<Integer, Long> feedGaps = new HashMap<>();
    private final List<FeedEntry> feed = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final Map<Integer, StoredTerm> terms = new HashMap<>();
    /** Per partition, the staged changes in staging order, and the next staging id. */
    private final Map<Integer, List<StagedChange>> staged = new HashMap<>();
    private final Map<Integer, Long> nextStagedId = new HashMap<>();
    private int writes;

    @Override
    public synchronized StoredState get(int partition, String key) {
        NavigableMap<String, StoredState> map = states.get(partition);
        return map == null ? null : map.get(key);
    }

    @Override
    public synchronized long checkpoint(int partition) {
        return checkpoints.getOrDefault(partition, -1L);
    }

    @Override
    public synchronized long high(int partition) {
        return highs.getOrDefault(partition, -1L);
    }

    @Override
    public synchronized void write(WriteSet set) {
        for (WriteSet.StateWrite w : set.states()) putState(w);
        for (FeedEntry e : set.changes()) {
            if (e.position() != feed.size()) throw new IllegalStateException("feed gap: " + e.position() + " after " + feed.size());
            feed.add(e);
        }
        for (Change change : set.stagedChanges()) {
            Stage stage = set.stageOf(change.partition());
            if (stage == null) throw new IllegalStateException("no stage for partition " + change.partition());
            stage(change.partition(), stage, change);
        }
        deadLetters.addAll(set.deadLetters());
        set.checkpoints().forEach((p, c) -> checkpoints.merge(p, c, Math::max));
        writes++;
    }

    private void stage(int partition, Stage stage, Change change) {
        long id = nextStagedId.merge(partition, 1L, Long::sum) - 1;
        staged.computeIfAbsent(partition, p -> new ArrayList<>()).add(new StagedChange(id, stage, change));
    }

    @Override
    public synchronized List<StagedChange> staged(int partition) {
        return List.copyOf(staged.getOrDefault(partition, List.of()));
    }

    @Override
    public synchronized int stagedCount(int partition) {
        return staged.getOrDefault(partition, List.of()).size();
    }

    @Override
    public synchronized List<FeedEntry> promote(int partition, StoredTerm term, long durableSeq, long durableCheckpoint) {
        List<StagedChange> waiting = staged.getOrDefault(partition, List.of());
        List<StagedChange> covered = StagedChanges.covered(waiting, term, durableSeq, durableCheckpoint);
        if (covered.isEmpty()) return List.of();
        List<FeedEntry> promoted = new ArrayList<>(covered.size());
        for (StagedChange entry : covered) {
            // Fed already without the state (relayed while this node held no copy): not again.
            if (entry.change().version() <= fedVersion(partition, entry.change().key())) continue;
            FeedEntry fed = new FeedEntry(feed.size(), entry.change());
            feed.add(fed);
            promoted.add(fed);
        }
        waiting.removeAll(covered);
        writes++;
        return promoted;
    }

    /** The one place a state changes (besides a drop), so the digest follows every write. */
    private void putState(WriteSet.StateWrite w) {
        StoredState before = states.computeIfAbsent(w.partition(), p -> new TreeMap<>()).put(w.key(), w.state());
        long delta = StateDigest.delta(w.key(), before == null ? null : before.toBytes(), w.state().toBytes());
        digests.merge(w.partition(), delta, Long::sum);
        highs.merge(w.partition(), w.state().version(), Math::max);
    }

    @Override
    public synchronized long digest(int partition) {
        return digests.getOrDefault(partition, 0L);
    }

    @Override
    public synchronized List<FeedEntry> applyReplicated(ReplicatedWrite write) {
        int p = write.partition();
        // Which changes are new is decided against what the node held before this write.
        List<FeedEntry> added = new ArrayList<>();
        Map<String, Long> seenHere = new HashMap<>();
        for (Change change : write.changes()) {
            StoredState current = get(p, change.key());
            long held = current == null ? -1 : current.version();
            if (write.stage() == null) {
                // A write that feeds directly (a relayed change) compares with what is on the feed:
                // a state whose change waits in staging is fed only below its lowest staged version.
                for (StagedChange entry : staged.getOrDefault(p, List.of())) {
                    if (entry.change().key().equals(change.key())) held = Math.min(held, entry.change().version() - 1);
                }
            }
            long seen = Math.max(held, fedVersion(p, change.key()));
            seen = Math.max(seen, seenHere.getOrDefault(change.key(), -1L));
            if (change.version() <= seen) continue;
            seenHere.put(change.key(), change.version());
            if (write.stage() != null) {
                stage(p, write.stage(), change);
                continue;
            }
            FeedEntry entry = new FeedEntry(feed.size(), change);
            feed.add(entry);
            added.add(entry);
        }
        if (write.holdsState()) {
            for (WriteSet.StateWrite w : write.states()) {
                if (write.replaces(get(p, w.key()), w.state())) putState(w);
            }
        } else {
            seenHere.forEach((key, version) -> fed.computeIfAbsent(p, x -> new HashMap<>()).merge(key, version, Math::max));
        }
        deadLetters.addAll(write.deadLetters());
        if (write.checkpoint() >= 0) checkpoints.merge(p, write.checkpoint(), Math::max);
        writes++;
        return added;
    }

    @Override
    public synchronized long fedVersion(int partition, String key) {
        Map<String, Long> versions = fed.get(partition);
        long version = versions == null ? -1L : versions.getOrDefault(key, -1L);
        return Math.max(version, fedFloor(partition));
    }

    @Override
    public synchronized long fedFloor(int partition) {
        return fedFloors.getOrDefault(partition, -1L);
    }

    @Override
    public synchronized List<FeedEntry> relayed(int partition, List<Change> changes, long floor) {
        List<FeedEntry> added = applyReplicated(new ReplicatedWrite(partition, List.of(), changes, List.of(), -1, false));
        raiseFloor(partition, floor);
        return added;
    }

    private void raiseFloor(int partition, long floor) {
        if (floor <= fedFloor(partition)) return;
        fedFloors.put(partition, floor);
        Map<String, Long> versions = fed.get(partition);
        if (versions != null) versions.values().removeIf(version -> version <= floor);
    }

    @Override
    public synchronized long feedGap(int partition) {
        return feedGaps.getOrDefault(partition, -1L);
    }

    @Override
    public synchronized void markFeedGap(int partition, long checkpoint) {
        feedGaps.merge(partition, checkpoint, Math::max);
    }

    /** Below the lowest staged version: that change (and any later one) is not on the feed yet. */
    @Override
    public synchronized long feedCheckpoint(int partition) {
        long covered = checkpoint(partition);
        for (StagedChange entry : staged.getOrDefault(partition, List.of())) covered = Math.min(covered, entry.change().version() - 1);
        return covered;
    }

    @Override
    public synchronized void dropPartition(int partition) {
        long checkpoint = checkpoint(partition);
        NavigableMap<String, StoredState> dropped = states.remove(partition);
        // A state above the checkpoint had its change fed, unless that change is still staged: then
        // only the versions below its lowest staged one are on the feed.
        Map<String, Long> lowestStaged = new HashMap<>();
        for (StagedChange entry : staged.getOrDefault(partition, List.of())) {
            lowestStaged.merge(entry.change().key(), entry.change().version(), Math::min);
        }
        if (dropped != null) {
            dropped.forEach((key, state) -> {
                long fedUpTo = Math.min(state.version(), lowestStaged.getOrDefault(key, Long.MAX_VALUE) - 1);
                if (fedUpTo > checkpoint) fed.computeIfAbsent(partition, x -> new HashMap<>()).merge(key, fedUpTo, Math::max);
            });
        }
        // Staging: a change at or below the old checkpoint is durable (the owner claimed at least
        // that checkpoint before this drop) and goes on the feed now, since the relay takes only what
        // is above it; one above comes from the relay's source, and is discarded here.
        for (StagedChange entry : staged.getOrDefault(partition, List.of())) {
            Change change = entry.change();
            if (change.version() <= checkpoint && change.version() > fedVersion(partition, change.key())) {
                feed.add(new FeedEntry(feed.size(), change));
            }
        }
        staged.remove(partition);
        raiseFloor(partition, checkpoint);
        checkpoints.remove(partition);
        highs.remove(partition);
        digests.remove(partition);
        deadLetters.removeIf(letter -> letter.partition() == partition);
        writes++;
    }

    @Override
    public synchronized boolean holds(int partition) {
        NavigableMap<String, StoredState> map = states.get(partition);
        return (map != null && !map.isEmpty()) || checkpoints.containsKey(partition)
                || deadLetters.stream().anyMatch(letter -> letter.partition() == partition);
    }

    @Override
    public synchronized List<WriteSet.StateWrite> scan(int partition, String afterKey, int limit) {
        NavigableMap<String, StoredState> map = states.get(partition);
        List<WriteSet.StateWrite> result = new ArrayList<>();
        if (map == null) return result;
        NavigableMap<String, StoredState> tail = afterKey == null ? map : map.tailMap(afterKey, false);
        for (var entry : tail.entrySet()) {
            if (result.size() >= limit) break;
            result.add(new WriteSet.StateWrite(partition, entry.getKey(), entry.getValue()));
        }
        return result;
    }

    @Override
    public synchronized long feedEnd() {
        return feed.size();
    }

    @Override
    public synchronized List<FeedEntry> changes(long fromPosition, int limit) {
        int from = (int) Math.min(fromPosition, feed.size());
        int to = (int) Math.min(feed.size(), (long) from + limit);
        return new ArrayList<>(feed.subList(from, to));
    }

    @Override
    public synchronized List<DeadLetter> deadLetters(Predicate<DeadLetter> filter, int limit) {
        return deadLetters.stream().filter(filter).limit(limit).toList();
    }

    @Override
    public synchronized StoredTerm term(int partition) {
        return terms.getOrDefault(partition, StoredTerm.NONE);
    }

    /**
     * Keeps the term in memory; the simulator treats this store as the durable one that survives a
     * crash, so a term written here is one the restarted node reads. Not counted in {@link #writes}
     * (no state, checkpoint or feed changes).
     */
    @Override
    public synchronized void writeTerm(int partition, StoredTerm term) {
        terms.merge(partition, term, (stored, given) -> stored.compareTo(given) >= 0 ? stored : given);
    }

    public synchronized int writes() {
        return writes;
    }

    /** Every key's state, over all partitions. */
    public synchronized Map<String, StoredState> states() {
        Map<String, StoredState> all = new HashMap<>();
        for (var map : states.values()) all.putAll(map);
        return all;
    }

    @Override
    public void close() {}
}
