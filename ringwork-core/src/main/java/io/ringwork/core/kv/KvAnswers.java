package io.ringwork.core.kv;

import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.store.StoredState;

/**
 * How a node that appended a key-value write, or that serves a read, decides from what a replica
 * of the key says: the rules the HTTP API and the simulator's clients share. Pure functions.
 */
public final class KvAnswers {
    /** A checkpoint the replica did not say (an older node). */
    public static final long UNKNOWN = -2;

    private KvAnswers() {}

    /** Where a write stands, as read from a replica of its key. */
    public sealed interface Write {
        /** The replica has not applied the record, or a write quorum does not hold it yet: ask again. */
        record Pending() implements Write {}

        /** The record's answer (or, for a retried id, its first copy's). */
        record Answered(KvOutcome outcome) implements Write {}

        /** The key holds another processor's state, or the store refused the record (a dead letter): nothing was written. */
        record Refused(String why) implements Write {}

        /** The record is applied but its answer is no longer kept: it took effect or not. */
        record Unknown() implements Write {}
    }

    /**
     * The write at {@code offset} (carrying {@code id}, or null) as seen in a replica's entry of its
     * key ({@code stored}, null when none) whose feed checkpoint is {@code durable}
     * ({@link #UNKNOWN}: not said, then the version alone decides).
     */
    public static Write write(StoredState stored, long durable, long offset, String id, RecordApplier applier) {
        if (stored == null || stored.version() < offset) return new Write.Pending();
        if (durable != UNKNOWN && durable < offset) return new Write.Pending();
        if (!KvProcessor.NAME.equals(stored.processor())) {
            return new Write.Refused(stored.processor().isEmpty() ? "the key holds no value" : "the key holds " + stored.processor() + " state");
        }
        KvState state = state(stored, applier);
        KvOutcome outcome = state.outcomeAt(offset);
        if (outcome == null) outcome = state.outcomeOf(id);
        if (outcome != null) return new Write.Answered(outcome);
        // The kept answers reach back past this record and it has none: the applier rejected it.
        if (state.outcomes().isEmpty() || state.outcomes().get(0).offset() < offset) return new Write.Refused("the store refused the record");
        return new Write.Unknown();
    }

    /**
     * Whether a replica at {@code checkpoint} may answer a linearizable read that began when the
     * partition's log ended at {@code logEnd} (the offset the next record would get): it has applied
     * every record appended before the read began.
     */
    public static boolean readable(long checkpoint, long logEnd) {
        return checkpoint >= logEnd - 1;
    }

    /** The key-value state of a stored entry; {@link KvState#NEVER_WRITTEN} for none or another processor's. */
    public static KvState state(StoredState stored, RecordApplier applier) {
        if (stored == null || !KvProcessor.NAME.equals(stored.processor())) return KvState.NEVER_WRITTEN;
        return (KvState) applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids()).value();
    }
}
