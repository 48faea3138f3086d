package io.ringwork.core.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ringwork.core.gluer.json.JsonMergePatch;
import io.ringwork.core.processing.JsonProcessor;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Result;
import io.ringwork.core.record.Record;

/**
 * CRUD events about resources (seed 000). Keys are {@code type/id}.
 * {@code resource.create} and {@code resource.update} upsert the data; {@code resource.patch}
 * merges an RFC 7396 patch into the resource ({@code {}} if it does not exist);
 * {@code resource.delete} leaves a tombstone. Stateless and thread-safe.
 */
public final class ResourceProcessor extends JsonProcessor {
    public static final String NAME = "resource";

    public ResourceProcessor() {
        super(NAME, "type/id");
    }

    @Override
    protected Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits) {
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
