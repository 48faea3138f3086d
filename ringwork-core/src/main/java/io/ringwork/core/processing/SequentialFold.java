package io.ringwork.core.processing;

import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import java.util.HashMap;
import java.util.Map;

/**
 * The reference for correctness checks: folds records into per-key states on one thread, in the
 * order given, through the same {@link RecordApplier} the engine uses. What the cluster computes
 * for a key must equal what this computes from that key's records in log order.
 * Memory grows with the number of distinct keys. Not thread-safe.
 */
public final class SequentialFold {
    private final RecordApplier applier;
    private final Map<String, VersionedState> states = new HashMap<>();
    private final Map<String, Integer> appliedByKey = new HashMap<>();
    private long sequence;
    private long rejected;

    public SequentialFold(RecordApplier applier) {
        this.applier = applier;
    }

    /** Applies {@code record} after everything folded so far; returns what happened. */
    public ApplyOutcome apply(NewRecord record) {
        Record asRead = new Record(0, sequence++, record.key(), record.type(), record.id(), 0L, record.data());
        VersionedState current = states.getOrDefault(record.key(), VersionedState.ABSENT);
        ApplyOutcome outcome = applier.apply(current, asRead);
        states.put(record.key(), outcome.state());
        if (outcome.kind() == ApplyOutcome.Kind.APPLIED) appliedByKey.merge(record.key(), 1, Integer::sum);
        if (outcome.kind() == ApplyOutcome.Kind.REJECTED) rejected++;
        return outcome;
    }

    /** The folded state of {@code key}; {@link VersionedState#ABSENT} if it never got a record. */
    public VersionedState state(String key) {
        return states.getOrDefault(key, VersionedState.ABSENT);
    }

    public Map<String, VersionedState> states() {
        return states;
    }

    /** How many records of {@code key} produced a change (not rejected). */
    public int appliedCount(String key) {
        return appliedByKey.getOrDefault(key, 0);
    }

    public long rejectedCount() {
        return rejected;
    }

    public long recordCount() {
        return sequence;
    }
}
