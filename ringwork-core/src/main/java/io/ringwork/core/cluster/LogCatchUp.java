package io.ringwork.core.cluster;

import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.ReplicatedWrite;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings a replica up to date by applying the log itself, through the same apply path as the
 * owner: records after its checkpoint, over its own states, skipped by version where it holds
 * them. Processors are deterministic, so it ends with the owner's states and, unlike a snapshot,
 * it feeds every change it missed. Used when the log still holds the records and there are not
 * too many; otherwise the owner sends a snapshot.
 */
public final class LogCatchUp {
    /** Where the records come from: the shared log (runtime) or the simulated one. */
    public interface Source {
        /** Up to {@code max} records of the partition from {@code fromOffset}, in offset order. */
        List<Record> read(int partition, long fromOffset, int max);

        /** The lowest offset still held (older ones fell to retention). */
        long startOffset(int partition);
    }

    private static final int BATCH = 1000;

    private final Source source;
    private final StateStore store;
    private final RecordApplier applier;
    private final long maxRecords;

    /** @param maxRecords the longest catch-up done from the log; beyond it a snapshot is cheaper */
    public LogCatchUp(Source source, StateStore store, RecordApplier applier, long maxRecords) {
        Invariants.require(maxRecords > 0, "maxRecords must be positive");
        this.source = source;
        this.store = store;
        this.applier = applier;
        this.maxRecords = maxRecords;
    }

    /**
     * Applies records {@code (after, upTo]} of the partition and sets its checkpoint to
     * {@code upTo}. Returns the changes it added to the feed, or null when it cannot (records
     * gone to retention, not readable, or more than the limit); then nothing was claimed.
     */
    public List<FeedEntry> replay(int partition, long after, long upTo) {
        return replay(partition, after, upTo, null);
    }

    /**
     * As {@link #replay(int, long, long)}, staging the changes under {@code stage} rather than
     * feeding them (null: feed them): they reach the feed once the owner says the state it
     * required is held by a quorum. Returns what it fed (nothing when staged), or null.
     */
    public List<FeedEntry> replay(int partition, long after, long upTo, io.ringwork.core.store.Stage stage) {
        if (upTo <= after) return List.of();
        if (upTo - after > maxRecords) return null;
        // The end offset is not checked up front: another process's appends may not be counted
        // here yet. Reading tells: a read that stays empty below upTo gives up.
        if (source.startOffset(partition) > after + 1) return null;
        Map<String, VersionedState> states = new HashMap<>();
        List<FeedEntry> fed = new ArrayList<>();
        long next = after + 1;
        while (next <= upTo) {
            List<Record> records = source.read(partition, next, (int) Math.min(BATCH, upTo - next + 1));
            if (records.isEmpty()) return null; // the states written so far are by version: harmless
            Map<String, StateWrite> writes = new LinkedHashMap<>();
            List<Change> changes = new ArrayList<>();
            List<DeadLetter> deadLetters = new ArrayList<>();
            for (Record record : records) {
                if (record.offset() > upTo) break;
                next = record.offset() + 1;
                VersionedState state = states.computeIfAbsent(record.key(), key -> load(partition, key));
                ApplyOutcome outcome = applier.apply(state, record);
                if (outcome.kind() == ApplyOutcome.Kind.SKIPPED) continue;
                VersionedState after1 = outcome.state();
                states.put(record.key(), after1);
                writes.put(record.key(), new StateWrite(partition, record.key(), StoredState.of(after1)));
                if (outcome.kind() == ApplyOutcome.Kind.APPLIED) changes.add(outcome.change());
                else deadLetters.add(outcome.deadLetter());
            }
            fed.addAll(store.applyReplicated(new ReplicatedWrite(partition, new ArrayList<>(writes.values()), changes,
                    deadLetters, next > upTo ? upTo : -1, true, false, stage)));
        }
        return fed;
    }

    private VersionedState load(int partition, String key) {
        StoredState stored = store.get(partition, key);
        if (stored == null) return VersionedState.ABSENT;
        return applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value());
    }
}
