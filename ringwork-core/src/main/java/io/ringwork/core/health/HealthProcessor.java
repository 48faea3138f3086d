package io.ringwork.core.health;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Payloads;
import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.Record;

/**
 * Health targets as cluster state: target {@code ID} is the record key {@code health/ID}, whose
 * state is the target's definition ({@link HealthTarget#toJson}, defaults filled in). Records:
 * {@code health.put} with the definition, {@code health.delete} with {@code {}}. Going through
 * the log and the partition's fenced owner, the targets are replicated, survive restarts and are
 * held by exactly the replica set of their partition, whose owner checks them. An invalid
 * definition (which the API never sends) is a dead letter. Stateless and thread-safe.
 */
public final class HealthProcessor implements Processor<JsonNode> {
    public static final String NAME = "health";
    public static final String PUT = "health.put";
    public static final String DELETE = "health.delete";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public StateCodec<JsonNode> codec() {
        return JsonStateCodec.INSTANCE;
    }

    @Override
    public Result<JsonNode> apply(JsonNode state, Record record) {
        return apply(state, record, Limits.DEFAULT);
    }

    @Override
    public Result<JsonNode> apply(JsonNode state, Record record, Limits limits) {
        String key = record.key();
        if (!key.startsWith(HealthTarget.KEY_PREFIX)) {
            return Result.reject("health keys are " + HealthTarget.KEY_PREFIX + "ID, got '" + key + "'");
        }
        String id = key.substring(HealthTarget.KEY_PREFIX.length());
        if (record.type().equals(DELETE)) return Result.delete();
        if (!record.type().equals(PUT)) {
            return Result.reject("unknown health type '" + record.type() + "' (" + PUT + ", " + DELETE + ")");
        }
        try {
            return Result.update(HealthTarget.parse(id, Payloads.parse(record.data(), limits.maxDepth())).toJson());
        } catch (Payloads.MalformedPayload e) {
            return Result.reject(e.getMessage());
        } catch (HealthTarget.Invalid e) {
            return Result.reject("invalid target: " + e.getMessage());
        }
    }
}
