package io.ringwork.runtime.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.health.HealthProcessor;
import io.ringwork.core.health.HealthTarget;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.record.NewRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each transition of the targets this node checks to {@code --health-webhook}, once.
 *
 * <p>A transition waits in its target's state ({@code pending}, see {@link HealthProcessor}) until a
 * {@code health.notified} record says the webhook took it, so only the partition's owner posts it,
 * in order per target, retrying with backoff (100 ms doubling to 10 s) while it owns the partition;
 * after a 2xx it appends {@code health.notified}. A new owner finds what is still pending and
 * posts it. The one window for a second post is an owner that dies between the webhook's 2xx and
 * its notified record reaching the log; every post carries the transition's id (also as
 * {@code Idempotency-Key}) so the receiver drops that repeat. Thread-safe.
 */
final class HealthWebhook implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthWebhook.class);
    /** Transitions waiting to be posted by this node. */
    static final int QUEUE_MAX = 10_000;
    private static final long BACKOFF_MIN_MS = 100, BACKOFF_MAX_MS = 10_000;

    private record Pending(HealthTarget target, JsonNode transition) {
        String key() {
            return target.id() + "/" + transition.path("id").asText();
        }
    }

    private final URI url;
    private final RecordLog log;
    /** Whether this node still owns (checks) the target: a deposed owner stops posting. */
    private final Predicate<String> owns;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    /** Transitions to post, by target/id, in the order found; guarded by this. */
    private final LinkedHashMap<String, Pending> queue = new LinkedHashMap<>();
    /** Posted and recorded as notified, waiting for the record to clear it from the state; guarded by this. */
    private final Map<String, Long> done = new LinkedHashMap<>();
    private final LongAdder posted = new LongAdder(), failures = new LongAdder();
    private final Thread sender;
    private volatile boolean running = true;

    HealthWebhook(URI url, RecordLog log, Predicate<String> owns) {
        this.url = url;
        this.log = log;
        this.owns = owns;
        this.sender = Thread.ofVirtual().name("ringwork-health-webhook").start(this::run);
    }

    /** What a rescan found pending for a target this node owns: queues what is not queued or done. */
    synchronized void pending(HealthTarget target, JsonNode pending) {
        for (JsonNode transition : pending) {
            Pending p = new Pending(target, transition);
            if (done.containsKey(p.key()) || queue.containsKey(p.key()) || queue.size() >= QUEUE_MAX) continue;
            queue.put(p.key(), p);
            notifyAll();
        }
        // A notified record takes a moment to reach the state: forget "done" marks after a minute.
        long nowMs = System.currentTimeMillis();
        done.values().removeIf(atMs -> nowMs - atMs > 60_000);
    }

    private void run() {
        while (running) {
            Pending next;
            synchronized (this) {
                while (running && queue.isEmpty()) {
                    try {
                        wait(1_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (!running) return;
                next = queue.values().iterator().next();
            }
            boolean delivered = deliver(next);
            synchronized (this) {
                queue.remove(next.key());
                if (delivered) done.put(next.key(), System.currentTimeMillis());
            }
        }
    }

    /** Posts until a 2xx or the node no longer owns the target; then records it notified. */
    private boolean deliver(Pending p) {
        ObjectNode body = JsonStateCodec.mapper().createObjectNode().put("target", p.target().id())
                .put("transition", p.key());
        body.setAll((ObjectNode) p.transition().deepCopy());
        body.put("id", p.key());
        ObjectNode labels = body.putObject("labels");
        p.target().labels().forEach(labels::put);
        long backoffMs = BACKOFF_MIN_MS;
        while (running && owns.test(p.target().id())) {
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json").header("Idempotency-Key", p.key())
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 == 2) {
                    posted.increment();
                    log.append(List.of(new NewRecord(HealthTarget.key(p.target().id()), HealthProcessor.NOTIFIED, null,
                            ("{\"id\":\"" + p.transition().path("id").asText() + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                    return true;
                }
                LOG.warn("health webhook {} answered {} for {}", url, response.statusCode(), p.key());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                LOG.warn("health webhook {} failed for {}: {}", url, p.key(), e.toString());
            }
            failures.increment();
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
        }
        return false;
    }

    long posted() {
        return posted.sum();
    }

    long failures() {
        return failures.sum();
    }

    @Override
    public void close() {
        running = false;
        sender.interrupt();
        http.close();
    }
}
