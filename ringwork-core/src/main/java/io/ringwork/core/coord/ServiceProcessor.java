package io.ringwork.core.coord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.processing.JsonProcessor;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Result;
import io.ringwork.core.record.Record;

/**
 * The service registry as a processor: a service is the record key {@code service/NAME}; its state
 * is {@code {"index":I,"instances":{ID:{"address","port","meta","session"?}…},"o":[answers]}}.
 *
 * <p>Records: {@code service.register {"instance","address","port","meta"?,"session"?}} adds or
 * replaces an instance (one registered with a session goes when the session ends);
 * {@code service.deregister {"instance","ifSession"?}} removes it (with {@code ifSession}, only if
 * it is still that session's: the clean-up of an ended session must not remove a registration
 * made since). {@code index} is the version of the last change (its offset plus one), so it only
 * grows and a watcher waits for it to pass the one it saw. Answers ({@link Outcomes}): {@code ok},
 * {@code absent}, {@code full} (at {@link #INSTANCES_MAX}). Stateless and thread-safe.
 */
public final class ServiceProcessor extends JsonProcessor {
    public static final String NAME = "service";
    public static final String KEY_PREFIX = "service/";
    public static final String REGISTER = "service.register";
    public static final String DEREGISTER = "service.deregister";
    /** Instances of one service. */
    public static final int INSTANCES_MAX = 1024;

    public ServiceProcessor() {
        super(NAME, "service/NAME");
    }

    @Override
    public int bookkeepingBytes() {
        return 64 << 10;
    }

    @Override
    protected Result<JsonNode> applyParsed(JsonNode state, Record record, JsonNode data, Limits limits) {
        if (!record.key().startsWith(KEY_PREFIX)) return Result.reject("service keys are " + KEY_PREFIX + "NAME, got '" + record.key() + "'");
        if (!data.isObject() || !data.path("instance").isTextual() || data.get("instance").asText().isEmpty()) {
            return Result.reject("a service record's data is an object with \"instance\", got " + data);
        }
        ObjectNode next = state != null && state.isObject() ? ((ObjectNode) state).deepCopy() : empty();
        String instance = data.get("instance").asText();
        ObjectNode instances = next.withObject("instances");
        switch (record.type()) {
            case REGISTER -> {
                if (!data.path("address").isTextual() || !data.path("port").isIntegralNumber()
                        || (data.has("meta") && !data.get("meta").isObject()) || (data.has("session") && !data.get("session").isTextual())) {
                    return Result.reject(REGISTER + " needs {\"instance\",\"address\":string,\"port\":integer,\"meta\"?:object,"
                            + "\"session\"?:string}, got " + data);
                }
                if (!instances.has(instance) && instances.size() >= INSTANCES_MAX) {
                    return Result.note(Outcomes.answered(next, record.offset(), "full", 0));
                }
                ObjectNode entry = JsonNodeFactory.instance.objectNode().put("address", data.get("address").asText())
                        .put("port", data.get("port").asLong());
                entry.set("meta", data.has("meta") ? data.get("meta") : JsonNodeFactory.instance.objectNode());
                if (data.has("session")) entry.put("session", data.get("session").asText());
                instances.set(instance, entry);
            }
            case DEREGISTER -> {
                JsonNode existing = instances.get(instance);
                JsonNode ifSession = data.get("ifSession");
                if (existing == null || (ifSession != null && !ifSession.asText().equals(existing.path("session").asText(null)))) {
                    return Result.note(Outcomes.answered(next, record.offset(), "absent", 0));
                }
                instances.remove(instance);
            }
            default -> {
                return Result.reject("unknown service type '" + record.type() + "' (" + REGISTER + ", " + DEREGISTER + ")");
            }
        }
        next.put("index", record.offset() + 1);
        return Result.update(Outcomes.answered(next, record.offset(), "ok", 0));
    }

    private static ObjectNode empty() {
        ObjectNode created = JsonNodeFactory.instance.objectNode().put("index", 0);
        created.putObject("instances");
        return created;
    }
}
