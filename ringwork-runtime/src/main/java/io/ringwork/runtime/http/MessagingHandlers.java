package io.ringwork.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.runtime.load.LoadGate;
import io.ringwork.runtime.messaging.Message;
import io.ringwork.runtime.messaging.Messaging;
import io.ringwork.runtime.messaging.Subscriber;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Messaging over HTTP (issue 21, item 5): {@code POST /v1/send/{id}}, {@code GET /v1/inbox} (SSE),
 * {@code POST /v1/topics/{topic}/publish}, {@code POST /v1/topics/{topic}/anycast} and
 * {@code GET /v1/topics/{topic}/subscribe} (SSE). A message is any JSON value of at most
 * {@value #MESSAGE_BYTES_MAX} bytes; subscribers get it compacted onto one {@code data:} line,
 * inside {@code {"id","mode","target","origin","sentAtMs","message"}}. A stream first says
 * {@code event: subscribed} with its subscriber id, then one {@code event: message} per message;
 * one that fell {@code QUEUE_CAPACITY} messages behind gets {@code event: overflow} and ends.
 */
final class MessagingHandlers {
    static final int MESSAGE_BYTES_MAX = 1 << 20;
    /** Topic names: what fits a path segment without escapes, and a Kafka-like length. */
    private static final java.util.regex.Pattern TOPIC = java.util.regex.Pattern.compile("[A-Za-z0-9._~-]{1,249}");
    private static final long HEARTBEAT_MS = 2_000;
    /** Subscriber streams of one client address, so one client cannot take every subscriber slot of the node. */
    static final int STREAMS_PER_CLIENT = 32;
    private final io.ringwork.runtime.util.SlotsPerSource<java.net.InetAddress> perClient =
            new io.ringwork.runtime.util.SlotsPerSource<>(STREAMS_PER_CLIENT);

    private final RingworkNode node;
    private final Messaging messaging;
    private final BooleanSupplier closed;

    private final DurableTopics durableTopics;

    MessagingHandlers(RingworkNode node, BooleanSupplier closed) {
        this.node = node;
        this.messaging = node.messaging();
        this.closed = closed;
        this.durableTopics = new DurableTopics(node, closed);
    }

    private static boolean durable(HttpExchange exchange) {
        String durable = Exchanges.query(exchange).get("durable");
        if (durable == null || durable.equals("false")) return false;
        if (durable.equals("true") || durable.isEmpty()) return true;
        throw ApiError.badRequest("durable must be true or false, got '" + durable.replaceAll("[^\\x20-\\x7e]", "?") + "'");
    }

    /**
     * A durable publish: the message is appended to the log as a key-value write of
     * {@code topics/{topic}} ({@link DurableTopics}); a 200 means it is in the log.
     */
    private void durablePublish(HttpExchange exchange, String topic) throws IOException {
        byte[] message = message(exchange);
        ObjectNode data = Exchanges.JSON.createObjectNode();
        data.set("value", Exchanges.JSON.readTree(message));
        io.ringwork.core.log.AppendResult appended;
        try {
            appended = node.log().append(List.of(new io.ringwork.core.record.NewRecord(DurableTopics.recordKey(topic),
                    io.ringwork.core.kv.KvProcessor.PUT, null, Exchanges.JSON.writeValueAsBytes(data)))).get(0);
        } catch (IllegalArgumentException e) {
            throw new ApiError(413, "record_rejected", "nothing was published: " + e.getMessage(), true);
        } catch (io.ringwork.core.log.LogException e) {
            throw new ApiError(503, "log_unavailable", "the message may or may not be in the log: " + e.getMessage(), false);
        }
        node.metrics().ingested(1, 0);
        Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("topic", topic).put("durable", true)
                .put("version", appended.offset() + 1).put("partition", appended.partition()));
    }

    /** {@code POST /v1/send/{id}}: to the inbox of the ID's owner. */
    void send(HttpExchange exchange) throws IOException {
        String id = Exchanges.checkKey(Exchanges.pathAfter(exchange, "/v1/send/"), "POST /v1/send/{id}");
        Exchanges.requireWrite(exchange, id);
        Messaging.Sent sent = messaging.send(id, message(exchange));
        Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("id", sent.id()).put("delivered", sent.delivered())
                .put("node", sent.node()).put("partition", sent.partition()));
    }

    /** {@code /v1/topics/{topic}/publish|anycast|subscribe}. */
    void topics(HttpExchange exchange) throws IOException {
        String rest = exchange.getRequestURI().getRawPath().substring("/v1/topics/".length());
        int slash = rest.indexOf('/');
        String topic = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? "" : rest.substring(slash + 1);
        if (!TOPIC.matcher(topic).matches()) {
            throw ApiError.badRequest("a topic is 1-249 letters, digits, '.', '_', '~' or '-', got '"
                    + topic.replaceAll("[^\\x20-\\x7e]", "?") + "'");
        }
        switch (action) {
            case "publish" -> {
                Exchanges.requireMethod(exchange, "POST");
                Exchanges.requireWrite(exchange, topic);
                if (durable(exchange)) {
                    durablePublish(exchange, topic);
                    return;
                }
                Messaging.Published published = messaging.publish(topic, message(exchange));
                ObjectNode body = Exchanges.JSON.createObjectNode().put("id", published.id()).put("delivered", published.delivered());
                ObjectNode nodes = body.putObject("nodes");
                published.nodes().forEach(nodes::put);
                ObjectNode unreached = body.putObject("unreached");
                published.unreached().forEach(unreached::put);
                Exchanges.json(exchange, 200, body);
            }
            case "anycast" -> {
                Exchanges.requireMethod(exchange, "POST");
                Exchanges.requireWrite(exchange, topic);
                Messaging.Anycast anycast = messaging.anycast(topic, message(exchange));
                Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("id", anycast.id()).put("delivered", 1)
                        .put("node", anycast.node()).put("subscriber", anycast.subscriber()).put("attempts", anycast.attempts()));
            }
            case "subscribe" -> {
                Exchanges.requireMethod(exchange, "GET");
                Exchanges.requireRead(exchange, topic);
                if (durable(exchange)) {
                    LoadGate.Refusal refusal = node.loadGate().check();
                    if (refusal != null) throw HttpApi.busy(exchange, refusal);
                    durableTopics.stream(exchange, topic);
                    return;
                }
                stream(exchange, () -> messaging.local().subscribe(topic), "topic " + topic);
            }
            default -> throw ApiError.notFound("no such endpoint: /v1/topics/" + topic + "/" + action
                    + " (use publish, anycast or subscribe)");
        }
    }

    /** {@code GET /v1/inbox[?prefix=P]}: messages sent to IDs this node owns (with the prefix). */
    void inbox(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        if (!Exchanges.principal(exchange).readsAll()) {
            throw new ApiError(403, "forbidden", "the inbox carries messages to any ID: it needs the read or admin scope", true);
        }
        String prefix = Exchanges.query(exchange).getOrDefault("prefix", "");
        stream(exchange, () -> messaging.local().subscribeInbox(prefix), "inbox");
    }

    /** The body as compact JSON: any JSON value, at most {@link #MESSAGE_BYTES_MAX} bytes. */
    private static byte[] message(HttpExchange exchange) throws IOException {
        byte[] body = Exchanges.body(exchange, MESSAGE_BYTES_MAX);
        if (body.length == 0) throw ApiError.badRequest("the message is missing: send a JSON value as the body");
        try {
            JsonNode parsed = Exchanges.JSON.readTree(body);
            if (parsed == null || parsed.isMissingNode()) throw ApiError.badRequest("the message is missing: send a JSON value as the body");
            return Exchanges.JSON.writeValueAsBytes(parsed);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the message is not JSON: " + e.getOriginalMessage());
        }
    }

    private interface Subscribe {
        Subscriber subscribe();
    }

    private void stream(HttpExchange exchange, Subscribe subscribe, String what) throws IOException {
        LoadGate.Refusal refusal = node.loadGate().check();
        if (refusal != null) throw HttpApi.busy(exchange, refusal);
        if ("HEAD".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
            return;
        }
        java.net.InetAddress client = exchange.getRemoteAddress().getAddress();
        if (!perClient.tryTake(client)) {
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new ApiError(429, "too_many_streams", "your address has " + STREAMS_PER_CLIENT
                    + " subscriber streams open on this node already; close one or use another node", true);
        }
        try {
            subscribeAndPump(exchange, subscribe, what);
        } finally {
            perClient.release(client);
        }
    }

    private void subscribeAndPump(HttpExchange exchange, Subscribe subscribe, String what) throws IOException {
        Subscriber subscriber = subscribe.subscribe();
        if (subscriber == null) {
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new ApiError(503, "busy", "this node has as many subscribers as it serves; retry later or subscribe on another node", true);
        }
        String reason = "the client went away";
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                ObjectNode hello = Exchanges.JSON.createObjectNode().put("subscriber", subscriber.id()).put("node", node.config().nodeId())
                        .put("of", what);
                out.write(("event: subscribed\ndata: " + hello + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                reason = pump(out, subscriber);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            List<Message> left = messaging.local().unsubscribe(subscriber, reason);
            messaging.rerouted(left);
        }
    }

    /** Writes queued messages until the node closes, the client goes or the subscriber overflows; says why it ended. */
    private String pump(OutputStream out, Subscriber subscriber) throws IOException, InterruptedException {
        long lastWriteMs = System.currentTimeMillis();
        while (!closed.getAsBoolean()) {
            Message message = subscriber.poll(250);
            if (message == null) {
                if (subscriber.closedBecause() != null) {
                    ObjectNode why = Exchanges.JSON.createObjectNode().put("detail", subscriber.closedBecause() + "; subscribe again");
                    out.write(("event: overflow\ndata: " + why + "\n\n").getBytes(StandardCharsets.UTF_8));
                    return subscriber.closedBecause();
                }
                long nowMs = System.currentTimeMillis();
                if (nowMs - lastWriteMs >= HEARTBEAT_MS) {
                    // Finds a client that went away, so its queue and slot are freed.
                    out.write(":\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWriteMs = nowMs;
                }
                continue;
            }
            for (; message != null; message = subscriber.poll(0)) out.write(event(message));
            out.flush();
            lastWriteMs = System.currentTimeMillis();
        }
        return "the node is stopping";
    }

    private static byte[] event(Message message) {
        StringBuilder head = new StringBuilder(128).append("id: ").append(message.id()).append("\nevent: message\ndata: ");
        ObjectNode envelope = Exchanges.JSON.createObjectNode().put("id", message.id()).put("mode", message.mode().name().toLowerCase())
                .put("target", message.target()).put("origin", message.origin()).put("sentAtMs", message.sentAtMs());
        String json = envelope.toString();
        // The payload is compact JSON already: spliced in as the last field rather than parsed again.
        head.append(json, 0, json.length() - 1).append(",\"message\":");
        byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] end = "}\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] event = new byte[start.length + message.payload().length + end.length];
        System.arraycopy(start, 0, event, 0, start.length);
        System.arraycopy(message.payload(), 0, event, start.length, message.payload().length);
        System.arraycopy(end, 0, event, start.length + message.payload().length, end.length);
        return event;
    }
}
