package io.ringwork.core.kv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores a {@link KvState} as compact JSON: {@code {"v":version,"value":…,"s":session,"f":[[name,token]…],
 * "o":[[offset,code,version,id]…]}} (value absent when deleted, id null when none). Shows it at
 * the API and on the change feed as {@code {"version":v,"value":…}} (with {@code "session"} for an ephemeral key) or
 * {@code {"version":v,"deleted":true}}: the bookkeeping stays inside. Thread-safe.
 */
public final class KvCodec implements StateCodec<KvState> {
    public static final KvCodec INSTANCE = new KvCodec();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private KvCodec() {}

    @Override
    public byte[] encode(KvState state) {
        ObjectNode stored = NODES.objectNode().put("v", state.version());
        if (state.present()) stored.set("value", state.value());
        if (state.session() != null) stored.put("s", state.session());
        ArrayNode fences = stored.putArray("f");
        for (KvState.Fence fence : state.fences()) fences.addArray().add(fence.name()).add(fence.token());
        ArrayNode outcomes = stored.putArray("o");
        for (KvOutcome outcome : state.outcomes()) {
            ArrayNode entry = outcomes.addArray().add(outcome.offset()).add(outcome.code().name()).add(outcome.version());
            if (outcome.id() == null) entry.addNull();
            else entry.add(outcome.id());
        }
        return JsonStateCodec.INSTANCE.encode(stored);
    }

    @Override
    public KvState decode(byte[] bytes) {
        JsonNode stored = JsonStateCodec.INSTANCE.decode(bytes);
        Invariants.check(stored.isObject() && stored.path("v").canConvertToLong(), "stored kv state is not a kv state");
        List<KvState.Fence> fences = new ArrayList<>();
        for (JsonNode fence : stored.path("f")) fences.add(new KvState.Fence(fence.get(0).asText(), fence.get(1).asLong()));
        List<KvOutcome> outcomes = new ArrayList<>();
        for (JsonNode o : stored.path("o")) {
            outcomes.add(new KvOutcome(o.get(0).asLong(), o.get(3).isNull() ? null : o.get(3).asText(),
                    KvOutcome.Code.valueOf(o.get(1).asText()), o.get(2).asLong()));
        }
        JsonNode value = stored.get("value");
        JsonNode session = stored.get("s");
        return new KvState(stored.get("v").asLong(), value, fences, outcomes, session == null ? null : session.asText());
    }

    @Override
    public JsonNode toJson(KvState state) {
        ObjectNode view = NODES.objectNode().put("version", state.version());
        if (state.present()) view.set("value", state.value());
        else view.put("deleted", true);
        if (state.session() != null) view.put("session", state.session());
        return view;
    }
}
