package io.ringwork.core.processing;

import io.ringwork.core.record.Record;

/**
 * The processor SPI: a pure function {@code (state, record) -> result} for one key. ringwork
 * routes a record to the processor whose {@link #name()} is the part of the record's type before
 * the first dot ({@code gluer.merge} goes to {@code gluer}).
 *
 * <p>Contract, which exactly-once-in-effect depends on:
 * <ul>
 *   <li>Deterministic: the same state and record always give the same result. No clocks,
 *       randomness, I/O or global mutable state.
 *   <li>Never mutates {@code state}: cached states are shared with the change feed.
 *   <li>Bad input is a {@link Result.Reject} with a reason, never an exception. An exception
 *       thrown anyway is caught and turned into a rejection, so a key never stalls.
 *   <li>May be called from several threads at once, for different keys.
 * </ul>
 *
 * <p>A user's jar adds processors through {@link java.util.ServiceLoader}: list the
 * implementation class in {@code META-INF/services/io.ringwork.core.processing.Processor} and
 * give it a public no-argument constructor.
 *
 * @param <S> the state type, immutable by convention, encoded by {@link #codec()}
 */
public interface Processor<S> {
    /** The type namespace this processor owns, e.g. {@code gluer}. Lower case, no dots. */
    String name();

    /** How states of this processor are stored and shown. */
    StateCodec<S> codec();

    /**
     * Applies one record.
     *
     * @param state  the key's current state, or null if the key has none (never written, or deleted)
     * @param record the record; its type starts with {@code name() + "."}
     */
    Result<S> apply(S state, Record record);

    /**
     * Bytes a state may hold beyond {@link Limits#maxDocumentBytes()} for the processor's own
     * bookkeeping, so a value of the full document size still fits (the key-value store keeps its
     * recent answers and fences beside the value). Default 0.
     */
    default int bookkeepingBytes() {
        return 0;
    }

    /**
     * Applies one record within {@code limits}. The applier calls this one. The default ignores
     * the limits, which is safe: the applier checks the key and type before, and the resulting
     * state's depth and size after, any processor. A processor whose work can grow out of
     * proportion to its record (parsing nested input, copying parts of the state) overrides this
     * to stop early and reject instead.
     */
    default Result<S> apply(S state, Record record, Limits limits) {
        return apply(state, record);
    }
}
