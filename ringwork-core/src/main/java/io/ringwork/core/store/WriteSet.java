package io.ringwork.core.store;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one commit writes, atomically: new key states, the changes and dead letters they
 * produced, and advanced partition checkpoints. Because states and checkpoints land together, a
 * crash leaves either both or neither, so recovery from the checkpoint re-applies nothing twice in
 * effect (records above the checkpoint whose effect is already stored are skipped by version).
 * Not thread-safe.
 */
public final class WriteSet {
    /** A state write of one key in one partition. */
    public record StateWrite(int partition, String key, StoredState state) {}

    private final Map<String, StateWrite> states = new LinkedHashMap<>();
    private final List<FeedEntry> changes = new ArrayList<>();
    private long feedEnd = -1;
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final Map<Integer, Long> checkpoints = new HashMap<>();
    private final Map<Integer, Stage> stages = new HashMap<>();
    private final List<io.ringwork.core.record.Change> staged = new ArrayList<>();

    /** Adds a state; a later write of the same key in this set replaces an earlier one (only the newest matters). */
    public void putState(int partition, String key, StoredState state) {
        states.put(key, new StateWrite(partition, key, state));
    }

    /** Adds a change at its feed position; positions must be added in increasing order. */
    public void addChange(FeedEntry entry) {
        changes.add(entry);
        feedEnd = entry.position() + 1;
    }

    /**
     * Adds a change to stage rather than feed: it waits, under its partition's {@link #stage}, until
     * a write quorum holds its commit ({@link StateStore#promote}).
     */
    public void addStagedChange(io.ringwork.core.record.Change change) {
        staged.add(change);
    }

    /** Where {@code partition}'s staged changes in this set wait; required for each partition with one. */
    public void stage(int partition, Stage stage) {
        stages.put(partition, stage);
    }

    public List<io.ringwork.core.record.Change> stagedChanges() {
        return staged;
    }

    /** The stage of {@code partition}'s staged changes, or null. */
    public Stage stageOf(int partition) {
        return stages.get(partition);
    }

    public void addDeadLetter(DeadLetter deadLetter) {
        deadLetters.add(deadLetter);
    }

    public void putCheckpoint(int partition, long checkpoint) {
        checkpoints.merge(partition, checkpoint, Math::max);
    }

    public Iterable<StateWrite> states() {
        return states.values();
    }

    public int stateCount() {
        return states.size();
    }

    public List<FeedEntry> changes() {
        return changes;
    }

    /** The feed position after the last change added, or -1 when none was added. */
    public long feedEnd() {
        return feedEnd;
    }

    public List<DeadLetter> deadLetters() {
        return deadLetters;
    }

    public Map<Integer, Long> checkpoints() {
        return checkpoints;
    }

    public boolean isEmpty() {
        return states.isEmpty() && changes.isEmpty() && staged.isEmpty() && deadLetters.isEmpty() && checkpoints.isEmpty();
    }
}
