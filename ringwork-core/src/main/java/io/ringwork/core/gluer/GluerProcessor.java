package io.ringwork.core.gluer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.ringwork.core.gluer.json.JsonMergePatch;
import io.ringwork.core.gluer.json.JsonPatch;
import io.ringwork.core.gluer.json.JsonPatchException;
import io.ringwork.core.processing.JsonProcessor;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Result;
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
public final class GluerProcessor extends JsonProcessor {
    public static final String NAME = "gluer";
    public static final String MERGE = "gluer.merge";
    public static final String PATCH = "gluer.patch";
    public static final String PUT = "gluer.put";
    public static final String DELETE = "gluer.delete";

    public GluerProcessor() {
        super(NAME, "tenant/contentId");
    }

    @Override
    protected Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits) {
        JsonNode document = state != null ? state : JsonNodeFactory.instance.objectNode();
        return switch (record.type()) {
            case MERGE -> Result.update(JsonMergePatch.apply(document, data));
            case PATCH -> patch(document, data, limits);
            case PUT -> data.isNull() || data.isMissingNode()
                    ? Result.reject("gluer.put needs a document in data")
                    : Result.update(data);
            default -> Result.reject("unknown gluer type '" + record.type()
                    + "' (gluer.merge, gluer.patch, gluer.put, gluer.delete)");
        };
    }

    /** A patch may insert at most a document's worth of bytes, so a copy bomb stops at the limit. */
    private static Result<JsonNode> patch(JsonNode document, JsonNode operations, Limits limits) {
        JsonPatch.Budget budget = new JsonPatch.Budget(limits.maxPatchOperations(), limits.maxDocumentBytes(),
                limits.maxDepth());
        try {
            return Result.update(JsonPatch.apply(document, operations, budget));
        } catch (JsonPatchException e) {
            return Result.reject("JSON Patch failed: " + e.getMessage());
        }
    }

    /** Null when {@code key} is a valid {@code tenant/contentId}, otherwise the reason it is not. */
    public static String checkKey(String key) {
        return isTwoPart(key) ? null : "gluer keys are tenant/contentId, got '" + key + "'";
    }
}
