package io.ringwork.harness.process;

import io.ringwork.runtime.client.RingworkClient;
import java.util.HashMap;
import java.util.Map;

/**
 * Follows a node's change feed and checks it as a downstream consumer would: per key, versions
 * must strictly increase (a repeat is a duplicate, a lower one a reordering). Also records when
 * each change arrived, for latency. Runs on its own thread; read results after {@link #stop()}.
 */
public final class FeedTracker implements AutoCloseable {
    private final Map<String, long[]> perKey = new HashMap<>(); // key -> {last version, changes seen}
    private final Map<Long, Long> arrivalNs = new HashMap<>();   // partition << 40 | offset -> arrival
    private long duplicated;
    private long reordered;
    private long changes;
    private final Thread thread;
    private volatile Exception failure;
    private volatile boolean stopping;

    private FeedTracker(RingworkClient client, String from) {
        thread = Thread.ofPlatform().daemon().name("feed-tracker").start(() -> {
            try {
                client.changes(from, this::onData, true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (!stopping) failure = e;
            }
        });
    }

    /** Starts following from {@code from} ("now", "earliest" or a position). */
    public static FeedTracker follow(RingworkClient client, String from) {
        return new FeedTracker(client, from);
    }

    private void onData(String json) {
        long now = System.nanoTime();
        FeedEvent event;
        try {
            event = FeedEvent.parse(json);
        } catch (java.io.IOException e) {
            if (failure == null) failure = e;
            return;
        }
        if (event != null) onChange(now, event.key(), event.version(), event.partition());
    }

    private synchronized void onChange(long now, String key, long version, long partition) {
        long[] track = perKey.computeIfAbsent(key, k -> new long[] {Long.MIN_VALUE, 0});
        if (version == track[0]) duplicated++;
        else if (version < track[0]) reordered++;
        else {
            track[0] = version;
            track[1]++;
        }
        changes++;
        arrivalNs.putIfAbsent(partition << 40 | version, now);
    }

    public synchronized long changes() {
        return changes;
    }

    public synchronized long duplicated() {
        return duplicated;
    }

    public synchronized long reordered() {
        return reordered;
    }

    /** Distinct changes seen for {@code key}. */
    public synchronized long distinctChanges(String key) {
        long[] track = perKey.get(key);
        return track == null ? 0 : track[1];
    }

    /** When the change of the record at {@code partition}/{@code offset} arrived (System.nanoTime), or null. */
    public synchronized Long arrivalNs(int partition, long offset) {
        return arrivalNs.get((long) partition << 40 | offset);
    }

    public Exception failure() {
        return failure;
    }

    public void stop() throws InterruptedException {
        stopping = true;
        thread.interrupt();
        thread.join(5000);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
