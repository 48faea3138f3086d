package io.ringwork.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.runtime.feed.ChangeFeed;
import io.ringwork.runtime.feed.ChangeJson;
import io.ringwork.runtime.feed.JsonBytes;
import io.ringwork.runtime.node.RingworkNode;
import io.ringwork.runtime.util.SlotsPerSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /v1/changes}: the change feed as server-sent events. Each event's id is its feed
 * position. {@code ?from=N} (or the {@code Last-Event-ID} header, resuming after it) first replays
 * the retained changes from position N, then continues live with no gap and no repeat;
 * {@code from=earliest} replays everything retained; without it the stream starts live.
 * {@code ?prefix=} keeps keys with that prefix. A subscriber that falls too far behind gets an
 * {@code overflow} event and the stream ends; it reconnects with {@code Last-Event-ID}.
 */
final class ChangesHandler {
    private static final int QUEUE_CAPACITY = 100_000;
    private static final int REPLAY_PAGE = 1000;
    /** A comment line this often: keeps proxies from closing an idle stream and finds gone clients (freeing their slot). */
    private static final long HEARTBEAT_MS = 2_000;
    private static final int FLUSH_EVERY = 512;
    /** Concurrent streams; each may queue up to QUEUE_CAPACITY changes, so this bounds their memory. */
    static final int MAX_STREAMS = 64;
    /** Concurrent streams of one client address, so that one client cannot take every stream. */
    static final int MAX_STREAMS_PER_CLIENT = 8;

    private final java.util.concurrent.Semaphore streams = new java.util.concurrent.Semaphore(MAX_STREAMS);
    private final SlotsPerSource<InetAddress> perClient = new SlotsPerSource<>(MAX_STREAMS_PER_CLIENT);

    private final RingworkNode node;
    private final BooleanSupplier closed;

    ChangesHandler(RingworkNode node, BooleanSupplier closed) {
        this.node = node;
        this.closed = closed;
    }

    void handle(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        Map<String, String> query = Exchanges.query(exchange);
        long from = startPosition(exchange, query.get("from"));
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        InetAddress client = exchange.getRemoteAddress().getAddress();
        if (!perClient.tryTake(client)) {
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new ApiError(429, "too_many_streams", "your address has " + MAX_STREAMS_PER_CLIENT
                    + " change-feed streams open on this node already; close one or use another node", true);
        }
        try {
            if (!streams.tryAcquire()) {
                exchange.getResponseHeaders().set("Retry-After", "5");
                throw new ApiError(503, "busy", "this node already serves " + MAX_STREAMS
                        + " change-feed streams; retry later or use another node", true);
            }
            try {
                // A tenant's token sees its tenants' keys only; every other change is left out of its stream.
                String prefix = query.getOrDefault("prefix", "");
                java.util.function.Predicate<String> readable = Exchanges.principal(exchange).readableKeys();
                serveStream(exchange, key -> key.startsWith(prefix) && readable.test(key), from);
            } finally {
                streams.release();
            }
        } finally {
            perClient.release(client);
        }
    }

    private void serveStream(HttpExchange exchange, java.util.function.Predicate<String> keys, long from) throws IOException {
        // Subscribe before replaying, so nothing committed during the replay is missed; entries
        // the replay already sent are dropped from the live part by position.
        try (ChangeFeed.Subscription live = node.feed().subscribe(QUEUE_CAPACITY)) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write((": ringwork change feed of " + node.config().nodeId() + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                long next = from < 0 ? Long.MAX_VALUE : replay(out, from, keys);
                stream(out, live, next, keys);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long startPosition(HttpExchange exchange, String from) {
        String lastEventId = exchange.getRequestHeaders().getFirst("Last-Event-ID");
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                long position = Long.parseLong(lastEventId.trim());
                // A negative or the largest position would wrap into "start live" below.
                if (position < 0 || position == Long.MAX_VALUE) throw new NumberFormatException();
                return position + 1;
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Last-Event-ID must be a feed position in [0, " + (Long.MAX_VALUE - 1)
                        + "], got '" + lastEventId.replaceAll("[^\\x20-\\x7e]", "?") + "'");
            }
        }
        if (from == null || from.isEmpty() || from.equals("now")) return -1;
        if (from.equals("earliest")) return 0;
        try {
            long position = Long.parseLong(from);
            if (position < 0) throw new NumberFormatException();
            return position;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("from must be a feed position (>= 0), 'earliest' or 'now', got '" + from + "'");
        }
    }

    /** Sends retained changes from {@code from}; returns the position after the last one sent. */
    private long replay(OutputStream out, long from, java.util.function.Predicate<String> keys) throws IOException {
        long next = from;
        while (!closed.getAsBoolean()) {
            List<FeedEntry> page = node.store().changes(next, REPLAY_PAGE);
            if (page.isEmpty()) return next;
            for (FeedEntry entry : page) {
                if (keys.test(entry.change().key())) out.write(event(entry, -1));
                next = entry.position() + 1;
            }
            out.flush();
        }
        return next;
    }

    private void stream(OutputStream out, ChangeFeed.Subscription live, long next, java.util.function.Predicate<String> keys)
            throws IOException, InterruptedException {
        long lastWriteMs = System.currentTimeMillis();
        while (!closed.getAsBoolean()) {
            ChangeFeed.Published published = live.poll(250);
            long nowMs = System.currentTimeMillis();
            if (published == null) {
                if (live.overflowed()) {
                    out.write(("event: overflow\ndata: {\"detail\":\"subscriber fell more than " + QUEUE_CAPACITY
                            + " changes behind; reconnect with Last-Event-ID\"}\n\n").getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (nowMs - lastWriteMs >= HEARTBEAT_MS) {
                    out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWriteMs = nowMs;
                }
                continue;
            }
            // Write everything already queued, then flush once: one chunk for a burst, not one per change.
            int written = 0;
            for (int n = 0; published != null && n < FLUSH_EVERY; n++, published = n < FLUSH_EVERY ? live.pollNow() : null) {
                FeedEntry entry = published.entry();
                if (next != Long.MAX_VALUE && entry.position() < next) continue;
                if (!keys.test(entry.change().key())) continue;
                out.write(event(entry, published.fedAtMs()));
                written++;
            }
            if (written > 0) {
                out.flush();
                lastWriteMs = nowMs;
            }
        }
    }

    /**
     * One SSE event. Built by hand so that the state's JSON bytes go out as they are stored, with
     * no string round trip; strings are escaped with Jackson's encoder. {@code fedAtMs} is when this
     * node put a live change on its feed; a replayed one ({@code -1}) has no such field.
     */
    static byte[] event(FeedEntry entry, long fedAtMs) throws IOException {
        JsonBytes out = ChangeJson.buffer(entry.change(), 64);
        out.ascii("id: ").number(entry.position()).ascii("\nevent: change\ndata: {\"position\":").number(entry.position()).write(',');
        ChangeJson.writeFields(out, entry.change(), fedAtMs);
        out.ascii("}\n\n");
        return out.toByteArray();
    }
}
