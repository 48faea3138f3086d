package io.ringwork.core.processing;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.VersionedState;

/**
 * The effect of one record on one key, as decided by {@link RecordApplier}.
 *
 * @param kind       what happened
 * @param state      the key's state afterwards (for SKIPPED, the unchanged state)
 * @param change     the change to emit for APPLIED; null otherwise (DUPLICATE: the first copy's change was emitted)
 * @param deadLetter the rejection for REJECTED; null otherwise
 */
public record ApplyOutcome(Kind kind, VersionedState state, Change change, DeadLetter deadLetter) {
    public enum Kind {
        /** The processor produced a new state (or a tombstone). */
        APPLIED,
        /**
         * The processor kept a new state that is not a change of the key's value (a
         * {@link Result.Note}): stored and replicated, nothing on the feed, no dead letter.
         */
        NOTED,
        /** The processor rejected the record; the version advanced as a no-op. */
        REJECTED,
        /** The record's offset was at or below the state's version: a duplicate delivery. */
        SKIPPED,
        /**
         * The key applied a record with the same id recently (a producer's retry, appended again):
         * the version advanced as a no-op, with no change and no dead letter.
         */
        DUPLICATE
    }

    /**
     * The same outcome with its state's decoded value dropped ({@link VersionedState#compact}):
     * what waits for the commit needs the encoded bytes only, and a decoded tree per record in
     * flight is most of what a young collection copies while a backlog is applied.
     */
    public ApplyOutcome compact() {
        return state.value() == null ? this : new ApplyOutcome(kind, state.compact(), change, deadLetter);
    }
}
