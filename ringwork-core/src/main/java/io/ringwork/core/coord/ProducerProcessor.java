package io.ringwork.core.coord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.processing.JsonProcessor;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Result;
import io.ringwork.core.record.Record;

/**
 * A producer's sequence numbers (seed 003's at-least-once delivery with sequence numbers): the
 * record key {@code producer/ID} keeps {@code {"seq":S,"acks":[[seq,partition,offset]…],"o":[…]}}, the
 * highest sequence number acknowledged and where the last {@link #ACKS_MAX} acknowledged
 * envelopes went. The ingest appends a producer's new envelopes, then a {@code producer.ack}
 * record {@code {"entries":[[seq,partition,offset]…]}} here, and answers once it is applied; a
 * retried sequence number is then found here and answered without a second append.
 *
 * <p>An ack adds the entries above the current {@code S} and raises it; entries at or below are
 * already acknowledged (a concurrent retry) and change nothing. Each ack's answer is kept
 * ({@link Outcomes}) so the appending node reads it back. Stateless and thread-safe.
 */
public final class ProducerProcessor extends JsonProcessor {
    public static final String NAME = "producer";
    public static final String KEY_PREFIX = "producer/";
    public static final String ACK = "producer.ack";
    /** Acknowledged envelopes whose position a retry can still be told. */
    public static final int ACKS_MAX = 1024;

    public ProducerProcessor() {
        super(NAME, "producer/ID");
    }

    @Override
    public int bookkeepingBytes() {
        return 64 << 10;
    }

    @Override
    protected Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits) {
        if (!record.key().startsWith(KEY_PREFIX)) return Result.reject("producer keys are " + KEY_PREFIX + "ID, got '" + record.key() + "'");
        if (!record.type().equals(ACK)) return Result.reject("unknown producer type '" + record.type() + "' (" + ACK + ")");
        JsonNode entries = data.path("entries");
        if (!entries.isArray()) return Result.reject(ACK + " needs {\"entries\":[[seq,partition,offset]…]}, got " + data);
        ObjectNode next = state != null && state.isObject() ? ((ObjectNode) state).deepCopy() : empty();
        long seq = next.path("seq").asLong(-1);
        ArrayNode acks = next.withArray("acks");
        boolean changed = false;
        for (JsonNode entry : entries) {
            if (!entry.isArray() || entry.size() != 3 || !entry.get(0).isIntegralNumber() || !entry.get(1).isIntegralNumber()
                    || !entry.get(2).isIntegralNumber() || entry.get(0).asLong() < 0) {
                return Result.reject(ACK + " entries are [seq >= 0, partition, offset], got " + entry);
            }
            long s = entry.get(0).asLong();
            if (s <= seq) continue; // acknowledged already, by a concurrent copy of the request
            seq = s;
            acks.add(entry.deepCopy());
            changed = true;
        }
        while (acks.size() > ACKS_MAX) acks.remove(0);
        if (!changed) return Result.note(Outcomes.answered(next, record.offset(), "acknowledged", seq));
        next.put("seq", seq);
        return Result.update(Outcomes.answered(next, record.offset(), "acknowledged", seq));
    }

    private static ObjectNode empty() {
        ObjectNode created = JsonNodeFactory.instance.objectNode();
        created.put("seq", -1);
        created.putArray("acks");
        return created;
    }

    /** The highest acknowledged sequence number in a producer's state, -1 for none. */
    public static long seq(JsonNode state) {
        return state == null ? -1 : state.path("seq").asLong(-1);
    }

    /** Where the envelope with sequence number {@code seq} went, {partition, offset}, or null when not kept. */
    public static long[] position(JsonNode state, long seq) {
        if (state == null) return null;
        for (JsonNode ack : state.path("acks")) {
            if (ack.get(0).asLong() == seq) return new long[] {ack.get(1).asLong(), ack.get(2).asLong()};
        }
        return null;
    }
}
