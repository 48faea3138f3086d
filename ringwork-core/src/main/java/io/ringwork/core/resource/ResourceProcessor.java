package io.ringwork.core.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ringwork.core.gluer.json.JsonMergePatch;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.Payloads;
import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.Record;

/**
 * CRUD events about resources (seed 000). Keys are {@code type/id}.
 * {@code resource.create} and {@code resource.update} upsert the data; {@code resource.patch}
 * merges an RFC 7396 patch into the resource ({@code {}} if it does not exist);
 * {@code resource.delete} leaves a tombstone. Stateless and thread-safe.
 */
public final class ResourceProcessor implements Processor<JsonNode> {
    public static final String NAME = "resource";

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
        int slash = record.key().indexOf('/');
        if (slash <= 0 || slash == record.key().length() - 1) {
            return Result.reject("resource keys are type/id, got '" + record.key() + "'");
        }
        if (record.type().equals("resource.delete")) return Result.delete();
        JsonNode data;
        try {
            data = Payloads.parse(record.data());
        } catch (Payloads.MalformedPayload e) {
            return Result.reject(e.getMessage());
        }
        return switch (record.type()) {
            case "resource.create", "resource.update" -> data.isNull() || data.isMissingNode()
                    ? Result.reject(record.type() + " needs the resource in data")
                    : Result.update(data);
            case "resource.patch" -> Result.update(JsonMergePatch.apply(
                    state != null ? state : JsonNodeFactory.instance.objectNode(), data));
            default -> Result.reject("unknown resource type '" + record.type()
                    + "' (resource.create, resource.update, resource.patch, resource.delete)");
        };
    }
}
