package io.ringwork.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.util.Invariants;

/**
 * The one path by which a record changes a key's state: live processing, recovery replay and
 * (later) handoff all go through {@link #apply}. Stateless and thread-safe.
 *
 * <p>Steps: (1) skip a record at or below the state's version; (2) route it by type; (3) let the
 * processor decide; (4) turn the decision into the new versioned state plus a change or a dead
 * letter. A processor that throws is treated as having rejected the record, so bad input can never
 * stall a key.
 */
public final class RecordApplier {
    private final ProcessorRegistry registry;

    public RecordApplier(ProcessorRegistry registry) {
        this.registry = registry;
    }

    public ApplyOutcome apply(VersionedState current, Record record) {
        if (record.offset() <= current.version()) {
            return new ApplyOutcome(ApplyOutcome.Kind.SKIPPED, current, null, null);
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

    private <S> ApplyOutcome applyWith(Processor<S> processor, VersionedState current, Record record) {
        S state = valueOf(processor, current);
        Result<S> result;
        try {
            result = processor.apply(state, record);
        } catch (RuntimeException e) {
            return reject(current, record, "processor " + processor.name() + " failed: " + e);
        }
        Invariants.check(result != null, "processor %s returned null for %s", processor.name(), record);
        return switch (result) {
            case Result.Update<S> update -> {
                StateCodec<S> codec = processor.codec();
                byte[] encoded = codec.encode(update.state());
                byte[] json = codec == JsonStateCodec.INSTANCE ? encoded
                        : JsonStateCodec.INSTANCE.encode(codec.toJson(update.state()));
                VersionedState next = new VersionedState(record.offset(), processor.name(), update.state(), encoded, false);
                yield new ApplyOutcome(ApplyOutcome.Kind.APPLIED, next, change(record, false, json), null);
            }
            case Result.Delete<S> ignored -> {
                VersionedState next = new VersionedState(record.offset(), processor.name(), null, null, true);
                yield new ApplyOutcome(ApplyOutcome.Kind.APPLIED, next, change(record, true, null), null);
            }
            case Result.Reject<S> reject -> reject(current, record, reject.reason());
        };
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
        return new ApplyOutcome(ApplyOutcome.Kind.REJECTED, current.advancedTo(record.offset()), null, dead);
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
    public VersionedState decode(long version, String processorName, boolean tombstone, byte[] encoded) {
        if (tombstone || encoded == null || processorName == null || processorName.isEmpty()) {
            // Deleted, or every record so far was rejected: a version and no value.
            return new VersionedState(version, processorName == null || processorName.isEmpty() ? null : processorName,
                    null, null, tombstone);
        }
        Processor<?> processor = registry.byName(processorName);
        Invariants.check(processor != null, "stored state belongs to processor '%s', which is not loaded", processorName);
        Object value = processor.codec().decode(encoded);
        return new VersionedState(version, processorName, value, encoded, false);
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
