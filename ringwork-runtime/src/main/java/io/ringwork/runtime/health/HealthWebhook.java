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
 * in order per target (up to {@link #BATCH_MAX} targets' at once), retrying with backoff (100 ms
 * doubling to 10 s) while it owns the partition; after the batch's 2xx answers it appends their
 * {@code health.notified} records together. A new owner finds what is still pending and
 * posts it. A transition this node got a 2xx for is never posted by it again: not when the
 * notified record fails to append (it was tried again and posted a second time, one way a
 * transition reached the receiver twice), and not when a later scan still finds it pending (the
 * "done" mark lasts until the state stops listing it, up to {@link #DONE_KEEP_MS}), and not by a new
 * owner while the old one's post may still be in flight: a post lives at most {@link #POST_MAX_MS},
 * and a new owner waits that and 2 s more before it posts what it finds pending. The windows left
 * for a second post are an owner that dies between the webhook's 2xx and its notified record
 * reaching the log, and a receiver that took a post but answered after its timeout (the owner
 * tries again); every post of one transition carries the same id (also as
 * {@code Idempotency-Key}, {@code target/epoch-sinceMs} of the transition as taken into the
 * target's state) so the receiver drops that repeat. Thread-safe.
 */
final class HealthWebhook implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthWebhook.class);
    /** Transitions waiting to be posted by this node. */
    static final int QUEUE_MAX = 10_000;
    private static final long BACKOFF_MIN_MS = 100, BACKOFF_MAX_MS = 10_000;
    /** How long a posted transition's "done" mark is kept at most, and how many marks. */
    static final long DONE_KEEP_MS = 600_000;
    static final int DONE_MAX = 100_000;
    /**
     * Transitions (of distinct targets) posted at once, their notified records appended together.
     * One at a time, with a replicated append after each, a node posted about 100 a second, and a
     * registration of 100,000 targets (each one's first result is a transition) took many minutes.
     */
    static final int BATCH_MAX = 64;
    /**
     * The longest one post can be in flight: connecting, then sending and waiting for the answer.
     * A deposed owner's post that began just before it lost the target ends (answered or abandoned)
     * within this; a new owner waits longer than this before it posts (see {@code HealthService}).
     * The answer's wait is generous: a receiver slower than it gets the post again (a repeat under
     * the same key), and a shorter one (4 s) made repeats under load.
     */
    static final long CONNECT_TIMEOUT_MS = 2_000, ANSWER_TIMEOUT_MS = 10_000, POST_MAX_MS = CONNECT_TIMEOUT_MS + ANSWER_TIMEOUT_MS;

    private record Pending(HealthTarget target, JsonNode transition) {
        String key() {
            return target.id() + "/" + transition.path("id").asText();
        }
    }

    private final URI url;
    private final RecordLog log;
    /** Whether this node still owns (checks) the target: a deposed owner stops posting. */
    private final Predicate<String> owns;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    /** Transitions to post, by target/id, in the order found; guarded by this. */
    private final LinkedHashMap<String, Pending> queue = new LinkedHashMap<>();
    /**
     * Posted and recorded as notified, waiting for the record to clear it from the state, with when
     * it was marked, oldest first; guarded by this. {@link #doneByTarget} indexes the same marks by
     * target, so a rescan that lists one target's pending transitions touches only that target's
     * marks: scanning every mark for every target made a registration of 100,000 targets (each with
     * its first transition pending) cost the scheduler thread minutes.
     */
    private final LinkedHashMap<String, Long> done = new LinkedHashMap<>();
    private final Map<String, java.util.Set<String>> doneByTarget = new java.util.HashMap<>();
    private final LongAdder posted = new LongAdder(), failures = new LongAdder(), notifiedFailures = new LongAdder();
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
        java.util.Set<String> listed = new java.util.HashSet<>();
        for (JsonNode transition : pending) {
            Pending p = new Pending(target, transition);
            listed.add(p.key());
            if (done.containsKey(p.key()) || queue.containsKey(p.key()) || queue.size() >= QUEUE_MAX) continue;
            queue.put(p.key(), p);
            notifyAll();
        }
        // A "done" mark is needed until the notified record reaches the state; once the state no longer lists
        // the transition, the mark can go. Marks of targets with nothing pending any more age out.
        java.util.Set<String> marks = doneByTarget.get(target.id());
        if (marks != null) {
            for (java.util.Iterator<String> it = marks.iterator(); it.hasNext(); ) {
                String key = it.next();
                if (listed.contains(key)) continue;
                it.remove();
                done.remove(key);
            }
            if (marks.isEmpty()) doneByTarget.remove(target.id());
        }
        long nowMs = System.currentTimeMillis();
        while (!done.isEmpty()) {
            Map.Entry<String, Long> oldest = done.firstEntry();
            if (nowMs - oldest.getValue() <= DONE_KEEP_MS) break;
            unmark(oldest.getKey());
        }
    }

    /** Marks a transition posted; guarded by this. */
    private void markDone(Pending p) {
        done.put(p.key(), System.currentTimeMillis());
        doneByTarget.computeIfAbsent(p.target().id(), t -> new java.util.HashSet<>()).add(p.key());
        if (done.size() > DONE_MAX) unmark(done.firstEntry().getKey());
    }

    /** Removes one mark from both indexes; guarded by this. */
    private void unmark(String key) {
        done.remove(key);
        String target = key.substring(0, key.lastIndexOf('/'));
        java.util.Set<String> marks = doneByTarget.get(target);
        if (marks != null && marks.remove(key) && marks.isEmpty()) doneByTarget.remove(target);
    }

    /** Marks held (for tests: bounded, and cleared once the state stops listing them). */
    synchronized int doneMarks() {
        return done.size();
    }

    private void run() {
        while (running) {
            List<Pending> batch = new java.util.ArrayList<>();
            synchronized (this) {
                while (running && queue.isEmpty()) {
                    try {
                        wait(1_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (!running) return;
                // Up to BATCH_MAX transitions of distinct targets, in the order found: a target's next transition
                // waits for the next batch, so each target's posts stay in order.
                java.util.Set<String> targets = new java.util.HashSet<>();
                for (Pending p : queue.values()) {
                    if (targets.add(p.target().id())) batch.add(p);
                    if (batch.size() == BATCH_MAX) break;
                }
            }
            List<Pending> taken = deliverAll(batch);
            recordNotified(taken);
            synchronized (this) {
                for (Pending p : batch) queue.remove(p.key());
                for (Pending p : taken) markDone(p);
            }
        }
    }

    /** Posts each of the batch at once (each with its own retries); returns those the receiver took. */
    private List<Pending> deliverAll(List<Pending> batch) {
        if (batch.size() == 1) return deliver(batch.getFirst()) ? batch : List.of();
        List<java.util.concurrent.Future<Boolean>> outcomes = new java.util.ArrayList<>();
        try (var posts = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Pending p : batch) outcomes.add(posts.submit(() -> deliver(p)));
        }
        List<Pending> taken = new java.util.ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            try {
                if (outcomes.get(i).get()) taken.add(batch.get(i));
            } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                // deliver does not throw; an interrupt means the node is closing
            }
        }
        return taken;
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
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofMillis(ANSWER_TIMEOUT_MS))
                        .header("Content-Type", "application/json").header("Idempotency-Key", p.key())
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 == 2) {
                    posted.increment();
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

    /**
     * Appends {@code health.notified} for the transitions the webhook took, in one append, trying
     * three times. Never posts again: if the records cannot be appended, the transitions stay
     * pending in the state and this node's "done" marks keep it from posting them; only a later
     * owner would, with the same keys. A notified record appended twice is harmless.
     */
    private void recordNotified(List<Pending> taken) {
        if (taken.isEmpty()) return;
        List<NewRecord> records = new java.util.ArrayList<>(taken.size());
        for (Pending p : taken) {
            byte[] data = ("{\"id\":\"" + p.transition().path("id").asText() + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            records.add(new NewRecord(HealthTarget.key(p.target().id()), HealthProcessor.NOTIFIED, null, data));
        }
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                log.append(records);
                return;
            } catch (RuntimeException e) {
                notifiedFailures.increment();
                if (attempt == 3) {
                    LOG.warn("health webhook took {} transitions (the first {}) but their notified records could not be appended: {}",
                            taken.size(), taken.getFirst().key(), e.toString());
                    return;
                }
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Appends of {@code health.notified} that failed (each tried again up to three times in all). */
    long notifiedFailures() {
        return notifiedFailures.sum();
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
