package io.ringwork.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.gluer.json.JsonSize;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.RecentIds;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.util.Invariants;
import io.ringwork.core.util.Utf8;

/**
 * The one path by which a record changes a key's state: live processing, recovery replay and
 * (later) handoff all go through {@link #apply}. Stateless and thread-safe.
 *
 * <p>Steps: (1) skip a record at or below the state's version; (2) reject a key, type or id
 * longer than its limit; (3) pass over a record whose id the key applied recently (a retried
 * envelope: {@link RecentIds}); (4) route the record by type; (5) let the processor decide, within
 * the {@link Limits}; (6) check the new state's depth and size, and encode it; (7) turn the
 * decision into the new versioned state, remembering the record's id, plus a change or a dead
 * letter.
 *
 * <p>The applier never fails on a record. Whatever the record makes a processor, a patch, the
 * checks or the encoder throw (a runtime exception, or a stack overflow) rejects that record:
 * a dead letter with the reason, the key's value unchanged and its version advanced, so the key
 * moves on and a replay after a restart rejects it again instead of stopping the node. Memory
 * is not left to chance: the limits stop growth before it happens, since an out-of-memory error
 * is not something to catch. What still throws is what a record cannot cause: a broken invariant
 * ({@link Invariants.InvariantViolation}) and a stored state that does not decode, both of which
 * stop the engine (fail-stop).
 */
public final class RecordApplier {
    /**
     * An estimate of a state's JSON is never under its length and at most about six times over it
     * (a floating-point number is estimated at 24 bytes and may be written in 3), so an estimate
     * past this many times the limit is over the limit without encoding anything.
     */
    private static final int ESTIMATE_SLACK = 8;

    private final ProcessorRegistry registry;
    private final Limits limits;

    /** An applier with {@link Limits#DEFAULT}. */
    public RecordApplier(ProcessorRegistry registry) {
        this(registry, Limits.DEFAULT);
    }

