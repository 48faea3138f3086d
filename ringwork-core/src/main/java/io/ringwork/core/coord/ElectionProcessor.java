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
 * Leader elections with fencing tokens as a processor: an election is the record key
 * {@code election/NAME}; its state is {@code {"leader":{"candidate","session","token"}|null,
 * "token":T,"queue":[{"candidate","session"}…],"o":[answers]}}.
 *
 * <p>Records: {@code election.campaign {"candidate","session"}} makes the session the leader if
 * there is none, else puts it last in the queue (once: a session campaigning again keeps its
 * place); {@code election.withdraw {"session"}} takes the session out (its session ended);
 * {@code election.resign {"token"}} ends the leadership of that token. When a leader goes, the
 * first in the queue takes over in the same step: seed 003's "watch your predecessor", so no
 * herd of candidates races for it.
 *
 * <p><b>Tokens:</b> a leader's token is the version of the record that made it leader (its
 * offset plus one). Offsets of one key strictly increase in the log, so tokens of one election
 * strictly increase across re-elections, owner changes and restarts, and every replica computes
 * the same ones. {@code "token"} is the highest issued, which stays when nobody leads.
 *
 * <p>Answers ({@link Outcomes}): {@code leader} (the campaign won, or the session already led),
 * {@code queued}, {@code full} (the queue is at {@link #QUEUE_MAX}), {@code resigned},
 * {@code stale} (a resign with a token that does not lead), {@code withdrawn}, {@code absent}
 * (a withdraw of a session not in it). Stateless and thread-safe.
 */
public final class ElectionProcessor extends JsonProcessor {
    public static final String NAME = "election";
    public static final String KEY_PREFIX = "election/";
    public static final String CAMPAIGN = "election.campaign";
    public static final String WITHDRAW = "election.withdraw";
    public static final String RESIGN = "election.resign";
    /** Candidates waiting in one election. */
    public static final int QUEUE_MAX = 256;
    /** A candidate's name, in UTF-8 bytes. */
    public static final int CANDIDATE_MAX_BYTES = 256;

    public ElectionProcessor() {
        super(NAME, "election/NAME");
    }

    @Override
    public int bookkeepingBytes() {
        return 256 << 10;
    }

    @Override
    protected Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits) {
        if (!record.key().startsWith(KEY_PREFIX)) return Result.reject("election keys are " + KEY_PREFIX + "NAME, got '" + record.key() + "'");
        if (!data.isObject()) return Result.reject("an election record's data is an object, got " + data.getNodeType());
        ObjectNode next = state != null && state.isObject() ? ((ObjectNode) state).deepCopy() : empty();
        return switch (record.type()) {
            case CAMPAIGN -> campaign(next, record, data);
            case WITHDRAW -> {
                if (!data.path("session").isTextual()) yield Result.reject(WITHDRAW + " needs {\"session\"}, got " + data);
                yield withdraw(next, record, data.get("session").asText());
            }
            case RESIGN -> {
                if (!data.path("token").isIntegralNumber()) yield Result.reject(RESIGN + " needs {\"token\"}, got " + data);
                long token = data.get("token").asLong();
                JsonNode leader = next.get("leader");
                if (leader == null || leader.isNull() || leader.path("token").asLong() != token) {
                    yield Result.note(Outcomes.answered(next, record.offset(), "stale", next.path("token").asLong()));
                }
                succeed(next, record);
                yield Result.update(Outcomes.answered(next, record.offset(), "resigned", token));
            }
            default -> Result.reject("unknown election type '" + record.type() + "' (" + CAMPAIGN + ", " + WITHDRAW + ", " + RESIGN + ")");
        };
    }

    private static ObjectNode empty() {
        ObjectNode created = JsonNodeFactory.instance.objectNode();
        created.putNull("leader");
        created.put("token", 0);
        created.putArray("queue");
        return created;
    }

    private static Result<JsonNode> campaign(ObjectNode next, Record record, JsonNode data) {
        JsonNode candidate = data.get("candidate");
        JsonNode session = data.get("session");
        if (candidate == null || !candidate.isTextual() || candidate.asText().isEmpty()
                || candidate.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > CANDIDATE_MAX_BYTES
                || session == null || !session.isTextual() || session.asText().isEmpty()) {
            return Result.reject(CAMPAIGN + " needs {\"candidate\": 1 to " + CANDIDATE_MAX_BYTES + " bytes, \"session\"}, got " + data);
        }
        String id = session.asText();
        JsonNode leader = next.get("leader");
        if (leader != null && !leader.isNull() && leader.path("session").asText().equals(id)) {
            return Result.note(Outcomes.answered(next, record.offset(), "leader", leader.path("token").asLong()));
        }
        ArrayNode queue = next.withArray("queue");
        for (JsonNode waiting : queue) {
            if (waiting.path("session").asText().equals(id)) return Result.note(Outcomes.answered(next, record.offset(), "queued", 0));
        }
        if (leader == null || leader.isNull()) {
            long token = record.offset() + 1;
            next.putObject("leader").put("candidate", candidate.asText()).put("session", id).put("token", token);
            next.put("token", token);
            return Result.update(Outcomes.answered(next, record.offset(), "leader", token));
        }
        if (queue.size() >= QUEUE_MAX) return Result.note(Outcomes.answered(next, record.offset(), "full", 0));
        queue.addObject().put("candidate", candidate.asText()).put("session", id);
        return Result.update(Outcomes.answered(next, record.offset(), "queued", 0));
    }

    private static Result<JsonNode> withdraw(ObjectNode next, Record record, String session) {
        JsonNode leader = next.get("leader");
        if (leader != null && !leader.isNull() && leader.path("session").asText().equals(session)) {
            long token = leader.path("token").asLong();
            succeed(next, record);
            return Result.update(Outcomes.answered(next, record.offset(), "withdrawn", token));
        }
        ArrayNode queue = next.withArray("queue");
        for (int i = 0; i < queue.size(); i++) {
            if (queue.get(i).path("session").asText().equals(session)) {
                queue.remove(i);
                return Result.update(Outcomes.answered(next, record.offset(), "withdrawn", 0));
            }
        }
        return Result.note(Outcomes.answered(next, record.offset(), "absent", 0));
    }

    /** The leader goes; the first in the queue leads under a new token, the version of this record. */
    private static void succeed(ObjectNode next, Record record) {
        ArrayNode queue = next.withArray("queue");
        if (queue.isEmpty()) {
            next.putNull("leader");
            return;
        }
        JsonNode first = queue.remove(0);
        long token = record.offset() + 1;
        next.putObject("leader").put("candidate", first.path("candidate").asText()).put("session", first.path("session").asText())
                .put("token", token);
        next.put("token", token);
    }

    /** The leader of a stored election state, or null when nobody leads (or no state). */
    public static JsonNode leader(JsonNode state) {
        JsonNode leader = state == null ? null : state.get("leader");
        return leader == null || leader.isNull() ? null : leader;
    }
}
