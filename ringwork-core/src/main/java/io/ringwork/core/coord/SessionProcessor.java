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
 * Sessions (ZooKeeper's, seed 003) as a processor: a session is the record key
 * {@code session/ID}, in the partition of that key, replicated like any state. Its state is
 * {@code {"ttlMs","open","keys":[…],"elections":[…],"reason","o":[answers]}}.
 *
 * <p>Records: {@code session.open {"ttlMs"}} creates it; {@code session.keepalive {}} changes
 * nothing but the state's version, which the owner's keeper watches (time is not in here: the
 * runtime's keeper decides when a session expired); {@code session.attach {"key"|"election"|"service"}}
 * lists an ephemeral key, an election the session takes part in or a service instance
 * ({@code S/INSTANCE}) it registered, refused once it is closed;
 * {@code session.close {"reason"}} closes it for good (its lists stay, for the clean-up); with
 * {@code "ifLast":OFFSET} (a keeper's expiry) only if the last record applied to the session is
 * still the one at OFFSET, else it is answered {@code alive} and changes nothing else;
 * {@code session.delete} removes the state once the clean-up is done. Answers are kept in the
 * state ({@link Outcomes}): {@code ok}, {@code closed} (the session ended), {@code full} (a list
 * is at its bound), {@code exists}. A record for a session that does not exist is rejected (a
 * dead letter): the API checks first, so only a race with the clean-up gets there.
 * Stateless and thread-safe.
 */
public final class SessionProcessor extends JsonProcessor {
    public static final String NAME = "session";
    public static final String KEY_PREFIX = "session/";
    public static final String OPEN = "session.open";
    public static final String KEEPALIVE = "session.keepalive";
    public static final String ATTACH = "session.attach";
    public static final String CLOSE = "session.close";
    public static final String DELETE = "session.delete";
    /** Ephemeral keys one session may hold; an attach beyond is answered {@code full}. */
    public static final int KEYS_MAX = 1024;
    /** Elections one session may take part in. */
    public static final int ELECTIONS_MAX = 64;
    /** The shortest and longest time to live a session may ask for. */
    public static final long TTL_MS_MIN = 100;
    public static final long TTL_MS_MAX = 3_600_000;

    public SessionProcessor() {
        super(NAME, "session/ID");
    }

    /** Room for the lists and answers beside the (small) document: 1,024 keys of 1 KiB. */
    @Override
    public int bookkeepingBytes() {
        return 1 << 20;
    }

    @Override
    protected Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits) {
        if (!record.key().startsWith(KEY_PREFIX)) return Result.reject("session keys are " + KEY_PREFIX + "ID, got '" + record.key() + "'");
        if (!data.isObject()) return Result.reject("a session record's data is an object, got " + data.getNodeType());
        if (record.type().equals(OPEN)) return open(state, record, data);
        if (state == null || !state.isObject()) return Result.reject("no session " + record.key() + " (never opened, or ended and removed)");
        ObjectNode next = ((ObjectNode) state).deepCopy();
        boolean open = next.path("open").asBoolean();
        return switch (record.type()) {
            case KEEPALIVE -> Result.note(Outcomes.answered(next, record.offset(), open ? "ok" : "closed", 0));
            case ATTACH -> attach(next, record, data, open);
            case CLOSE -> {
                if (!open) yield Result.note(Outcomes.answered(next, record.offset(), "closed", 0));
                // An expiry is decided on what the keeper saw: a record of the session applied since
                // (a keepalive appended meanwhile) means the session was alive after all.
                JsonNode ifLast = data.get("ifLast");
                if (ifLast != null && ifLast.asLong() != Outcomes.newest(state)) {
                    yield Result.note(Outcomes.answered(next, record.offset(), "alive", 0));
                }
                next.put("open", false).put("reason", data.path("reason").asText("closed"));
                yield Result.update(Outcomes.answered(next, record.offset(), "ok", 0));
            }
            default -> Result.reject("unknown session type '" + record.type() + "' (" + OPEN + ", " + KEEPALIVE + ", " + ATTACH
                    + ", " + CLOSE + ", " + DELETE + ")");
        };
    }

    private static Result<JsonNode> open(JsonNode state, Record record, JsonNode data) {
        if (state != null) return Result.note(Outcomes.answered(((ObjectNode) state).deepCopy(), record.offset(), "exists", 0));
        JsonNode ttl = data.get("ttlMs");
        if (ttl == null || !ttl.isIntegralNumber() || ttl.asLong() < TTL_MS_MIN || ttl.asLong() > TTL_MS_MAX) {
            return Result.reject("ttlMs is an integer from " + TTL_MS_MIN + " to " + TTL_MS_MAX + ", got " + ttl);
        }
        ObjectNode created = JsonNodeFactory.instance.objectNode().put("ttlMs", ttl.asLong()).put("open", true);
        created.putArray("keys");
        created.putArray("elections");
        return Result.update(Outcomes.answered(created, record.offset(), "ok", 0));
    }

    private static Result<JsonNode> attach(ObjectNode next, Record record, JsonNode data, boolean open) {
        String field = data.has("key") ? "key" : data.has("election") ? "election" : data.has("service") ? "service" : null;
        String list = field == null ? null : field + "s";
        JsonNode name = field == null ? null : data.get(field);
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            return Result.reject(ATTACH + " needs {\"key\":K}, {\"election\":E} or {\"service\":\"S/INSTANCE\"}, got " + data);
        }
        if (!open) return Result.note(Outcomes.answered(next, record.offset(), "closed", 0));
        ArrayNode names = next.withArray(list);
        for (JsonNode each : names) {
            if (each.asText().equals(name.asText())) return Result.note(Outcomes.answered(next, record.offset(), "ok", 0));
        }
        if (names.size() >= (list.equals("keys") ? KEYS_MAX : ELECTIONS_MAX)) { // services share the elections' bound
            return Result.note(Outcomes.answered(next, record.offset(), "full", 0));
        }
        names.add(name.asText());
        return Result.note(Outcomes.answered(next, record.offset(), "ok", 0));
    }

    /** Whether a stored session state is open. */
    public static boolean isOpen(JsonNode state) {
        return state != null && state.path("open").asBoolean();
    }
}
