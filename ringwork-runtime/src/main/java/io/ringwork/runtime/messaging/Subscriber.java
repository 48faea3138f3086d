package io.ringwork.runtime.messaging;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One stream's subscription on this node: an inbox ({@code topic} null) or a topic, with a
 * bounded queue that its stream drains. A subscriber that falls {@code capacity} messages behind
 * is dropped, not waited for: {@link #offer} then fails and the stream tells its client
 * ({@code overflow}) and ends. Thread-safe.
 */
public final class Subscriber {
    private final String id;
    private final String topic;
    private final String prefix;
    private final ArrayBlockingQueue<Message> queue;
    private final AtomicLong taken = new AtomicLong();
    private volatile String closedBecause;

    Subscriber(String id, String topic, String prefix, int capacity) {
        this.id = id;
        this.topic = topic;
        this.prefix = prefix == null ? "" : prefix;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    public String id() {
        return id;
    }

    /** The topic, or null for an inbox. */
    public String topic() {
        return topic;
    }

    /** An inbox subscriber takes messages sent to IDs with this prefix (empty: all). */
    boolean wants(String target) {
        return target.startsWith(prefix);
    }

    /**
     * Queues {@code message}; false if this subscriber is closed or full (then it closes, so a
     * slow reader is dropped once, and its stream says so).
     */
    boolean offer(Message message) {
        if (closedBecause != null) return false;
        if (!queue.offer(message)) {
            close("overflow: the subscriber fell " + queue.size() + " messages behind");
            return false;
        }
        taken.incrementAndGet();
        return true;
    }

    /** The next message, waiting up to {@code timeoutMs}; null when none came. */
    public Message poll(long timeoutMs) throws InterruptedException {
        return queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Messages queued, not yet written to the stream. */
    public int depth() {
        return queue.size();
    }

    /** Messages queued since it subscribed. */
    public long taken() {
        return taken.get();
    }

    /** Why it was closed, or null while open. */
    public String closedBecause() {
        return closedBecause;
    }

    void close(String reason) {
        if (closedBecause == null) closedBecause = reason;
    }

    /** Takes what is still queued (on close: anycast messages go to another subscriber). */
    java.util.List<Message> drain() {
        java.util.List<Message> left = new java.util.ArrayList<>();
        queue.drainTo(left);
        return left;
    }
}
