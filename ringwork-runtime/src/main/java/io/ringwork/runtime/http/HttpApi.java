package io.ringwork.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ringwork.runtime.node.HostPort;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API (DESIGN.md section 9) on the JDK's HTTP server, one virtual thread per
 * request, so long-lived change-feed streams cost no platform thread. Every error is JSON
 * {@code {"error","detail"}} with a proper status; a handler failure is a 500, never a dropped
 * connection.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

    /** One route's work; may throw {@link ApiError} for a definite client-facing error. */
    interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private final RingworkNode node;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean closed;

    static {
        // The JDK server waits without limit for a request that stalls half way, holding its
        // connection; unless the operator set it, a request gets 60 s to arrive. (Answers have no
        // such limit: a change-feed stream is one answer that lasts.)
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) System.setProperty("sun.net.httpserver.maxReqTime", "60");
    }

    /** Largest replication batch accepted: 256 messages with their states. */
    private static final int REPLICATION_BODY_MAX = 256 << 20;

    public HttpApi(RingworkNode node) {
        this.node = node;
        try {
            server = HttpServer.create(HostPort.parse(node.config().http(), "http").toSocketAddress(), 1024);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for HTTP on " + node.config().http() + ": " + e.getMessage(), e);
        }
        server.setExecutor(executor);
        IngestHandlers ingest = new IngestHandlers(node);
        ReadHandlers reads = new ReadHandlers(node);
        ChangesHandler changes = new ChangesHandler(node, () -> closed);
        route("/v1/events", ingest::events);
        route("/v1/gluer/", exchange -> {
            if ("POST".equals(exchange.getRequestMethod())) ingest.gluerPiece(exchange);
            else reads.gluerDocument(exchange);
        });
        route("/v1/state/", reads::state);
        route("/v1/dead-letters", reads::deadLetters);
        route("/v1/cluster", reads::cluster);
        route("/v1/changes", changes::handle);
        route("/internal/v1/replicate", exchange -> {
            Exchanges.requireMethod(exchange, "POST");
            byte[] body = Exchanges.body(exchange, REPLICATION_BODY_MAX);
            io.ringwork.runtime.cluster.ReplicaCodec.Batch batch;
            try {
                batch = io.ringwork.runtime.cluster.ReplicaCodec.decodeBatch(body);
            } catch (io.ringwork.runtime.cluster.ReplicaCodec.TermOutOfRange e) {
                node.cluster().termRefused();
                throw ApiError.badRequest("bad replication batch: " + e.getMessage());
            } catch (IOException e) {
                throw ApiError.badRequest("bad replication batch: " + e.getMessage());
            }
            byte[] acks = io.ringwork.runtime.cluster.ReplicaCodec.encodeAcks(node.cluster().receive(batch.from(), batch.messages()));
            Exchanges.send(exchange, 200, "application/octet-stream", acks);
        });
        route("/metrics", exchange -> {
            Exchanges.requireMethod(exchange, "GET");
            Exchanges.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8",
                    node.metrics().scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
        route("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/") && !path.equals("/index.html")) {
                throw ApiError.notFound("no such endpoint: " + path + " (see GET / for the API)");
            }
            Exchanges.requireMethod(exchange, "GET");
            Exchanges.send(exchange, 200, "text/html; charset=utf-8", Dashboard.html());
        });
    }

    private void route(String path, Handler handler) {
        server.createContext(path, exchange -> serve(exchange, handler));
    }

    private void serve(HttpExchange exchange, Handler handler) {
        try {
            handler.handle(exchange);
        } catch (ApiError error) {
            answer(exchange, error);
        } catch (IOException e) {
            // The client went away mid-request or mid-stream; nothing to answer.
            exchange.close();
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
            answer(exchange, new ApiError(500, "internal", e.toString(), false));
        }
    }

    private static void answer(HttpExchange exchange, ApiError error) {
        try {
            Exchanges.error(exchange, error);
        } catch (IOException | RuntimeException e) {
            exchange.close();
        }
    }

    public void start() {
        server.start();
    }

    /** Where the API listens (the real port when configured with port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        executor.shutdownNow();
    }
}
