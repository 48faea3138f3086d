package io.ringwork.runtime.testing;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A thread-safe in-memory state store for engine tests; keeps everything. */
public final class InMemoryStateStore implements StateStore {
    private final Map<String, StoredState> states = new HashMap<>();
    private final Map<Integer, Long> checkpoints = new HashMap<>();
    private final List<FeedEntry> feed = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private int writes;

    @Override
    public synchronized StoredState get(int partition, String key) {
        return states.get(key);
    }

    @Override
    public synchronized long checkpoint(int partition) {
        return checkpoints.getOrDefault(partition, -1L);
    }

    @Override
    public synchronized void write(WriteSet set) {
        for (WriteSet.StateWrite w : set.states()) states.put(w.key(), w.state());
        for (FeedEntry e : set.changes()) {
            if (e.position() != feed.size()) throw new IllegalStateException("feed gap: " + e.position() + " after " + feed.size());
            feed.add(e);
        }
        deadLetters.addAll(set.deadLetters());
        set.checkpoints().forEach((p, c) -> checkpoints.merge(p, c, Math::max));
        writes++;
    }

    @Override
    public synchronized long feedEnd() {
        return feed.size();
    }

    @Override
    public synchronized List<FeedEntry> changes(long fromPosition, int limit) {
        int from = (int) Math.min(fromPosition, feed.size());
        return new ArrayList<>(feed.subList(from, Math.min(feed.size(), from + limit)));
    }

    @Override
    public synchronized List<DeadLetter> deadLetters(Predicate<DeadLetter> filter, int limit) {
        return deadLetters.stream().filter(filter).limit(limit).toList();
    }

    public synchronized int writes() {
        return writes;
    }

    public synchronized Map<String, StoredState> states() {
        return new HashMap<>(states);
    }

    @Override
    public void close() {}
}
