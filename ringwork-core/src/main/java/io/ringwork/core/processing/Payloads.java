package io.ringwork.core.processing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Parsing of record payloads for JSON processors. Thread-safe.
 *
 * <p>The parser itself refuses a payload nested deeper than the limit, as it reads, so a payload
 * of a million opening brackets costs a hundred levels of work and builds no tree. Jackson's tree
 * reader does not recurse, so no depth the parser allows can overflow the stack.
 */
public final class Payloads {
    private static final ObjectMapper DEFAULT_DEPTH = mapperFor(Limits.DEFAULT.maxDepth());
    /** Mappers for other depths (tests, nodes with custom limits): at most one per depth a Limits allows. */
    private static final Map<Integer, ObjectMapper> OTHER_DEPTHS = new HashMap<>();

    private Payloads() {}

    /** A payload that is not one well-formed JSON value; its message is a dead-letter reason. */
    public static final class MalformedPayload extends Exception {
        MalformedPayload(String message) {
            super(message, null, false, false);
        }
    }

    /** {@link #parse(byte[], int)} with the default depth limit. */
    public static JsonNode parse(byte[] data) throws MalformedPayload {
        return parse(data, Limits.DEFAULT.maxDepth());
    }

    /**
     * Parses UTF-8 JSON; an empty payload is {@link MissingNode}.
     *
     * @param maxDepth the deepest nesting accepted ({@code {}} is depth 1)
     * @throws MalformedPayload if the payload is not one JSON value (bad syntax, invalid UTF-8),
     *     nests deeper than {@code maxDepth}, or passes another of Jackson's read limits (a number of more than 1,000 digits)
     */
    public static JsonNode parse(byte[] data, int maxDepth) throws MalformedPayload {
        if (data.length == 0) return MissingNode.getInstance();
        try {
            JsonNode node = mapper(maxDepth).readTree(data);
            return node == null ? MissingNode.getInstance() : node;
        } catch (StreamConstraintsException e) {
            String message = e.getOriginalMessage();
            if (message != null && message.contains("nesting depth")) {
                throw new MalformedPayload("JSON payload nests deeper than the limit of " + maxDepth + " levels");
            }
            throw new MalformedPayload("JSON payload is over a parser limit: " + firstLine(message));
        } catch (IOException e) {
            throw new MalformedPayload("malformed JSON payload: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String message) {
        int newline = message == null ? -1 : message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) : message;
    }

    private static ObjectMapper mapper(int maxDepth) {
        if (maxDepth == Limits.DEFAULT.maxDepth()) return DEFAULT_DEPTH;
        synchronized (OTHER_DEPTHS) {
            return OTHER_DEPTHS.computeIfAbsent(maxDepth, Payloads::mapperFor);
        }
    }

    private static ObjectMapper mapperFor(int maxDepth) {
        return new ObjectMapper(JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.newBoundedPool(64))
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
                .build());
    }
}
