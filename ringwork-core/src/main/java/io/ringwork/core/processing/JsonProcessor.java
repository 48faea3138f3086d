package io.ringwork.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.Record;

/**
 * Base of processors whose state is a JSON document and whose keys are two-part
 * ({@code namespace/id}, e.g. {@code tenant/contentId} or {@code type/id}). It does the steps
 * every such processor shares, in order: (1) reject a key that is not two-part, (2) delete on
 * the processor's delete type, (3) parse the payload, rejecting malformed JSON; then it hands
 * the parsed payload to {@link #applyParsed}. Subclasses are stateless and thread-safe.
 */
public abstract class JsonProcessor implements Processor<JsonNode> {
    private final String name;
    private final String deleteType;
    private final String keyShape;

    /**
     * @param name     the processor's name (its record types are {@code name.*})
     * @param keyShape how keys look, for the rejection reason, e.g. {@code tenant/contentId}
     */
    protected JsonProcessor(String name, String keyShape) {
        this.name = name;
        this.deleteType = name + ".delete";
        this.keyShape = keyShape;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final StateCodec<JsonNode> codec() {
        return JsonStateCodec.INSTANCE;
    }

    /** {@link #apply(JsonNode, Record, Limits)} with {@link Limits#DEFAULT}. */
    @Override
    public final Result<JsonNode> apply(JsonNode state, Record record) {
        return apply(state, record, Limits.DEFAULT);
    }

    @Override
    public final Result<JsonNode> apply(JsonNode state, Record record, Limits limits) {
        if (!isTwoPart(record.key())) return Result.reject(name + " keys are " + keyShape + ", got '" + record.key() + "'");
        if (record.type().equals(deleteType)) return Result.delete();
        try {
            return applyParsed(state, record, Payloads.parse(record.data(), limits.maxDepth()), limits);
        } catch (Payloads.MalformedPayload e) {
            return Result.reject(e.getMessage());
        }
    }

    /**
     * Applies a record other than a delete whose payload parsed (within {@code limits.maxDepth()}).
     *
     * @param state  the document, or null when absent or deleted
     * @param data   the payload; {@code MissingNode} when empty
     * @param limits the bounds for work that can outgrow the record, such as JSON Patch copies
     */
    protected abstract Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits);

    /** True for {@code a/b} with both parts non-empty (the id part may contain more slashes). */
    public static boolean isTwoPart(String key) {
        int slash = key.indexOf('/');
        return slash > 0 && slash < key.length() - 1;
    }
}
