package io.ringwork.core.kv;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.Payloads;
import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.Record;

/**
 * The key-value store as a processor: a key {@code K} of the store is the record key
 * {@code kv/K}, so its writes go through the log and its partition's fenced owner like any
 * record, and replication, catch-up, snapshots and the change feed carry it unchanged.
 *
 * <p>Records: {@code kv.put} with {@code {"value":…}} and {@code kv.delete} with {@code {}}; both
 * may carry {@code "ifVersion":N} (compare-and-set: only if the current version is N, 0 meaning
 * absent) and {@code "fence":{"name":E,"token":T}} (refused if the key saw a higher token of
 * election E). A put may carry {@code "session":S}: the key then belongs to session S (an
 * ephemeral key) until a later put without it; a delete may carry {@code "ifSession":S}: it takes
 * effect only if the key still belongs to S (the delete a session's end appends, which must not
 * remove a value someone wrote since). The decision is a function of the key's state and the record alone, so every
 * replica and every replay after an owner change reaches the same one: that is what makes the
 * compare-and-set linearizable in log order. An effective write is an update (a change on the
 * feed); a refused one only keeps its answer ({@link Result.Note}); a record that is not a valid
 * kv record is rejected (a dead letter), which the API never sends. Stateless and thread-safe.
 */
public final class KvProcessor implements Processor<KvState> {
    public static final String NAME = "kv";
    public static final String PUT = "kv.put";
    public static final String DELETE = "kv.delete";
    /** Record keys of the store start with this; the rest is the store's key. */
    public static final String KEY_PREFIX = "kv/";

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The largest value a write may carry, as compact JSON: 1 MiB less 8 KiB, so that the value
     * and its record's envelope fit the log's 1 MiB record.
     */
    public static final int VALUE_MAX_BYTES = (1 << 20) - (8 << 10);
    /** An election name in a fence, in UTF-8 bytes. */
    public static final int FENCE_NAME_MAX_BYTES = 256;
    /** A key of the store, in UTF-8 bytes: the record key's limit less the {@link #KEY_PREFIX}. */
    public static final int KEY_MAX_BYTES = Limits.DEFAULT.maxKeyBytes() - KEY_PREFIX.length();

    /** Room for the answers and fences kept beside the value: 64 of each at their longest ids and names fit. */
    @Override
    public int bookkeepingBytes() {
        return 64 << 10;
    }

    @Override
    public StateCodec<KvState> codec() {
        return KvCodec.INSTANCE;
    }

    @Override
    public Result<KvState> apply(KvState state, Record record) {
        return apply(state, record, Limits.DEFAULT);
    }

    @Override
    public Result<KvState> apply(KvState state, Record record, Limits limits) {
        if (!record.key().startsWith(KEY_PREFIX) || record.key().length() == KEY_PREFIX.length()) {
            return Result.reject("kv keys are " + KEY_PREFIX + "KEY, got '" + record.key() + "'");
        }
        boolean put = record.type().equals(PUT);
        if (!put && !record.type().equals(DELETE)) {
            return Result.reject("unknown kv type '" + record.type() + "' (" + PUT + ", " + DELETE + ")");
        }
        JsonNode data;
        try {
            data = Payloads.parse(record.data(), limits.maxDepth());
        } catch (Payloads.MalformedPayload e) {
            return Result.reject(e.getMessage());
        }
        if (!data.isObject()) return Result.reject("a kv record's data is an object, got " + data.getNodeType());
        if (put && !data.has("value")) return Result.reject(PUT + " needs \"value\"");
        JsonNode ifVersion = data.get("ifVersion");
        if (ifVersion != null && !(ifVersion.canConvertToLong() && ifVersion.isIntegralNumber() && ifVersion.asLong() >= 0)) {
            return Result.reject("ifVersion is a version (an integer of at least 0), got " + ifVersion);
        }
        JsonNode fence = data.get("fence");
        if (fence != null && !(fence.path("name").isTextual() && fence.path("token").isIntegralNumber()
                && fence.get("name").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= FENCE_NAME_MAX_BYTES)) {
            return Result.reject("fence is {\"name\":election of at most " + FENCE_NAME_MAX_BYTES
                    + " bytes,\"token\":integer}, got " + fence);
        }
        for (String field : new String[] {"session", "ifSession"}) {
            JsonNode session = data.get(field);
            if (session != null && !(session.isTextual() && !session.asText().isEmpty())) {
                return Result.reject(field + " is a session id (a non-empty string), got " + session);
            }
        }
        return decide(state == null ? KvState.NEVER_WRITTEN : state, record, put, data, ifVersion, fence);
    }

    /** The steps, in order: (1) the fence, (2) the compare-and-set, (3) the write. */
    private static Result<KvState> decide(KvState state, Record record, boolean put, JsonNode data, JsonNode ifVersion,
                                          JsonNode fence) {
        if (fence != null) {
            String election = fence.get("name").asText();
            long token = fence.get("token").asLong();
            long seen = state.token(election);
            if (token < seen) return refused(state, record, KvOutcome.Code.STALE_TOKEN, seen);
            state = state.fencedBy(election, token);
        }
        if (ifVersion != null && ifVersion.asLong() != state.currentVersion()) {
            return refused(state, record, KvOutcome.Code.CONFLICT, state.currentVersion());
        }
        if (!put && !state.present()) return refused(state, record, KvOutcome.Code.NOT_FOUND, 0);
        JsonNode ifSession = data.get("ifSession");
        if (!put && ifSession != null && !ifSession.asText().equals(state.session())) {
            // The key was written since without that session: it is someone else's now.
            return refused(state, record, KvOutcome.Code.NOT_FOUND, state.currentVersion());
        }
        long version = record.offset() + 1;
        JsonNode session = data.get("session");
        KvState written = state.written(version, put ? data.get("value") : null, session == null ? null : session.asText());
        return Result.update(written.answered(new KvOutcome(record.offset(), record.id(), KvOutcome.Code.OK, version)));
    }

    private static Result<KvState> refused(KvState state, Record record, KvOutcome.Code code, long version) {
        return Result.note(state.answered(new KvOutcome(record.offset(), record.id(), code, version)));
    }
}
