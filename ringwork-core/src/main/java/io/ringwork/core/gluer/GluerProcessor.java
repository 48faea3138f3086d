package io.ringwork.core.gluer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ringwork.core.gluer.json.JsonMergePatch;
import io.ringwork.core.gluer.json.JsonPatch;
import io.ringwork.core.gluer.json.JsonPatchException;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.Payloads;
import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.Record;

/**
 * The metadata gluer (seed 002): pieces of a content document, glued per content in log order.
 * Keys are {@code tenant/contentId}. A document that does not exist (never created or deleted)
 * is the empty object {@code {}} for merge and patch pieces.
 *
 * <ul>
 *   <li>{@code gluer.merge}: data is an RFC 7396 JSON Merge Patch.
 *   <li>{@code gluer.patch}: data is an RFC 6902 JSON Patch (array of operations), applied
 *       atomically; a failing operation rejects the whole piece and leaves the document as it was.
 *   <li>{@code gluer.put}: data replaces the document.
 *   <li>{@code gluer.delete}: deletes the document.
 * </ul>
 * Stateless and thread-safe.
 */
public final class GluerProcessor implements Processor<JsonNode> {
    public static final String NAME = "gluer";
    public static final String MERGE = "gluer.merge";
    public static final String PATCH = "gluer.patch";
    public static final String PUT = "gluer.put";
    public static final String DELETE = "gluer.delete";

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
        String keyProblem = checkKey(record.key());
        if (keyProblem != null) return Result.reject(keyProblem);
        if (record.type().equals(DELETE)) return Result.delete();

        JsonNode data;
        try {
            data = Payloads.parse(record.data());
        } catch (Payloads.MalformedPayload e) {
            return Result.reject(e.getMessage());
        }
        JsonNode document = state != null ? state : JsonNodeFactory.instance.objectNode();
        return switch (record.type()) {
            case MERGE -> Result.update(JsonMergePatch.apply(document, data));
            case PATCH -> patch(document, data);
            case PUT -> data.isNull() || data.isMissingNode()
                    ? Result.reject("gluer.put needs a document in data")
                    : Result.update(data);
            default -> Result.reject("unknown gluer type '" + record.type()
                    + "' (gluer.merge, gluer.patch, gluer.put, gluer.delete)");
        };
    }

    private static Result<JsonNode> patch(JsonNode document, JsonNode operations) {
        try {
            return Result.update(JsonPatch.apply(document, operations));
        } catch (JsonPatchException e) {
            return Result.reject("JSON Patch failed: " + e.getMessage());
        }
    }

    /** Null when {@code key} is a valid {@code tenant/contentId}, otherwise the reason it is not. */
    public static String checkKey(String key) {
        int slash = key.indexOf('/');
        if (slash <= 0 || slash == key.length() - 1) {
            return "gluer keys are tenant/contentId, got '" + key + "'";
        }
        return null;
    }

    /** The tenant of a gluer key (the part before the first slash). */
    public static String tenantOf(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? key : key.substring(0, slash);
    }
}
