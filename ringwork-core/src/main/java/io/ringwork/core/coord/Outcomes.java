package io.ringwork.core.coord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The answers a coordination state keeps for its last records, as the key-value store does
 * ({@code KvOutcome}): the node that appended a record reads its answer back from the key's state,
 * which every replica computes alike. Stored in the state as {@code "o":[[offset,code,token]…]},
 * oldest first, at most {@link #MAX}.
 */
public final class Outcomes {
    /** Answers kept per key; an answer pushed out before its writer read it is unknown (indefinite). */
    public static final int MAX = 32;

    /** One record's answer: {@code token} is the election token it concerns, or 0. */
    public record Outcome(long offset, String code, long token) {}

    private Outcomes() {}

    /** {@code state} with the record at {@code offset} answered {@code code}; mutates and returns it. */
    static ObjectNode answered(ObjectNode state, long offset, String code, long token) {
        ArrayNode kept = state.withArray("o");
        while (kept.size() >= MAX) kept.remove(0);
        kept.addArray().add(offset).add(code).add(token);
        return state;
    }

    /** The answer of the record at {@code offset} in {@code state}, or null when none is kept. */
    public static Outcome at(JsonNode state, long offset) {
        if (state == null) return null;
        for (JsonNode o : state.path("o")) {
            if (o.get(0).asLong() == offset) return new Outcome(offset, o.get(1).asText(), o.get(2).asLong());
        }
        return null;
    }

    /** The offset of the newest answer kept (the last record applied to the key), or -1 when none. */
    public static long newest(JsonNode state) {
        JsonNode kept = state == null ? null : state.get("o");
        return kept == null || kept.isEmpty() ? -1 : kept.get(kept.size() - 1).get(0).asLong();
    }

    /** The offset of the oldest answer kept, or -1 when none. */
    public static long oldest(JsonNode state) {
        JsonNode kept = state == null ? null : state.get("o");
        return kept == null || kept.isEmpty() ? -1 : kept.get(0).get(0).asLong();
    }
}
