package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.coord.ElectionProcessor;
import io.ringwork.core.coord.SessionProcessor;
import io.ringwork.runtime.node.KeyReads;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/**
 * Sessions ({@code /v1/sessions}) and leader elections ({@code /v1/elections}): the
 * coordination state over the log ({@link SessionProcessor}, {@link ElectionProcessor}), written
 * and read through {@link CoordLog} as the key-value store is. Cross-key steps (a campaign needs
 * an open session) go in order: attach to the session first, then the election's record, then
 * check the session is still open, withdrawing if it ended meanwhile, so a session's clean-up
 * ({@link SessionKeeper}) always knows what to undo. Thread-safe.
 */
final class CoordinationHandlers {
    /** {@code /observe} streams open at once on this node; beyond, a 503. */
    static final int OBSERVERS_MAX = 64;
    /** How often an observer reads its election at the owner. */
    static final long OBSERVE_POLL_MS = 50;
    private static final long OBSERVE_COMMENT_MS = 15_000;
    /** A name of an election, in UTF-8 bytes. */
    static final int NAME_MAX_BYTES = 256;

    private final RingworkNode node;
    private final CoordLog log;
    private final BooleanSupplier closed;
    private final SecureRandom random = new SecureRandom();
    private final Semaphore observers = new Semaphore(OBSERVERS_MAX);

    CoordinationHandlers(RingworkNode node, CoordLog log, BooleanSupplier closed) {
        this.node = node;
        this.log = log;
        this.closed = closed;
    }

    // ---------------------------------------------------------------- sessions

