package io.ringwork.harness.chaos;

import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.FeedEvent;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Follows one node's change feed for the whole run, into a {@link FeedHistory}. Unlike
 * {@code FeedTracker}, it reconnects: after a kill, a pause or a dropped stream it resumes after
 * the last position it saw ({@code ?from=last+1}), retrying every 200 ms while the node is down.
 * Every change seen for the first time on any node also goes into a shared history of first
 * arrivals, which the timeline, the apply delays and the failover gaps are measured on. A live
 * event's {@code fedAtMs} (when that node put it on its feed, on the clock every process here
 * shares) goes into a shared map of the earliest such time per change: when some node applied
 * it, whatever the feeds' delivery and this JVM's own pauses added before it was read.
 */
final class FeedFollower {
    private static final long RETRY_MS = 200;

    private final FeedHistory history;
    private final FeedHistory firstArrivals;
    private final Set<String> seenAnywhere;
    private final Map<Long, Long> appliedAt;
    private final Supplier<String> url;
    private final long runStartNs;
    private final long runStartEpochMs;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long reconnects;

    /**
     * @param url            the node's current base URL, or null while it is down
     * @param firstArrivals  shared by every follower of the run
     * @param seenAnywhere   shared: "key@version" of every change already seen on some feed
     * @param appliedAt      shared: per change ({@link ChaosReport#id}), the earliest {@code fedAtMs} seen, in ms since the run's start
     * @param runStartEpochMs the wall clock at {@code runStartNs}
     */
    FeedFollower(FeedHistory history, FeedHistory firstArrivals, Set<String> seenAnywhere, Map<Long, Long> appliedAt,
                 Supplier<String> url, long runStartNs, long runStartEpochMs) {
        this.history = history;
        this.firstArrivals = firstArrivals;
        this.seenAnywhere = seenAnywhere;
        this.appliedAt = appliedAt;
        this.url = url;
        this.runStartNs = runStartNs;
        this.runStartEpochMs = runStartEpochMs;
        this.thread = Thread.ofPlatform().daemon().name("chaos-feed-" + history.node()).start(this::run);
    }

    static Set<String> newSeenSet() {
        return ConcurrentHashMap.newKeySet();
    }

    FeedHistory history() {
        return history;
    }

    long reconnects() {
        return reconnects;
    }

    private void run() {
        while (!stopping) {
            String base = url.get();
            if (base != null) {
                long last = history.lastPosition();
                try {
                    new RingworkClient(base).changes(last < 0 ? "earliest" : Long.toString(last + 1), this::onData, true);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // The node is down, paused or restarting: try again below.
                }
                if (stopping) return;
                reconnects++;
            }
            try {
                Thread.sleep(RETRY_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void onData(String json) {
        long arrivalMs = (System.nanoTime() - runStartNs) / 1_000_000;
        FeedEvent event;
        try {
            event = FeedEvent.parse(json);
        } catch (IOException e) {
            return; // not a change event (e.g. an overflow notice); the stream then ends and we resume
        }
        if (event == null) return;
        if (event.fedAtMs() >= 0) {
            appliedAt.merge(ChaosReport.id(event.partition(), event.version()), event.fedAtMs() - runStartEpochMs, Math::min);
        }
        history.record(event.position(), event.key(), event.version(), event.partition(), arrivalMs);
        if (seenAnywhere.add(event.key() + "@" + event.version())) {
            firstArrivals.record(-1, event.key(), event.version(), event.partition(), arrivalMs);
        }
    }

    void stop() throws InterruptedException {
        stopping = true;
        thread.interrupt();
        thread.join(2000);
    }
}