    /** An applier that holds every record and state to {@code limits}. */
    public RecordApplier(ProcessorRegistry registry, Limits limits) {
        this.registry = registry;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Applies {@code record} to {@code current}, the state of the record's key.
     *
     * @return APPLIED, REJECTED or SKIPPED, never null; throws only on a broken invariant or a
     *     stored state that does not decode (see the class comment)
     */
    public ApplyOutcome apply(VersionedState current, Record record) {
        if (record.offset() <= current.version()) {
            return new ApplyOutcome(ApplyOutcome.Kind.SKIPPED, current, null, null);
        }
        String overLimit = checkEnvelope(record);
        if (overLimit != null) return reject(current, record, overLimit);
        if (current.ids().contains(record.id())) {
            // The same (key, id) again: a producer's retry, appended twice because the log does
            // not deduplicate (Kafka) or its window passed. Its first copy already took effect.
            return new ApplyOutcome(ApplyOutcome.Kind.DUPLICATE, current.advancedTo(record.offset()), null, null);
        }
        Processor<?> processor = registry.forType(record.type());
        if (processor == null) {
            return reject(current, record, "unknown type '" + record.type()
                    + "': no processor named '" + namespace(record.type()) + "' (known: " + registry.names() + ")");
        }
        if (current.exists() && !processor.name().equals(current.processor())) {
            return reject(current, record, "key holds " + current.processor() + " state; a "
                    + processor.name() + " record cannot apply to it");
        }
        return applyWith(processor, current, record);
    }

    /**
     * Null when the record's key, type and id are within their limits, else the reason. They come
     * from the public API, and a record can reach the log by other paths than this node's API.
     */
    private String checkEnvelope(Record record) {
        long keyBytes = Utf8.length(record.key(), limits.maxKeyBytes());
        if (keyBytes > limits.maxKeyBytes()) {
            return "the key is " + Utf8.length(record.key()) + " bytes, over the limit of " + limits.maxKeyBytes() + " bytes";
        }
        if (Utf8.length(record.type(), Limits.MAX_TYPE_BYTES) > Limits.MAX_TYPE_BYTES) {
            return "the type is " + Utf8.length(record.type()) + " bytes, over the limit of " + Limits.MAX_TYPE_BYTES + " bytes";
        }
        if (record.id() != null && Utf8.length(record.id(), Limits.MAX_ID_BYTES) > Limits.MAX_ID_BYTES) {
            return "the id is " + Utf8.length(record.id()) + " bytes, over the limit of " + Limits.MAX_ID_BYTES + " bytes";
        }
        return null;
    }

    private <S> ApplyOutcome applyWith(Processor<S> processor, VersionedState current, Record record) {
        // Outside the guard: a stored state that does not decode is a storage fault, not the record's.
        S state = valueOf(processor, current);
        Result<S> result;
        try {
            result = processor.apply(state, record, limits);
        } catch (Invariants.InvariantViolation e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            return reject(current, record, "processor " + processor.name() + " failed: " + e);
        }
        Invariants.check(result != null, "processor %s returned null for %s", processor.name(), record);
        return switch (result) {
            case Result.Update<S> update -> updated(processor, current, record, update.state(), true);
            case Result.Note<S> note -> updated(processor, current, record, note.state(), false);
            case Result.Delete<S> ignored -> {
                VersionedState next = new VersionedState(record.offset(), processor.name(), null, null, true, current.ids())
                        .withId(record.id());
                yield new ApplyOutcome(ApplyOutcome.Kind.APPLIED, next, change(record, true, null), null);
            }
            case Result.Reject<S> reject -> reject(current, record, reject.reason());
        };
    }

    /**
     * Checks and encodes the processor's new state; one over a limit rejects the record. With
     * {@code feed} false (a {@link Result.Note}) the state is kept with no change to emit.
     */
    private <S> ApplyOutcome updated(Processor<S> processor, VersionedState current, Record record, S value, boolean feed) {
        StateCodec<S> codec = processor.codec();
        int maxBytes = limits.maxDocumentBytes() + processor.bookkeepingBytes();
        byte[] json;
        byte[] encoded;
        try {
            JsonNode view = codec.toJson(value);
            JsonSize.Measure measure = JsonSize.measure(view, (long) ESTIMATE_SLACK * maxBytes,
                    limits.maxDepth());
            if (measure.depth() > limits.maxDepth()) {
                return reject(current, record, "the document would nest deeper than the limit of "
                        + limits.maxDepth() + " levels; the document is unchanged");
            }
            json = measure.bytes() > (long) ESTIMATE_SLACK * maxBytes
                    ? null
                    : JsonStateCodec.INSTANCE.encode(view, maxBytes, measure.bytes());
            if (json == null) return reject(current, record, tooLarge(measure.bytes() + " bytes (estimated)", maxBytes));
            encoded = codec == JsonStateCodec.INSTANCE ? json : codec.encode(value);
            if (encoded.length > maxBytes) {
                return reject(current, record, tooLarge(encoded.length + " bytes as " + processor.name() + " stores it", maxBytes));
            }
        } catch (Invariants.InvariantViolation e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            return reject(current, record, "the new state of processor " + processor.name() + " could not be encoded: " + e);
        }
        VersionedState next = new VersionedState(record.offset(), processor.name(), value, encoded, false, current.ids())
                .withId(record.id());
        if (!feed) return new ApplyOutcome(ApplyOutcome.Kind.NOTED, next, null, null);
        return new ApplyOutcome(ApplyOutcome.Kind.APPLIED, next, change(record, false, json), null);
    }

    private static String tooLarge(String size, int maxBytes) {
        return "the document would be " + size + ", over the limit of " + maxBytes
                + " bytes; the document is unchanged";
    }

    /** The decoded value of a state, decoding a compacted one; null when absent or deleted. */
    @SuppressWarnings("unchecked")
    private static <S> S valueOf(Processor<S> processor, VersionedState state) {
        if (state.value() != null) return (S) state.value();
        return state.exists() ? processor.codec().decode(state.encoded()) : null;
    }

    private static ApplyOutcome reject(VersionedState current, Record record, String reason) {
        DeadLetter dead = new DeadLetter(record.partition(), record.offset(), record.key(), record.type(),
                record.id(), record.timestampMs(), reason);
        VersionedState next = current.advancedTo(record.offset());
        // A rejection is the record's effect too: its retry must not make a second dead letter.
        // An id over the limit is the rejection's cause and is not remembered.
        if (record.id() != null && Utf8.length(record.id(), Limits.MAX_ID_BYTES) <= Limits.MAX_ID_BYTES) {
            next = next.withId(record.id());
        }
        return new ApplyOutcome(ApplyOutcome.Kind.REJECTED, next, null, dead);
    }

    private static Change change(Record record, boolean tombstone, byte[] json) {
        return new Change(record.partition(), record.key(), record.offset(), record.type(), record.id(),
                record.timestampMs(), tombstone, json);
    }

    private static String namespace(String type) {
        int dot = type.indexOf('.');
        return dot < 0 ? type : type.substring(0, dot);
    }

    /** Decodes a stored state's value with its processor's codec, for a state loaded from storage. */
    public VersionedState decode(long version, String processorName, boolean tombstone, byte[] encoded, RecentIds ids) {
        if (tombstone || encoded == null || processorName == null || processorName.isEmpty()) {
            // Deleted, or every record so far was rejected: a version and no value.
            return new VersionedState(version, processorName == null || processorName.isEmpty() ? null : processorName,
                    null, null, tombstone, ids);
        }
        Processor<?> processor = registry.byName(processorName);
        Invariants.check(processor != null, "stored state belongs to processor '%s', which is not loaded", processorName);
        Object value = processor.codec().decode(encoded);
        return new VersionedState(version, processorName, value, encoded, false, ids);
    }

    /** The state's value as JSON for the API, or null when absent or deleted. */
    public JsonNode toJson(VersionedState state) {
        if (!state.exists()) return null;
        return toJsonWith(registry.byName(state.processor()), state);
    }

    private static <S> JsonNode toJsonWith(Processor<S> processor, VersionedState state) {
        return processor.codec().toJson(valueOf(processor, state));
    }
}
