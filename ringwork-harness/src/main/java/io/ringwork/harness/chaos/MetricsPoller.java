package io.ringwork.harness.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Scrapes {@code GET /metrics} of every node up, once every {@link #INTERVAL_MS} and whenever the
 * fault thread asks ({@link #scrapeNow()}, at the edges of a fault's window), into
 * {@link NodeScrapes}. A paused or dead node is not asked; a scrape that fails or takes longer
 * than {@link #TIMEOUT} is skipped (the next one comes a second later).
 */
final class MetricsPoller implements AutoCloseable {
    /** One scrape a second per node: the quiet stretches' GC counts are read to within it. */
    static final long INTERVAL_MS = 1_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final ChaosCluster cluster;
    private final NodeScrapes scrapes;
    private final int partitions;
    private final LongSupplier nowMs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private volatile boolean closed;
    private Thread thread;

    MetricsPoller(ChaosCluster cluster, NodeScrapes scrapes, int partitions, LongSupplier nowMs) {
        this.cluster = cluster;
        this.scrapes = scrapes;
        this.partitions = partitions;
        this.nowMs = nowMs;
    }

    MetricsPoller start() {
        thread = Thread.ofPlatform().daemon().name("chaos-metrics").start(() -> {
            while (!closed) {
                scrapeNow();
                try {
                    Thread.sleep(INTERVAL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        return this;
    }

    /** Scrapes every node up now, one after the other; returns when each answered or failed. */
    void scrapeNow() {
        for (String id : cluster.upNodes()) {
            String url = cluster.urlIfUp(id);
            if (url == null) continue;
            long pid = cluster.pid(id);
            long sentMs = nowMs.getAsLong();
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) continue;
                scrapes.add(new NodeScrapes.Sample(id, pid, sentMs, nowMs.getAsLong(), NodeScrapes.parse(response.body(), partitions)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.io.IOException | RuntimeException e) {
                // Down, paused or slow at this moment: the next scrape tries again.
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            thread.join(5_000);
        }
        http.close();
    }
}
