package io.ringwork.core.health;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Payloads;
import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.Record;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Health targets as cluster state: target {@code ID} is the record key {@code health/ID}, whose
 * state is {@code {"target":{definition},"last":{transition},"pending":[transitions]}}. Going
 * through the log and the partition's fenced owner, the targets are replicated, survive restarts
 * and are held by exactly the replica set of their partition, whose owner checks them.
 *
 * <p>Records: {@code health.put} with the definition ({@link HealthTarget#toJson}; a redefinition
 * keeps the transitions), {@code health.delete} with {@code {}}, {@code health.transition} (the
 * checker saw the status change: {@code {"id","status","sinceMs","checker","epoch","error"}}) and
 * {@code health.notified} ({@code {"id"}}: the webhook took it). A transition is taken only if it
 * is newer by (epoch, sinceMs) than the last one taken and of another status, so a repeat, a
 * deposed checker's late word, or a new checker raising the change its predecessor raised is a
 * no-op: each transition reaches the change feed once, in log order. Taken transitions
 * wait in {@code pending} (at most {@link #PENDING_MAX}; past it the oldest is dropped and counted
 * in {@code "dropped"}) until a {@code health.notified} of it or a later one. An invalid record
 * (which the node never sends) is a dead letter. Stateless and thread-safe.
 */
public final class HealthProcessor implements Processor<JsonNode> {
    public static final String NAME = "health";
    public static final String PUT = "health.put";
    public static final String DELETE = "health.delete";
    public static final String TRANSITION = "health.transition";
    public static final String NOTIFIED = "health.notified";
    /** Transitions kept for the webhook per target. */
    public static final int PENDING_MAX = 32;

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
        JsonNode data;
        try {
            data = Payloads.parse(record.data(), limits.maxDepth());
        } catch (Payloads.MalformedPayload e) {
            return Result.reject(e.getMessage());
        }
        return switch (record.type()) {
            case PUT -> put(state, id, data);
            case TRANSITION -> transition(state, data);
            case NOTIFIED -> notified(state, data);
            default -> Result.reject("unknown health type '" + record.type() + "' (" + PUT + ", " + DELETE + ", "
                    + TRANSITION + ", " + NOTIFIED + ")");
        };
    }

    private static Result<JsonNode> put(JsonNode state, String id, JsonNode data) {
        try {
            ObjectNode next = state == null ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) state).deepCopy();
            next.set("target", HealthTarget.parse(id, data).toJson());
            return Result.update(next);
        } catch (HealthTarget.Invalid e) {
            return Result.reject("invalid target: " + e.getMessage());
        }
    }

    private static Result<JsonNode> transition(JsonNode state, JsonNode t) {
        if (state == null) return Result.reject("a transition of a target that is not registered (deleted meanwhile)");
        if (!t.path("id").isTextual() || !t.path("status").isTextual() || !t.path("sinceMs").isIntegralNumber()
                || !t.path("epoch").isIntegralNumber() || !t.path("checker").isTextual()) {
            return Result.reject("a transition is {\"id\",\"status\",\"sinceMs\",\"checker\",\"epoch\",\"error\"}, got " + t);
        }
        JsonNode last = state.get("last");
        if (last != null && compare(t, last) <= 0) return Result.note(state); // a repeat, or a deposed checker's
        // The same status again is no transition: a new checker that resumed from a stale gossiped status (it
        // missed its predecessor's last result) sees the change its predecessor already raised, under its own
        // epoch and time. Taking it would alert twice for one change, under two ids.
        if (last != null && last.path("status").asText().equals(t.path("status").asText())) return Result.note(state);
        ObjectNode next = ((ObjectNode) state).deepCopy();
        next.set("last", t);
        ArrayNode pending = next.has("pending") ? (ArrayNode) next.get("pending") : next.putArray("pending");
        pending.add(t);
        while (pending.size() > PENDING_MAX) {
            pending.remove(0);
            next.put("dropped", next.path("dropped").asLong() + 1);
        }
        return Result.update(next);
    }

    /** Forgets the pending transitions up to and including the one notified. */
    private static Result<JsonNode> notified(JsonNode state, JsonNode data) {
        if (state == null) return Result.reject("a notification of a target that is not registered (deleted meanwhile)");
        String id = data.path("id").asText();
        JsonNode pending = state.path("pending");
        int upTo = -1;
        for (int i = 0; i < pending.size(); i++) if (pending.get(i).path("id").asText().equals(id)) upTo = i;
        if (upTo < 0) return Result.note(state); // notified before (a repeat), or dropped
        ObjectNode next = ((ObjectNode) state).deepCopy();
        ArrayNode kept = next.putArray("pending");
        for (int i = upTo + 1; i < pending.size(); i++) kept.add(pending.get(i));
        return Result.note(next);
    }

    private static int compare(JsonNode a, JsonNode b) {
        int byEpoch = Long.compare(a.path("epoch").asLong(), b.path("epoch").asLong());
        return byEpoch != 0 ? byEpoch : Long.compare(a.path("sinceMs").asLong(), b.path("sinceMs").asLong());
    }
}
