package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.kv.KvAnswers;
import io.ringwork.core.kv.KvOutcome;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.core.kv.KvState;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.node.KeyReads;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * {@code PUT}, {@code GET} and {@code DELETE /v1/kv/{key}}: the key-value store over the log (see
 * {@link KvProcessor}).
 *
 * <p>A write is appended to the log by whichever node the client asked, then this node reads the
 * key back from its owner until the owner's state reflects the record, and answers with the
 * record's own outcome kept in the key's state. The outcome is a function of the log, so an owner
 * change while it waits changes who answers, not the answer. Any failure after the append is
 * indefinite (the record is in the log and will take effect); failures before it are definite.
 *
 * <p>A read is linearizable by default: it takes the end of the key's partition in the log when it
 * starts and answers from the owner once the owner's checkpoint reaches it, so it reflects every
 * write acknowledged before it began (each was appended before) and nothing that was not in the
 * log by its end. {@code ?consistency=local} reads this node's replica and says it may be stale.
 * Thread-safe.
 */
final class KvHandlers {
    /** Writes waiting for their answer at once; beyond, a definite 503 (nothing appended). */
    static final int MAX_CONCURRENT = 256;
    /** How long a write waits for its owner to apply it before answering an indefinite 504. */
    static final long WRITE_TIMEOUT_MS = 10_000;
    /** How long a linearizable read waits for the owner to reach the log's end before a 504. */
    static final long READ_TIMEOUT_MS = 5_000;

    private final RingworkNode node;
    private final ReadHandlers reads;
    private final Partitioner partitioner;
    private final Semaphore admission = new Semaphore(MAX_CONCURRENT);
    /** Sessions and elections: {@code ?session=} and the election side of {@code ?fence=}. */
    private final CoordinationHandlers coordination;

    KvHandlers(RingworkNode node, ReadHandlers reads, CoordinationHandlers coordination) {
        this.node = node;
        this.reads = reads;
        this.coordination = coordination;
        this.partitioner = new Partitioner(node.log().partitionCount());
    }

