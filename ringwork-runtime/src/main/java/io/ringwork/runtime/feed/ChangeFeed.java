package io.ringwork.runtime.feed;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Fans committed changes out to live subscribers (SSE connections, in-process listeners).
 * Each subscriber has a bounded queue; one that falls more than its capacity behind is cut off
 * ({@link Subscription#overflowed()}) rather than slowing the node or growing memory, and resumes
 * from its last position through the store's retained feed. Thread-safe.
 */
public final class ChangeFeed {
    private final CopyOnWriteArrayList<Subscription> subscriptions = new CopyOnWriteArrayList<>();

    /**
     * A change as a live subscriber gets it, with the wall-clock time (epoch ms) this node put it
     * on its feed: on the node that runs the partition, when its commit was done.
     */
    public record Published(FeedEntry entry, long fedAtMs) {}

    /** Called by the engine's commit thread after a durable commit. Never blocks. */
    public void publish(List<FeedEntry> entries) {
        if (entries.isEmpty()) return;
        if (subscriptions.isEmpty()) return;
        long nowMs = System.currentTimeMillis();
        List<Published> published = new ArrayList<>(entries.size());
        for (FeedEntry entry : entries) published.add(new Published(entry, nowMs));
        for (Subscription subscription : subscriptions) subscription.offer(published);
    }

    /** A new live subscription receiving every change published from now on. */
    public Subscription subscribe(int capacity) {
        Subscription subscription = new Subscription(this, capacity);
        subscriptions.add(subscription);
        return subscription;
    }

    public int subscriberCount() {
        return subscriptions.size();
    }

    /** One subscriber's bounded queue. Polled by one consumer thread. */
    public static final class Subscription implements AutoCloseable {
        private final ChangeFeed feed;
        private final BlockingQueue<Published> queue;
        private volatile boolean overflowed;

        private Subscription(ChangeFeed feed, int capacity) {
            Invariants.require(capacity > 0, "capacity must be positive, got %s", capacity);
            this.feed = feed;
            // Linked: an idle subscriber costs nothing until changes queue up for it.
            this.queue = new LinkedBlockingQueue<>(capacity);
        }

        private void offer(List<Published> entries) {
            if (overflowed) return;
            for (Published entry : entries) {
                if (!queue.offer(entry)) {
                    overflowed = true;
                    feed.subscriptions.remove(this);
                    return;
                }
            }
        }

        /** The next change, or null after {@code timeoutMs} without one. */
        public Published poll(long timeoutMs) throws InterruptedException {
            return queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
        }

        /** The next change if one is queued, else null; never waits. */
        public Published pollNow() {
            return queue.poll();
        }

        /** True once the subscriber fell too far behind; entries after the overflow were not queued. */
        public boolean overflowed() {
            return overflowed && queue.isEmpty();
        }

        @Override
        public void close() {
            feed.subscriptions.remove(this);
        }
    }
}
