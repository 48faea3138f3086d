package io.ringwork.runtime.http;

import io.ringwork.runtime.http.auth.ApiTokens;
import io.ringwork.runtime.http.auth.Principal;
import java.util.concurrent.atomic.LongAdder;

import com.sun.net.httpserver.HttpExchange;
import io.ringwork.runtime.http.server.ApiExchange;
import io.ringwork.runtime.http.server.ApiServer;
import io.ringwork.runtime.http.server.HttpProblem;
import io.ringwork.runtime.node.HostPort;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API (DESIGN.md section 9) on {@link ApiServer}, one virtual thread per
 * connection, with a bound on every resource a client can hold (see there). Routes match exactly,
 * or by a prefix that ends in '/' for the routes that take a key; anything else is a 404. Every
 * route lists its methods: HEAD is served wherever GET is (headers only), OPTIONS answers 204 with
 * {@code Allow}, another method is a 405. Every error is JSON {@code {"error","detail","definite"}}
 * with a proper status; a handler failure is a 500, never a dropped connection.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    /** One route's work; may throw {@link ApiError} for a definite client-facing error. */
    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    /**
     * Who may use a route when the node has API tokens: anyone ({@code OPEN}: liveness and the
     * console's page, which carries no data); a token that reads everything ({@code READ_ALL});
     * or any token, the handler checking each key against its scopes ({@code SCOPED}).
     */
    enum Access { OPEN, READ_ALL, SCOPED }

    /** A route; {@code allowed} is what {@code Allow} lists: its methods, HEAD where GET is, OPTIONS. */
    private record Route(String path, boolean prefix, List<String> methods, List<String> allowed, Access access, Handler handler) {
        static Route of(String path, List<String> methods, Access access, Handler handler) {
            List<String> allowed = new ArrayList<>(methods);
            if (methods.contains("GET")) allowed.add("HEAD");
            allowed.add("OPTIONS");
            return new Route(path, path.length() > 1 && path.endsWith("/"), methods, List.copyOf(allowed), access, handler);
        }
    }

    /** Request body bytes all requests together may hold. */
    static final long BODY_BUDGET_BYTES = 256L << 20;

    private final RingworkNode node;
    private final ApiServer server;
    private final Map<String, Route> exact = new HashMap<>();
    private final List<Route> prefixes = new ArrayList<>();
    /** The tokens the node accepts, or null: then every request is {@link Principal#OPEN}. */
    private final ApiTokens tokens;
    private final LongAdder unauthenticated = new LongAdder();
    private final LongAdder forbidden = new LongAdder();
    private volatile boolean closed;
    /** Expires the sessions of the partitions this node runs. */
    private final SessionKeeper sessionKeeper;

    public HttpApi(RingworkNode node) {
        this.node = node;
        this.tokens = node.apiTokens();
        try {
            server = new ApiServer(HostPort.parse(node.config().http(), "http").toSocketAddress(),
                    ApiServer.Settings.defaults(Math.max(BODY_BUDGET_BYTES, 2L * node.config().maxRequestBytes())), this::dispatch,
                    node.serverTls());
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for HTTP on " + node.config().http() + ": " + e.getMessage(), e);
        }
        CoordLog coordLog = new CoordLog(node);
        IngestHandlers ingest = new IngestHandlers(node, coordLog);
        ReadHandlers reads = new ReadHandlers(node);
        ChangesHandler changes = new ChangesHandler(node, () -> closed);
        route("/v1/events", List.of("POST"), Access.SCOPED, ingest::events);
        route("/v1/gluer/", List.of("GET", "POST"), Access.SCOPED, exchange -> {
            if ("POST".equals(exchange.getRequestMethod())) ingest.gluerPiece(exchange);
            else reads.gluerDocument(exchange);
        });
        route("/v1/state/", List.of("GET"), Access.SCOPED, reads::state);
        CoordinationHandlers coordination = new CoordinationHandlers(node, coordLog, () -> closed);
        sessionKeeper = new SessionKeeper(node, coordLog);
        route("/v1/sessions", List.of("POST"), Access.SCOPED, coordination::openSession);
        route("/v1/sessions/", List.of("GET", "PUT", "DELETE"), Access.SCOPED, coordination::session);
        route("/v1/elections", List.of("GET"), Access.SCOPED, coordination::list);
        route("/v1/elections/", List.of("GET", "POST", "DELETE"), Access.SCOPED, coordination::election);
        ServiceHandlers services = new ServiceHandlers(node, coordLog, coordination);
        route("/v1/services/", List.of("GET", "PUT", "DELETE"), Access.SCOPED, services::handle);
        KvHandlers kv = new KvHandlers(node, reads, coordination);
        route("/v1/kv/", List.of("GET", "PUT", "DELETE"), Access.SCOPED, kv::handle);
        route("/v1/kv", List.of("GET"), Access.SCOPED, kv::list);
        MessagingHandlers messages = new MessagingHandlers(node, () -> closed);
        route("/v1/send/", List.of("POST"), Access.SCOPED, messages::send);
        route("/v1/topics/", List.of("GET", "POST"), Access.SCOPED, messages::topics);
        route("/v1/inbox", List.of("GET"), Access.SCOPED, messages::inbox);
        HealthHandlers health = new HealthHandlers(node);
        route("/v1/health/targets/", List.of("GET", "PUT", "DELETE"), Access.SCOPED, health::target);
        route("/v1/health/targets", List.of("POST"), Access.SCOPED, health::bulk);
        route("/v1/health", List.of("GET"), Access.SCOPED, health::list);
        route("/v1/dead-letters", List.of("GET"), Access.SCOPED, reads::deadLetters);
        route("/v1/cluster", List.of("GET"), Access.READ_ALL, reads::cluster);
        route("/v1/changes", List.of("GET"), Access.SCOPED, changes::handle);
        route("/metrics", List.of("GET"), Access.READ_ALL, exchange -> Exchanges.send(exchange, 200,
                io.ringwork.runtime.metrics.NodeMetrics.CONTENT_TYPE, node.metrics().scrape(Exchanges.queryValues(exchange, "name[]")).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        route("/healthz", List.of("GET"), Access.OPEN, exchange -> Exchanges.json(exchange, 200,
                Exchanges.JSON.createObjectNode().put("status", "ok").put("node", node.config().nodeId())));
        // The console's page and files carry no data (the script fetches it with the operator's token).
        route("/", List.of("GET"), Access.OPEN, ConsoleAssets::page);
        route("/index.html", List.of("GET"), Access.OPEN, ConsoleAssets::page);
        route(ConsoleAssets.PREFIX, List.of("GET"), Access.OPEN, ConsoleAssets::file);
        registerMetrics();
    }

    private void route(String path, List<String> methods, Access access, Handler handler) {
        Route route = Route.of(path, methods, access, handler);
        if (route.prefix()) prefixes.add(route);
        else exact.put(path, route);
    }

    private void dispatch(ApiExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        Route route = exact.get(path);
        if (route == null) {
            for (Route candidate : prefixes) if (path.startsWith(candidate.path())) route = candidate;
        }
        if (route == null) {
            answer(exchange, ApiError.notFound("no such endpoint: " + path + " (GET / lists the API)"));
            return;
        }
        String method = exchange.getRequestMethod();
        List<String> allowed = route.allowed();
        if (method.equals("OPTIONS")) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            return;
        }
        if (!allowed.contains(method)) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            answer(exchange, new ApiError(405, "method_not_allowed",
                    method + " is not allowed on " + path + "; use " + String.join(" or ", route.methods()), true));
            return;
        }
        if (!authorized(exchange, route)) return;
        // Load refusal: only requests that add work take a slot; reads never wait on it.
        if (!addsWork(method)) {
            serve(exchange, route.handler());
            return;
        }
        io.ringwork.runtime.load.LoadGate.Refusal refusal = node.loadGate().admit();
        if (refusal != null) {
            answer(exchange, busy(exchange, refusal));
            return;
        }
        try {
            serve(exchange, route.handler());
        } finally {
            node.loadGate().done();
        }
    }

    private static boolean addsWork(String method) {
        return !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
    }

    /**
     * A refusal as the client sees it: {@code 503 busy}, definite, with {@code Retry-After} and,
     * when gossip names a less loaded member, its id and API address in {@code try} and
     * {@code tryNode} and the header {@code Ringwork-Try}.
     */
    static ApiError busy(HttpExchange exchange, io.ringwork.runtime.load.LoadGate.Refusal refusal) {
        exchange.getResponseHeaders().set("Retry-After", Integer.toString(io.ringwork.runtime.load.LoadGate.RETRY_AFTER_S));
        ApiError error = new ApiError(503, "busy", refusal.detail() + "; retry in a moment"
                + (refusal.tryHttp() == null ? "" : " or at " + refusal.tryNode() + " (" + refusal.tryHttp() + ")"), true)
                .withText("limit", refusal.limit());
        if (refusal.tryHttp() != null) {
            exchange.getResponseHeaders().set("Ringwork-Try", refusal.tryHttp());
            error.withText("try", refusal.tryHttp()).withText("tryNode", refusal.tryNode());
        }
        return error;
    }

    /**
     * Finds the request's principal and leaves it for the handlers ({@link Principal#ATTRIBUTE});
     * answers 401 (no or unknown token) or 403 (a route that needs every read) and returns false
     * when the request goes no further. Keyed routes check each key in their handler.
     */
    private boolean authorized(ApiExchange exchange, Route route) {
        if (tokens == null || route.access() == Access.OPEN) {
            exchange.setAttribute(Principal.ATTRIBUTE, Principal.OPEN);
            return true;
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String secret = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        Principal principal = tokens.authenticate(secret);
        if (principal == null) {
            unauthenticated.increment();
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"ringwork\"");
            answer(exchange, new ApiError(401, "unauthenticated", header == null
                    ? "this node needs a token: send 'Authorization: Bearer SECRET'"
                    : "the token is not known here (or the header is not 'Authorization: Bearer SECRET')", true));
            return false;
        }
        if (route.access() == Access.READ_ALL && !principal.readsAll()) {
            forbidden.increment();
            answer(exchange, new ApiError(403, "forbidden", "token '" + principal.name() + "' may not read "
                    + route.path() + ": it needs the read or admin scope", true));
            return false;
        }
        exchange.setAttribute(Principal.ATTRIBUTE, principal);
        return true;
    }

    private void serve(ApiExchange exchange, Handler handler) throws IOException {
        try {
            handler.handle(exchange);
        } catch (ApiError error) {
            if (error.status() == 403) forbidden.increment(); // a keyed handler refused a key
            answer(exchange, error);
        } catch (HttpProblem problem) {
            // The body could not be read whole (too slow, over the budget, malformed framing):
            // the server answers it and closes the connection.
            throw problem;
        } catch (IOException e) {
            // The client went away mid-request or mid-stream; nothing to answer.
            exchange.closeConnectionAfter();
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.rawTarget(), e);
            answer(exchange, new ApiError(500, "internal", e.toString(), false));
        }
    }

    private static void answer(ApiExchange exchange, ApiError error) {
        if (exchange.responseStarted()) {
            // A stream already answered 200; all that can be done is to end it.
            exchange.closeConnectionAfter();
            return;
        }
        try {
            Exchanges.error(exchange, error);
        } catch (IOException | RuntimeException e) {
            exchange.closeConnectionAfter();
        }
    }

    private void registerMetrics() {
        ApiServer.Counters counters = server.counters();
        node.metrics().functionCounter("ringwork.http.connections.accepted", "HTTP connections accepted", counters.accepted::get);
        node.metrics().functionCounter("ringwork.http.connections.refused", "HTTP connections refused with 503: over the node's connection limit",
                counters.rejectedConnections::get);
        node.metrics().functionCounter("ringwork.http.connections.refused.client", "HTTP connections refused with 503: over the per-client limit",
                counters.rejectedPerClient::get);
        node.metrics().functionCounter("ringwork.http.idle.closed", "idle HTTP connections closed", counters.idleClosed::get);
        node.metrics().functionCounter("ringwork.http.timeouts.header", "requests whose head was too slow (408)", counters.headerTimeouts::get);
        node.metrics().functionCounter("ringwork.http.timeouts.body", "requests whose body was too slow (408)", counters.bodyTimeouts::get);
        node.metrics().functionCounter("ringwork.http.write.stalls", "connections closed because the client stopped reading", counters.writeStalls::get);
        node.metrics().functionCounter("ringwork.http.malformed", "malformed requests refused before routing (4xx)", counters.malformed::get);
        node.metrics().functionCounter("ringwork.http.unauthenticated", "requests refused with 401: no token, or one not known",
                unauthenticated::sum);
        node.metrics().functionCounter("ringwork.http.forbidden", "requests refused with 403: the token lacks the scope",
                forbidden::sum);
        node.metrics().functionCounter("ringwork.http.tls.handshake.failures",
                "TLS handshakes that failed (a plain-HTTP client, an untrusted certificate)", counters.tlsHandshakeFailures::get);
        node.metrics().functionCounter("ringwork.http.tls.handshake.timeouts", "TLS handshakes not finished in time",
                counters.tlsHandshakeTimeouts::get);
        if (node.serverTls() != null) {
            node.metrics().functionCounter("ringwork.http.tls.reloads", "TLS certificates reloaded after their files changed",
                    node.serverTls()::reloads);
            node.metrics().functionCounter("ringwork.http.tls.reload.failures",
                    "changed TLS files that could not be used (the old certificate stayed)", node.serverTls()::reloadFailures);
        }
        node.metrics().gauge("ringwork.http.connections.open", "HTTP connections open", server::openConnections);
        node.metrics().gauge("ringwork.http.body.bytes.held", "request body bytes held in memory", server::bodyBytesHeld);
    }

    public void start() {
        server.start();
    }

    /** What the server refused or cut off (connections, timeouts, TLS handshakes). */
    public ApiServer.Counters serverCounters() {
        return server.counters();
    }

    /** True when the API speaks HTTPS. */
    public boolean secure() {
        return server.secure();
    }

    /** Where the API listens (the real port when configured with port 0). */
    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        closed = true;
        sessionKeeper.close();
        server.close();
    }
}
