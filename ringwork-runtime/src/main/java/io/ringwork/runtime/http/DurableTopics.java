package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.runtime.feed.ChangeFeed;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Durable topics: a topic whose messages go through the log. A durable publish is a key-value
 * write of {@code topics/{topic}} (record key {@code kv/topics/{topic}}), so one key holds the
 * topic: its records are totally ordered in one partition, each message is a version (its log
 * offset + 1), and {@code GET /v1/kv/topics/{topic}} reads the latest. A durable subscriber reads
 * that key's changes from this node's change feed: with {@code Last-Event-ID} or {@code ?after=V}
 * the retained changes after version V first, then live, each version once and in order (the feed
 * delivers at least once; the stream drops what is not above the last version it sent). So a
 * durable topic is at least once across reconnects and keeps its order, as long as the feed
 * retains what the subscriber missed ({@code --changes-retained}).
 */
final class DurableTopics {
    /** The feed's live queue for one durable subscriber; past it the stream says overflow and ends (resume with Last-Event-ID). */
    private static final int QUEUE_CAPACITY = 10_000;
    private static final int REPLAY_PAGE = 1000;
    private static final long HEARTBEAT_MS = 2_000;
    /** Durable streams at once: each replays the retained feed when it resumes. */
    static final int STREAMS_MAX = 64;

    private final RingworkNode node;
    private final BooleanSupplier closed;
    private final java.util.concurrent.Semaphore streams = new java.util.concurrent.Semaphore(STREAMS_MAX);

    DurableTopics(RingworkNode node, BooleanSupplier closed) {
        this.node = node;
        this.closed = closed;
    }

    static String recordKey(String topic) {
        return KvProcessor.KEY_PREFIX + "topics/" + topic;
    }

    void stream(HttpExchange exchange, String topic) throws IOException {
        long after = after(exchange);
        if (!streams.tryAcquire()) {
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new ApiError(503, "busy", "this node serves " + STREAMS_MAX + " durable topic streams already; retry later or use another node", true);
        }
        String key = recordKey(topic);
        // Subscribe before the replay, so nothing committed during it is missed; versions the replay sent are dropped from the live part.
        try (ChangeFeed.Subscription live = node.feed().subscribe(QUEUE_CAPACITY)) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                ObjectNode hello = Exchanges.JSON.createObjectNode().put("node", node.config().nodeId()).put("of", "durable topic " + topic)
                        .put("after", after);
                out.write(("event: subscribed\ndata: " + hello + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                long sent = after < 0 ? Long.MAX_VALUE : replay(out, key, topic, after);
                live(out, live, key, topic, sent);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.release();
        }
    }

    /** The version to resume after: Last-Event-ID, else {@code ?after=}, else -1 (live only). */
    private static long after(HttpExchange exchange) {
        String text = exchange.getRequestHeaders().getFirst("Last-Event-ID");
        if (text == null || text.isBlank()) text = Exchanges.query(exchange).get("after");
        if (text == null || text.isBlank()) return -1;
        try {
            long version = Long.parseLong(text.trim());
            if (version >= 0) return version;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("Last-Event-ID or after must be a version of the topic (>= 0), got '"
                + text.replaceAll("[^\\x20-\\x7e]", "?") + "'");
    }

    /** Sends the retained messages above {@code after}; returns the highest version sent ({@code after} if none). */
    private long replay(OutputStream out, String key, String topic, long after) throws IOException {
        long sent = after;
        long position = 0;
        while (!closed.getAsBoolean()) {
            List<FeedEntry> page = node.store().changes(position, REPLAY_PAGE);
            if (page.isEmpty()) break;
            for (FeedEntry entry : page) {
                sent = write(out, entry.change(), key, topic, sent);
                position = entry.position() + 1;
            }
            out.flush();
        }
        return sent;
    }

    private void live(OutputStream out, ChangeFeed.Subscription live, String key, String topic, long sent)
            throws IOException, InterruptedException {
        long lastWriteMs = System.currentTimeMillis();
        boolean liveOnly = sent == Long.MAX_VALUE;
        long highest = liveOnly ? -1 : sent;
        while (!closed.getAsBoolean()) {
            ChangeFeed.Published published = live.poll(250);
            long nowMs = System.currentTimeMillis();
            if (published == null) {
                if (live.overflowed()) {
                    out.write(("event: overflow\ndata: {\"detail\":\"the subscriber fell " + QUEUE_CAPACITY
                            + " changes behind; reconnect with Last-Event-ID\"}\n\n").getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (nowMs - lastWriteMs >= HEARTBEAT_MS) {
                    out.write(":\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWriteMs = nowMs;
                }
                continue;
            }
            for (; published != null; published = live.pollNow()) highest = write(out, published.entry().change(), key, topic, highest);
            out.flush();
            lastWriteMs = nowMs;
        }
    }

    /** Writes {@code change} if it is the topic's and above {@code highest}; returns the highest version sent. */
    private static long write(OutputStream out, Change change, String key, String topic, long highest) throws IOException {
        if (!change.key().equals(key) || change.tombstone() || change.valueJson() == null) return highest;
        JsonNode view = Exchanges.JSON.readTree(change.valueJson());
        long version = view.path("version").asLong(-1);
        if (version <= highest || !view.has("value")) return highest;
        ObjectNode data = Exchanges.JSON.createObjectNode().put("topic", topic).put("version", version).put("mode", "durable");
        data.set("message", view.get("value"));
        out.write(("id: " + version + "\nevent: message\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        return version;
    }
}