    void handle(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "PUT", "DELETE");
        String key = Exchanges.pathAfter(exchange, "/v1/kv/");
        if (key.isEmpty()) throw ApiError.badRequest("the key is missing: /v1/kv/{key}");
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > KvProcessor.KEY_MAX_BYTES) {
            throw ApiError.badRequest("the key is " + bytes + " bytes of UTF-8, over the limit of " + KvProcessor.KEY_MAX_BYTES);
        }
        switch (exchange.getRequestMethod()) {
            case "PUT" -> write(exchange, key, true);
            case "DELETE" -> write(exchange, key, false);
            default -> read(exchange, key);
        }
    }

    // ---------------------------------------------------------------- writes

    private void write(HttpExchange exchange, String key, boolean put) throws IOException {
        String recordKey = KvProcessor.KEY_PREFIX + key;
        Exchanges.requireWrite(exchange, recordKey);
        // Everything the query says is checked before the body is read, and the body before anything is appended.
        Map<String, String> query = Exchanges.query(exchange);
        ObjectNode data = Exchanges.JSON.createObjectNode();
        String ifVersion = query.get("ifVersion");
        if (ifVersion != null) data.put("ifVersion", version(ifVersion));
        String fence = query.get("fence");
        if (fence != null) data.set("fence", fence(fence));
        String id = query.get("id");
        if (id != null && (id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > EnvelopeParser.MAX_ID_BYTES)) {
            throw ApiError.badRequest("id must be 1 to " + EnvelopeParser.MAX_ID_BYTES + " bytes");
        }
        if (put) data.set("value", value(exchange));
        String session = query.get("session");
        if (session != null && !put) throw ApiError.badRequest("?session= is for PUT: the key belongs to the session of its last put");
        if (session != null) CoordinationHandlers.checkSessionId(session);
        if (!admission.tryAcquire()) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            throw new ApiError(503, "busy", "this node has " + MAX_CONCURRENT + " key-value writes waiting for their owners; "
                    + "nothing was written, retry shortly or ask another node", true);
        }
        try {
            // The election and the session are other keys: checked (and the key put on the session's list) before the append.
            if (data.has("fence")) coordination.checkFence(data.get("fence").get("name").asText(), data.get("fence").get("token").asLong());
            if (session != null) {
                coordination.attach(session, key, false);
                data.put("session", session);
            }
            AppendResult appended = append(new NewRecord(recordKey, put ? KvProcessor.PUT : KvProcessor.DELETE, id,
                    Exchanges.JSON.writeValueAsBytes(data)));
            KvOutcome outcome = awaitOutcome(key, recordKey, appended, id);
            if (session != null && outcome.code() == KvOutcome.Code.OK) coordination.confirmEphemeral(session, key);
            answer(exchange, key, put, outcome);
        } finally {
            admission.release();
        }
    }

    private static long version(String text) {
        try {
            long version = Long.parseLong(text);
            if (version >= 0) return version;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiError.badRequest("ifVersion must be a version, an integer of at least 0 (0: only if the key is absent), got '"
                + text + "'");
    }

    private static ObjectNode fence(String text) {
        int colon = text.lastIndexOf(':');
        String name = colon <= 0 ? "" : text.substring(0, colon);
        long token = -1;
        try {
            if (colon > 0) token = Long.parseLong(text.substring(colon + 1));
        } catch (NumberFormatException ignored) {
            // answered below
        }
        if (name.isEmpty() || token < 0 || name.getBytes(StandardCharsets.UTF_8).length > KvProcessor.FENCE_NAME_MAX_BYTES) {
            throw ApiError.badRequest("fence must be ELECTION:TOKEN (a name of 1 to " + KvProcessor.FENCE_NAME_MAX_BYTES
                    + " bytes and an integer of at least 0), got '" + text + "'");
        }
        return Exchanges.JSON.createObjectNode().put("name", name).put("token", token);
    }

    /** The body of a put: one JSON value of at most {@link KvProcessor#VALUE_MAX_BYTES} as compact JSON. */
    private JsonNode value(HttpExchange exchange) throws IOException {
        byte[] body = Exchanges.body(exchange, node.config().maxRequestBytes());
        if (body.length == 0) throw ApiError.badRequest("PUT /v1/kv/{key} needs the value as a JSON body");
        JsonNode value = EnvelopeParser.readTree(body, "body");
        // The key's state shows the value one level down ({"version","value"}): it must fit the depth limit there.
        int depthMax = io.ringwork.core.processing.Limits.DEFAULT.maxDepth() - 1;
        if (io.ringwork.core.gluer.json.JsonSize.measure(value, Long.MAX_VALUE, depthMax).depth() > depthMax) {
            throw ApiError.badRequest("the value nests deeper than " + depthMax + " levels; nothing was written");
        }
        int size = Exchanges.JSON.writeValueAsBytes(value).length;
        if (size > KvProcessor.VALUE_MAX_BYTES) {
            throw new ApiError(413, "value_too_large", "the value is " + size + " bytes as compact JSON, over the limit of "
                    + KvProcessor.VALUE_MAX_BYTES + "; nothing was written", true);
        }
        return value;
    }

    private AppendResult append(NewRecord record) {
        try {
            AppendResult result = node.log().append(List.of(record)).get(0);
            node.metrics().ingested(result.duplicate() ? 0 : 1, result.duplicate() ? 1 : 0);
            return result;
        } catch (IllegalArgumentException e) {
            throw new ApiError(413, "record_rejected", "nothing was written: " + e.getMessage(), true);
        } catch (LogException e) {
            throw new ApiError(503, "log_unavailable", "the write may or may not be in the log: " + e.getMessage()
                    + "; retry with the same ?id= to apply it once", false);
        }
    }

    /**
     * Reads the key at its owner until the owner's state reflects the appended record, and returns
     * the record's answer (or, for a retried id, the first copy's). Failures to reach the owner are
     * retried until the deadline: the record is in the log, so the only honest failure is late.
     */
    private KvOutcome awaitOutcome(String key, String recordKey, AppendResult appended, String id) {
        OwnerWait backoff = new OwnerWait(node.store(), WRITE_TIMEOUT_MS);
        String lastProblem = "its owner had not applied it";
        while (true) {
            backoff.mark();
            try {
                // Answered once the owner applied the record and a write quorum holds it (its feed
                // checkpoint passed it), so a quorum read sees an acknowledged write.
                KeyReads.Read read = node.reads().fromOwner(recordKey);
                KvAnswers.Write write = KvAnswers.write(read.state(), read.durable(), appended.offset(), id, node.applier());
                switch (write) {
                    case KvAnswers.Write.Answered answered -> {
                        return answered.outcome();
                    }
                    case KvAnswers.Write.Refused refused -> throw new ApiError(409, "refused", "the write of '" + key
                            + "' was refused (partition " + appended.partition() + ", offset " + appended.offset() + "): "
                            + refused.why() + "; see /v1/dead-letters?key=kv/" + key + "; nothing was written", true);
                    case KvAnswers.Write.Unknown ignored -> throw new ApiError(500, "outcome_unknown", "more than "
                            + KvState.OUTCOMES_MAX + " later writes of '" + key + "' were applied before this node read the "
                            + "answer of its write (partition " + appended.partition() + ", offset " + appended.offset()
                            + "): it took effect or was refused, read the key to see which", false);
                    case KvAnswers.Write.Pending ignored -> lastProblem = read.state() != null
                            && read.state().version() >= appended.offset() ? "a write quorum did not hold it yet" : lastProblem;
                }
            } catch (ApiError e) {
                if (e.status() < 500 || e.code().equals("outcome_unknown")) throw e;
                lastProblem = e.getMessage();
            }
            if (backoff.expired()) {
                throw new ApiError(504, "timeout", "the write of '" + key + "' is in the log (partition " + appended.partition()
                        + ", offset " + appended.offset() + ") but no answer came within " + WRITE_TIMEOUT_MS + " ms (" + lastProblem
                        + "); it will take effect when the partition's owner applies it: read the key, or retry with the same ?id=", false);
            }
            backoff.pause();
        }
    }

    private static void answer(HttpExchange exchange, String key, boolean put, KvOutcome outcome) throws IOException {
        switch (outcome.code()) {
            case OK -> {
                ObjectNode body = Exchanges.JSON.createObjectNode().put("key", key).put("version", outcome.version());
                if (!put) body.put("deleted", true);
                Exchanges.json(exchange, 200, body);
            }
            case CONFLICT -> throw new ApiError(409, "conflict", "the version of '" + key + "' is " + outcome.version()
                    + (outcome.version() == 0 ? " (absent)" : "") + ", not the one given in ifVersion; nothing was written", true)
                    .with("version", outcome.version());
            case STALE_TOKEN -> throw new ApiError(409, "stale_token", "'" + key + "' was written under a higher token ("
                    + outcome.version() + ") of that election; nothing was written", true).with("token", outcome.version());
            case NOT_FOUND -> throw new ApiError(404, "not_found", "'" + key + "' is absent; nothing was deleted", true)
                    .with("version", 0);
        }
    }

    // ---------------------------------------------------------------- listing

    /**
     * {@code GET /v1/kv?prefix=P&limit=L&after=K}: the live keys with the prefix, in order (of their
     * UTF-8 bytes), at most L (default 100, at most 1,000), with their versions, and {@code next}
     * (the key to pass as {@code after} for the next page) when more may follow. Each partition
     * is listed at its owner as it is when asked: a listing is not a snapshot of the whole store.
     * A token sees only the keys its scopes may read.
     */
    void list(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        Map<String, String> query = Exchanges.query(exchange);
        String prefix = query.getOrDefault("prefix", "");
        String after = query.get("after");
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "100"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > io.ringwork.runtime.peer.RelayedList.LIMIT_MAX) {
            throw ApiError.badRequest("limit must be an integer from 1 to " + io.ringwork.runtime.peer.RelayedList.LIMIT_MAX
                    + ", got '" + query.get("limit") + "'");
        }
        if (prefix.getBytes(StandardCharsets.UTF_8).length > KvProcessor.KEY_MAX_BYTES
                || (after != null && after.getBytes(StandardCharsets.UTF_8).length > KvProcessor.KEY_MAX_BYTES)) {
            throw ApiError.badRequest("prefix and after are keys: at most " + KvProcessor.KEY_MAX_BYTES + " bytes of UTF-8");
        }
        var readable = Exchanges.principal(exchange).readableKeys();
        KeyReads.Listing listing = node.reads().list(KvProcessor.KEY_PREFIX + prefix,
                after == null ? null : KvProcessor.KEY_PREFIX + after, limit);
        List<io.ringwork.runtime.peer.RelayedList.Entry> entries = new java.util.ArrayList<>(listing.entries());
        entries.sort((a, b) -> KeyReads.compareUtf8(a.key(), b.key()));
        ObjectNode body = Exchanges.JSON.createObjectNode();
        var keys = body.putArray("keys");
        int listed = 0;
        String last = null;
        for (var entry : entries) {
            if (listed == limit) break;
            last = entry.key().substring(KvProcessor.KEY_PREFIX.length());
            listed++;
            if (!readable.test(entry.key())) continue;
            keys.addObject().put("key", last).put("version", entry.version());
        }
        boolean more = listing.more() || entries.size() > limit;
        if (more && last != null) body.put("next", last);
        else body.putNull("next");
        Exchanges.json(exchange, 200, body);
    }

    // ---------------------------------------------------------------- reads

    private void read(HttpExchange exchange, String key) throws IOException {
        String recordKey = KvProcessor.KEY_PREFIX + key;
        Exchanges.requireRead(exchange, recordKey);
        String consistency = Exchanges.query(exchange).getOrDefault("consistency", "linearizable");
        StoredState stored;
        String readAt;
        switch (consistency) {
            case "local" -> {
                reads.requireReplica(recordKey);
                stored = node.reads().local(recordKey);
                readAt = node.config().nodeId();
            }
            case "linearizable" -> {
                KeyReads.Read read = linearizable(key, recordKey);
                stored = read.state();
                readAt = read.readAt();
            }
            case "quorum" -> {
                KeyReads.Read read = quorum(key, recordKey);
                stored = read.state();
                readAt = read.readAt();
            }
            default -> throw ApiError.badRequest("consistency must be linearizable (the default), quorum or local, got '"
                    + consistency + "'");
        }
        if (stored == null || !KvProcessor.NAME.equals(stored.processor())) {
            throw ApiError.notFound("'" + key + "' is absent" + (consistency.equals("local") ? " in this node's replica" : ""));
        }
        KvState state = KvAnswers.state(stored, node.applier());
        if (!state.present()) {
            throw ApiError.notFound("'" + key + "' is absent: deleted at version " + state.version()).with("version", 0);
        }
        ObjectNode body = Exchanges.JSON.createObjectNode().put("key", key).put("version", state.version());
        body.set("value", state.value());
        body.put("consistency", consistency).put("readAt", readAt);
        if (consistency.equals("local")) body.put("mayBeStale", true);
        Exchanges.json(exchange, 200, body);
    }

    /**
     * The newest copy among a majority of the key's replicas (R = N / 2 + 1, asked at once, each
     * answering from its own store). A write is acknowledged once a write quorum (a majority)
     * holds it, so R + W > N: the answer is at least as new as every write acknowledged before
     * the read began, while the replica set does not change under it.
     */
    private KeyReads.Read quorum(String key, String recordKey) {
        OwnerWait backoff = new OwnerWait(node.store(), READ_TIMEOUT_MS);
        while (true) {
            backoff.mark();
            try {
                return quorumOnce(key, recordKey);
            } catch (ApiError e) {
                // Too few answers (a replica busy with other relays, unreachable or moving): ask again until the deadline.
                if (!e.code().equals("no_quorum") || backoff.expired()) throw e;
            }
            backoff.pause();
        }
    }

    private KeyReads.Read quorumOnce(String key, String recordKey) {
        int partition = partitioner.partitionOf(recordKey);
        var plan = node.cluster().plan();
        List<String> replicas = plan == null ? List.of(node.config().nodeId()) : plan.replicas(partition);
        int needed = replicas.size() / 2 + 1;
        List<java.util.concurrent.Future<KeyReads.Read>> asked = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (String replica : replicas) asked.add(pool.submit(() -> node.reads().fromReplica(replica, recordKey)));
        }
        KeyReads.Read newest = null;
        long newestVersion = Long.MIN_VALUE; // below every answer, an absent key's -1 included
        List<String> answered = new java.util.ArrayList<>();
        for (var future : asked) {
            KeyReads.Read read;
            try {
                read = future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiError(503, "interrupted", "the node is stopping", true);
            } catch (java.util.concurrent.ExecutionException e) {
                read = null;
            }
            if (read == null) continue;
            answered.add(read.readAt());
            long version = kvVersion(read.state());
            if (version > newestVersion) {
                newestVersion = version;
                newest = read;
            }
        }
        if (answered.size() < needed) {
            throw new ApiError(503, "no_quorum", "only " + answered.size() + " of the " + replicas.size() + " replicas of '" + key
                    + "' answered " + answered + ", " + needed + " are needed; retry, or read linearizably", true);
        }
        return new KeyReads.Read(newest.state(), String.join(",", answered), newest.checkpoint(), newest.durable());
    }

    /** The key-value version a stored entry holds, its deletion's included; -1 for none. */
    private long kvVersion(StoredState stored) {
        if (stored == null || !KvProcessor.NAME.equals(stored.processor())) return -1;
        return KvAnswers.state(stored, node.applier()).version();
    }

    /**
     * The key at its owner once the owner's checkpoint reaches the end the log had when the read
     * began: every record appended before then, so every write acknowledged before then, is in it.
     */
    private KeyReads.Read linearizable(String key, String recordKey) {
        int partition = partitioner.partitionOf(recordKey);
        long end;
        try {
            end = node.log().currentEndOffset(partition);
        } catch (LogException e) {
            throw new ApiError(503, "log_unavailable", "the log's end of partition " + partition + " is unknown: " + e.getMessage(), true);
        }
        OwnerWait backoff = new OwnerWait(node.store(), READ_TIMEOUT_MS);
        String lastProblem = "its checkpoint was behind";
        while (true) {
            backoff.mark();
            try {
                KeyReads.Read read = node.reads().fromOwner(recordKey);
                if (KvAnswers.readable(read.checkpoint(), end)) return read;
                if (read.checkpoint() < 0 && end > 0) lastProblem = "the owner " + read.readAt() + " does not say its checkpoint";
            } catch (ApiError e) {
                if (e.status() < 500) throw e;
                lastProblem = e.getMessage();
            }
            if (backoff.expired()) {
                throw new ApiError(504, "timeout", "the owner of '" + key + "' did not reach the log's end (offset " + (end - 1)
                        + " of partition " + partition + ") within " + READ_TIMEOUT_MS + " ms (" + lastProblem
                        + "); a read changes nothing, so retrying is safe, or read ?consistency=local", false);
            }
            backoff.pause();
        }
    }
}
