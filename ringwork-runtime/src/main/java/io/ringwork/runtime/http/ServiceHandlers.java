package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.coord.ServiceProcessor;
import io.ringwork.core.membership.Member;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The service registry ({@code /v1/services}) over the log ({@link ServiceProcessor}), written and
 * read through {@link CoordLog}. An instance registered with {@code ?session=} is put on the
 * session's list first, so the session's end deregisters it. {@code ringwork} is the cluster's
 * own nodes, from this node's membership view (not stored). Thread-safe.
 */
final class ServiceHandlers {
    /** The service the cluster's own nodes appear as. */
    static final String RINGWORK = "ringwork";
    /** Watches blocked at once on this node; beyond, a 503. */
    static final int WATCHES_MAX = 256;
    static final long WATCH_POLL_MS = 50;
    static final long WATCH_WAIT_MS_DEFAULT = 30_000;
    static final long WATCH_WAIT_MS_MAX = 300_000;
    static final int NAME_MAX_BYTES = 256;
    static final int META_MAX_BYTES = 16 << 10;

    private final RingworkNode node;
    private final CoordLog log;
    private final CoordinationHandlers coordination;
    private final Semaphore watches = new Semaphore(WATCHES_MAX);

    ServiceHandlers(RingworkNode node, CoordLog log, CoordinationHandlers coordination) {
        this.node = node;
        this.log = log;
        this.coordination = coordination;
    }