    /** {@code POST /v1/sessions {"ttlMs"}} → {@code {"session","ttlMs"}}. */
    void openSession(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "POST");
        requireSessions(exchange);
        JsonNode body = EnvelopeParser.readTree(Exchanges.body(exchange, 4096), "body");
        JsonNode ttl = body.get("ttlMs");
        if (ttl == null || !ttl.isIntegralNumber() || ttl.asLong() < SessionProcessor.TTL_MS_MIN || ttl.asLong() > SessionProcessor.TTL_MS_MAX) {
            throw ApiError.badRequest("the body is {\"ttlMs\": an integer from " + SessionProcessor.TTL_MS_MIN + " to "
                    + SessionProcessor.TTL_MS_MAX + "}, got " + body);
        }
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String id = HexFormat.of().formatHex(bytes);
        CoordLog.Answer answer = log.write(SessionProcessor.KEY_PREFIX + id, SessionProcessor.OPEN,
                Exchanges.JSON.createObjectNode().put("ttlMs", ttl.asLong()));
        if (!answer.outcome().code().equals("ok")) {
            throw new ApiError(500, "internal", "a new session id was taken: " + answer.outcome().code(), true);
        }
        Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("session", id).put("ttlMs", ttl.asLong()));
    }

    /** {@code GET /v1/sessions/{id}}, {@code PUT …/keepalive}, {@code DELETE /v1/sessions/{id}}. */
    void session(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "PUT", "DELETE");
        requireSessions(exchange);
        String rest = Exchanges.pathAfter(exchange, "/v1/sessions/");
        boolean keepalive = rest.endsWith("/keepalive");
        String id = keepalive ? rest.substring(0, rest.length() - "/keepalive".length()) : rest;
        checkSessionId(id);
        String key = SessionProcessor.KEY_PREFIX + id;
        String method = exchange.getRequestMethod().equals("HEAD") ? "GET" : exchange.getRequestMethod();
        if (method.equals("PUT") != keepalive) {
            throw new ApiError(405, "method_not_allowed", "use PUT /v1/sessions/{id}/keepalive, GET or DELETE /v1/sessions/{id}", true);
        }
        switch (method) {
            case "PUT" -> {
                requireOpen(id, log.fromOwner(key));
                CoordLog.Answer answer = log.write(key, SessionProcessor.KEEPALIVE, Exchanges.JSON.createObjectNode());
                if (!answer.outcome().code().equals("ok")) throw expired(id);
                Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("session", id)
                        .put("ttlMs", answer.state().path("ttlMs").asLong()));
            }
            case "DELETE" -> {
                if (log.fromOwner(key) == null) throw unknownSession(id);
                CoordLog.Answer answer = log.write(key, SessionProcessor.CLOSE, Exchanges.JSON.createObjectNode().put("reason", "deleted"));
                // Undo what it held now rather than at the keeper's next scan; the keeper does it again.
                SessionKeeper.cleanUp(log, key, answer.state());
                Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("session", id).put("closed", true)
                        .put("wasOpen", answer.outcome().code().equals("ok")));
            }
            default -> {
                JsonNode state = log.linearizable(key);
                if (state == null) throw unknownSession(id);
                ObjectNode body = Exchanges.JSON.createObjectNode().put("session", id).put("ttlMs", state.path("ttlMs").asLong())
                        .put("open", SessionProcessor.isOpen(state));
                body.set("keys", state.path("keys"));
                body.set("elections", state.path("elections"));
                body.set("services", state.path("services").isMissingNode() ? Exchanges.JSON.createArrayNode() : state.path("services"));
                Exchanges.json(exchange, 200, body);
            }
        }
    }

    /**
     * Puts {@code name} (an ephemeral key, or an election with {@code election}) on the session's
     * list before the write that depends on it: a 404 when the session is unknown or ended, and
     * nothing written.
     */
    void attach(String id, String name, boolean election) {
        attach(id, election ? "election" : "key", name);
    }

    /** {@link #attach} of a service instance, {@code SERVICE/INSTANCE}. */
    void attachService(String id, String serviceInstance) {
        attach(id, "service", serviceInstance);
    }

    private void attach(String id, String field, String name) {
        boolean election = !field.equals("key");
        checkSessionId(id);
        String key = SessionProcessor.KEY_PREFIX + id;
        requireOpen(id, log.fromOwner(key));
        CoordLog.Answer answer;
        try {
            answer = log.write(key, SessionProcessor.ATTACH, Exchanges.JSON.createObjectNode().put(field, name));
        } catch (ApiError e) {
            if (e.code().equals("refused")) throw unknownSession(id); // the session was deleted meanwhile
            throw e;
        }
        switch (answer.outcome().code()) {
            case "ok" -> { }
            case "full" -> throw new ApiError(409, "session_full", "session " + id + " holds " + (election
                    ? SessionProcessor.ELECTIONS_MAX + " " + field + "s" : SessionProcessor.KEYS_MAX + " ephemeral keys")
                    + " already; nothing was written", true);
            default -> throw expired(id);
        }
    }

    /**
     * After an ephemeral put took effect: if the session ended meanwhile, its clean-up may have
     * passed the key before the put landed, so this deletes it (guarded) and answers 404.
     */
    void confirmEphemeral(String id, String kvKey) {
        if (isOpen(id)) return;
        log.append(io.ringwork.core.kv.KvProcessor.KEY_PREFIX + kvKey, io.ringwork.core.kv.KvProcessor.DELETE,
                Exchanges.JSON.createObjectNode().put("ifSession", id));
        throw new ApiError(404, "session_expired", "session '" + id + "' ended while '" + kvKey + "' was written; the key is "
                + "being deleted again", false);
    }

    /** Whether the session is open now (read at its owner). */
    boolean isOpen(String id) {
        return SessionProcessor.isOpen(log.fromOwner(SessionProcessor.KEY_PREFIX + id));
    }

    private static void requireOpen(String id, JsonNode state) {
        if (state == null) throw unknownSession(id);
        if (!SessionProcessor.isOpen(state)) throw expired(id);
    }

    static ApiError unknownSession(String id) {
        return new ApiError(404, "unknown_session", "no session '" + id + "': never opened, or it ended and was removed; "
                + "open one with POST /v1/sessions; nothing changed", true);
    }

    static ApiError expired(String id) {
        return new ApiError(404, "session_expired", "session '" + id + "' has ended (expired or deleted); open a new one; "
                + "nothing changed", true);
    }

    static void checkSessionId(String id) {
        if (id.isEmpty() || id.length() > 64 || !id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw ApiError.badRequest("a session id is the hex string POST /v1/sessions gave, got '" + id + "'");
        }
    }

    private static void requireSessions(HttpExchange exchange) {
        if (!Exchanges.principal(exchange).writes(SessionProcessor.KEY_PREFIX)) {
            throw new ApiError(403, "forbidden", "token '" + Exchanges.principal(exchange).name()
                    + "' may not use sessions: it needs a kv: or coord: scope (or admin)", true);
        }
    }

    // ---------------------------------------------------------------- elections

    /** Everything under {@code /v1/elections/}: {@code {name}}, {@code {name}/campaign}, {@code {name}/leader}, {@code {name}/observe}. */
    void election(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "POST", "DELETE");
        String rest = Exchanges.pathAfter(exchange, "/v1/elections/");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        String method = head ? "GET" : exchange.getRequestMethod(); // HEAD is a GET without the body
        String action = "";
        for (String suffix : new String[] {"/campaign", "/leader", "/observe"}) {
            if (rest.endsWith(suffix)) {
                action = suffix.substring(1);
                rest = rest.substring(0, rest.length() - suffix.length());
                break;
            }
        }
        String name = checkName(rest);
        String key = ElectionProcessor.KEY_PREFIX + name;
        switch (method + " " + action) {
            case "POST campaign" -> campaign(exchange, name, key);
            case "DELETE leader" -> resign(exchange, name, key);
            case "GET observe" -> {
                if (!head) {
                    observe(exchange, name, key);
                    return;
                }
                Exchanges.requireRead(exchange, key);
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            }
            case "GET " -> {
                Exchanges.requireRead(exchange, key);
                JsonNode state = log.linearizable(key);
                if (!exists(state)) throw unknownElection(name);
                Exchanges.json(exchange, 200, view(name, state));
            }
            default -> throw new ApiError(405, "method_not_allowed", method + " is not allowed here: use POST /v1/elections/{name}/campaign, "
                    + "DELETE /v1/elections/{name}/leader?token=T, GET /v1/elections/{name} or GET /v1/elections/{name}/observe", true);
        }
    }

    private void campaign(HttpExchange exchange, String name, String key) throws IOException {
        Exchanges.requireWrite(exchange, key);
        JsonNode body = EnvelopeParser.readTree(Exchanges.body(exchange, 4096), "body");
        JsonNode candidate = body.get("candidate");
        JsonNode session = body.get("session");
        if (candidate == null || !candidate.isTextual() || candidate.asText().isEmpty()
                || candidate.asText().getBytes(StandardCharsets.UTF_8).length > ElectionProcessor.CANDIDATE_MAX_BYTES
                || session == null || !session.isTextual()) {
            throw ApiError.badRequest("the body is {\"candidate\": a name of 1 to " + ElectionProcessor.CANDIDATE_MAX_BYTES
                    + " bytes, \"session\": a session id}, got " + body);
        }
        String id = session.asText();
        attach(id, name, true);
        CoordLog.Answer answer = log.write(key, ElectionProcessor.CAMPAIGN,
                Exchanges.JSON.createObjectNode().put("candidate", candidate.asText()).put("session", id));
        if (answer.outcome().code().equals("full")) {
            throw new ApiError(409, "election_full", ElectionProcessor.QUEUE_MAX + " candidates wait in '" + name
                    + "' already; nothing changed", true);
        }
        if (!isOpen(id)) {
            // The session ended between the attach and the campaign: its clean-up may have missed this candidacy.
            log.append(key, ElectionProcessor.WITHDRAW, Exchanges.JSON.createObjectNode().put("session", id));
            throw expired(id);
        }
        ObjectNode view = view(name, answer.state());
        JsonNode leader = ElectionProcessor.leader(answer.state());
        view.put("elected", leader != null && leader.path("session").asText().equals(id));
        Exchanges.json(exchange, 200, view);
    }

    private void resign(HttpExchange exchange, String name, String key) throws IOException {
        Exchanges.requireWrite(exchange, key);
        String text = Exchanges.query(exchange).get("token");
        long token;
        try {
            token = Long.parseLong(text == null ? "" : text);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("DELETE /v1/elections/{name}/leader needs ?token=T, the leader's token (an integer), got '" + text + "'");
        }
        if (!exists(log.fromOwner(key))) throw unknownElection(name);
        CoordLog.Answer answer = log.write(key, ElectionProcessor.RESIGN, Exchanges.JSON.createObjectNode().put("token", token));
        if (answer.outcome().code().equals("stale")) {
            throw new ApiError(409, "stale_token", "token " + token + " does not lead '" + name + "' (the highest issued is "
                    + answer.outcome().token() + "); nothing changed", true).with("token", answer.outcome().token());
        }
        ObjectNode view = view(name, answer.state());
        view.put("resigned", token);
        Exchanges.json(exchange, 200, view);
    }

    /** {@code GET /v1/elections}: every election with its holder, in name order (at most {@code limit}, default 100). */
    void list(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        Map<String, String> query = Exchanges.query(exchange);
        int limit;
        try {
            limit = Integer.parseInt(query.getOrDefault("limit", "100"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > 1000) throw ApiError.badRequest("limit must be an integer from 1 to 1000, got '" + query.get("limit") + "'");
        String after = query.get("after");
        KeyReads.Listing listing = node.reads().list(ElectionProcessor.KEY_PREFIX,
                after == null ? null : ElectionProcessor.KEY_PREFIX + checkName(after), limit);
        var entries = new java.util.ArrayList<>(listing.entries());
        entries.sort((a, b) -> KeyReads.compareUtf8(a.key(), b.key()));
        var readable = Exchanges.principal(exchange).readableKeys();
        ObjectNode body = Exchanges.JSON.createObjectNode();
        ArrayNode elections = body.putArray("elections");
        String last = null;
        int listed = 0;
        for (var entry : entries) {
            if (listed == limit) break;
            listed++;
            last = entry.key().substring(ElectionProcessor.KEY_PREFIX.length());
            if (!readable.test(entry.key())) continue;
            JsonNode state = log.fromOwner(entry.key());
            if (exists(state)) elections.add(view(last, state));
        }
        if ((listing.more() || entries.size() > limit) && last != null) body.put("next", last);
        else body.putNull("next");
        Exchanges.json(exchange, 200, body);
    }

    /**
     * {@code GET /v1/elections/{name}/observe}: server-sent events, one {@code leader} event with
     * the election as it is, then one at every change of its leader or token, read at the owner
     * every {@link #OBSERVE_POLL_MS}. A client that missed events reads the current state again.
     */
    private void observe(HttpExchange exchange, String name, String key) throws IOException {
        Exchanges.requireRead(exchange, key);
        if (!observers.tryAcquire()) {
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new ApiError(503, "busy", "this node already serves " + OBSERVERS_MAX + " election observers; retry later or use another node", true);
        }
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write((": leadership of '" + name + "' from " + node.config().nodeId() + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String last = null;
                long commentNs = System.nanoTime();
                while (!closed.getAsBoolean()) {
                    String now = null;
                    try {
                        JsonNode state = log.fromOwner(key);
                        now = exists(state) ? view(name, state).without(java.util.List.of("queue")).toString() : "{\"election\":" + quoted(name)
                                + ",\"leader\":null,\"token\":0}";
                    } catch (ApiError e) {
                        // The owner is moving: say nothing until it answers again.
                    }
                    if (now != null && !now.equals(last)) {
                        out.write(("event: leader\ndata: " + now + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        last = now;
                        commentNs = System.nanoTime();
                    } else if (System.nanoTime() - commentNs > OBSERVE_COMMENT_MS * 1_000_000) {
                        out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        commentNs = System.nanoTime();
                    }
                    Thread.sleep(OBSERVE_POLL_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            observers.release();
        }
    }

    /**
     * Checks a fenced key-value write before it is appended: the election must exist and the token
     * must not be below its highest (a 409 {@code stale_token}) nor above it (never issued). The
     * key's own check still refuses a token below one the key saw ({@code KvProcessor}).
     */
    void checkFence(String name, long token) {
        JsonNode state = log.linearizable(ElectionProcessor.KEY_PREFIX + name);
        if (!exists(state)) {
            throw new ApiError(400, "unknown_election", "the fence names election '" + name + "', which has never had a leader; "
                    + "nothing was written", true);
        }
        long highest = state.path("token").asLong();
        if (token < highest) {
            throw new ApiError(409, "stale_token", "election '" + name + "' has issued token " + highest + " since " + token
                    + "; nothing was written", true).with("token", highest);
        }
        if (token > highest) {
            throw new ApiError(400, "bad_token", "election '" + name + "' has issued no token " + token + " (its highest is "
                    + highest + "); nothing was written", true).with("token", highest);
        }
    }

    /** An election exists once it has issued a token (a withdrawal alone leaves an empty state). */
    private static boolean exists(JsonNode state) {
        return state != null && state.path("token").asLong() > 0;
    }

    private static ObjectNode view(String name, JsonNode state) {
        ObjectNode body = Exchanges.JSON.createObjectNode().put("election", name);
        JsonNode leader = ElectionProcessor.leader(state);
        if (leader == null) {
            body.putNull("leader");
            body.putNull("session");
        } else {
            body.put("leader", leader.path("candidate").asText()).put("session", leader.path("session").asText());
        }
        body.put("token", leader == null ? state.path("token").asLong() : leader.path("token").asLong());
        body.put("held", leader != null);
        ArrayNode queue = body.putArray("queue");
        for (JsonNode waiting : state.path("queue")) queue.add(waiting.path("candidate").asText());
        return body;
    }

    private static ApiError unknownElection(String name) {
        return ApiError.notFound("no election '" + name + "': nobody has campaigned in it");
    }

    private static String checkName(String name) {
        if (name.isEmpty() || name.contains("/") || name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX_BYTES) {
            throw ApiError.badRequest("an election name is 1 to " + NAME_MAX_BYTES + " bytes without '/', got '" + name + "'");
        }
        return name;
    }

    private static String quoted(String text) {
        return Exchanges.JSON.getNodeFactory().textNode(text).toString();
    }
}