    /** {@code PUT|DELETE /v1/services/{service}/{instance}}, {@code GET /v1/services/{service}}. */
    void handle(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "PUT", "DELETE");
        String rest = Exchanges.pathAfter(exchange, "/v1/services/");
        int slash = rest.indexOf('/');
        String service = name(slash < 0 ? rest : rest.substring(0, slash), "service");
        String key = ServiceProcessor.KEY_PREFIX + service;
        String method = exchange.getRequestMethod();
        if (slash < 0) {
            if (method.equals("PUT") || method.equals("DELETE")) {
                throw new ApiError(405, "method_not_allowed", method + " needs an instance: /v1/services/{service}/{instance}", true);
            }
            read(exchange, service, key);
            return;
        }
        String instance = name(rest.substring(slash + 1), "instance");
        if (service.equals(RINGWORK)) throw ApiError.badRequest("'" + RINGWORK + "' is the cluster's own nodes; it takes no registrations");
        Exchanges.requireWrite(exchange, key);
        if (method.equals("PUT")) register(exchange, service, instance, key);
        else if (method.equals("DELETE")) deregister(exchange, service, instance, key);
        else throw new ApiError(405, "method_not_allowed", "GET /v1/services/{service} lists the instances", true);
    }

    private void register(HttpExchange exchange, String service, String instance, String key) throws IOException {
        JsonNode body = EnvelopeParser.readTree(Exchanges.body(exchange, META_MAX_BYTES + 4096), "body");
        JsonNode address = body.get("address");
        JsonNode port = body.get("port");
        JsonNode meta = body.get("meta");
        if (!body.isObject() || address == null || !address.isTextual() || address.asText().isEmpty()
                || address.asText().getBytes(StandardCharsets.UTF_8).length > NAME_MAX_BYTES
                || port == null || !port.isIntegralNumber() || port.asLong() < 0 || port.asLong() > 65_535
                || (meta != null && !meta.isObject())) {
            throw ApiError.badRequest("the body is {\"address\": a host of 1 to " + NAME_MAX_BYTES + " bytes, \"port\": 0 to 65535, "
                    + "\"meta\": an object (optional)}, got " + body);
        }
        if (meta != null && Exchanges.JSON.writeValueAsBytes(meta).length > META_MAX_BYTES) {
            throw ApiError.badRequest("meta is over " + META_MAX_BYTES + " bytes as JSON");
        }
        String session = Exchanges.query(exchange).get("session");
        ObjectNode data = Exchanges.JSON.createObjectNode().put("instance", instance).put("address", address.asText())
                .put("port", port.asLong());
        if (meta != null) data.set("meta", meta);
        if (session != null) {
            CoordinationHandlers.checkSessionId(session);
            coordination.attachService(session, service + "/" + instance);
            data.put("session", session);
        }
        CoordLog.Answer answer = log.write(key, ServiceProcessor.REGISTER, data);
        if (answer.outcome().code().equals("full")) {
            throw new ApiError(409, "service_full", "'" + service + "' has " + ServiceProcessor.INSTANCES_MAX + " instances already; "
                    + "nothing changed", true);
        }
        if (session != null && !coordination.isOpen(session)) {
            log.append(key, ServiceProcessor.DEREGISTER, Exchanges.JSON.createObjectNode().put("instance", instance).put("ifSession", session));
            throw new ApiError(404, "session_expired", "session '" + session + "' ended while '" + instance
                    + "' was registered; it is being deregistered again", false);
        }
        Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("service", service).put("instance", instance)
                .put("index", answer.outcome().offset() + 1));
    }

    private void deregister(HttpExchange exchange, String service, String instance, String key) throws IOException {
        CoordLog.Answer answer = log.write(key, ServiceProcessor.DEREGISTER, Exchanges.JSON.createObjectNode().put("instance", instance));
        if (answer.outcome().code().equals("absent")) {
            throw ApiError.notFound("'" + service + "' has no instance '" + instance + "'; nothing changed");
        }
        Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("service", service).put("instance", instance)
                .put("deregistered", true).put("index", answer.outcome().offset() + 1));
    }

    /**
     * The instances, in name order, with the service's index; with {@code ?watch=true&index=N}
     * once the index passed N (or after {@code wait} ms, default 30 s, with the same index).
     */
    private void read(HttpExchange exchange, String service, String key) throws IOException {
        Exchanges.requireRead(exchange, key);
        Map<String, String> query = Exchanges.query(exchange);
        boolean watch = "true".equals(query.get("watch"));
        long index = number(query.get("index"), "index", 0, Long.MAX_VALUE, 0);
        long waitMs = number(query.get("wait"), "wait", 0, WATCH_WAIT_MS_MAX, WATCH_WAIT_MS_DEFAULT);
        if (!watch) {
            Exchanges.json(exchange, 200, view(service, key, true));
            return;
        }
        if (!watches.tryAcquire()) {
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new ApiError(503, "busy", "this node has " + WATCHES_MAX + " watches waiting; retry later or use another node", true);
        }
        try {
            long deadlineNs = System.nanoTime() + waitMs * 1_000_000;
            ObjectNode view = view(service, key, false);
            while (view.path("index").asLong() == index || (!service.equals(RINGWORK) && view.path("index").asLong() < index)) {
                if (System.nanoTime() > deadlineNs) break;
                Thread.sleep(WATCH_POLL_MS);
                view = view(service, key, false);
            }
            Exchanges.json(exchange, 200, view);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the node is stopping", true);
        } finally {
            watches.release();
        }
    }

    /** The service as {@code {"service","index","instances":[…]}}; read linearizably or at the owner now. */
    private ObjectNode view(String service, String key, boolean linearizable) {
        ObjectNode body = Exchanges.JSON.createObjectNode().put("service", service);
        if (service.equals(RINGWORK)) return ringwork(body);
        JsonNode state = linearizable ? log.linearizable(key) : log.fromOwner(key);
        body.put("index", state == null ? 0 : state.path("index").asLong());
        ArrayNode instances = body.putArray("instances");
        if (state != null) {
            List<String> names = new ArrayList<>();
            state.path("instances").fieldNames().forEachRemaining(names::add);
            names.sort(Comparator.naturalOrder());
            for (String name : names) {
                JsonNode entry = state.path("instances").get(name);
                ObjectNode shown = instances.addObject().put("instance", name).put("address", entry.path("address").asText())
                        .put("port", entry.path("port").asLong());
                shown.set("meta", entry.path("meta"));
                if (entry.has("session")) shown.put("session", entry.get("session").asText());
            }
        }
        return body;
    }

    /**
     * The live members of this node's view, with their HTTP address. Its index is a digest of the
     * list, not an order: a watcher passes back the last one it got and is answered once it differs.
     */
    private ObjectNode ringwork(ObjectNode body) {
        var membership = node.membership();
        List<Member> members = membership == null ? List.of() : new ArrayList<>(membership.members());
        members.sort(Comparator.comparing(Member::id));
        ArrayNode instances = Exchanges.JSON.createArrayNode();
        for (Member member : members) {
            if (!member.state().isActive()) continue;
            String http = member.metadata().get("http");
            if (http == null) continue;
            String hostPort = http.replaceFirst("^https?://", "");
            int colon = hostPort.lastIndexOf(':');
            ObjectNode shown = instances.addObject().put("instance", member.id()).put("address", colon < 0 ? hostPort : hostPort.substring(0, colon));
            shown.put("port", colon < 0 ? 0 : Long.parseLong(hostPort.substring(colon + 1)));
            shown.putObject("meta").put("state", member.state().name().toLowerCase()).put("http", http);
        }
        body.put("index", instances.toString().hashCode() & 0x7fffffffL);
        body.set("instances", instances);
        return body;
    }

    private static long number(String text, String name, long min, long max, long otherwise) {
        if (text == null) return otherwise;
        try {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) return value;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiError.badRequest(name + " must be an integer from " + min + " to " + max + ", got '" + text + "'");
    }

    private static String name(String text, String what) {
        if (text.isEmpty() || text.contains("/") || text.getBytes(StandardCharsets.UTF_8).length > NAME_MAX_BYTES) {
            throw ApiError.badRequest("a " + what + " name is 1 to " + NAME_MAX_BYTES + " bytes without '/', got '" + text + "'");
        }
        return text;
    }
}
