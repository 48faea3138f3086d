package io.ringwork.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.ringwork.core.health.HealthTarget;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.record.NewRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The webhook posts a transition once even when the record that says so cannot be appended: it
 * used to treat the failed append like a failed post and post again (one way HealthClusterTest saw
 * a transition reach the receiver twice around a kill, when appends to a partition wait for a dead
 * replica), and a later scan that still finds the transition pending does not post it either.
 */
class HealthWebhookTest {
    /** A log whose appends all fail, as one whose partition lost its replicas. */
    private static final class FailingLog implements RecordLog {
        final AtomicInteger appends = new AtomicInteger();

        @Override
        public int partitionCount() {
            return 1;
        }

        @Override
        public List<AppendResult> append(List<NewRecord> records) {
            appends.incrementAndGet();
            throw new IllegalStateException("log unavailable");
        }

        @Override
        public PartitionReader reader(int partition, long fromOffset) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long endOffset(int partition) {
            return 0;
        }

        @Override
        public long startOffset(int partition) {
            return 0;
        }

        @Override
        public void commitCheckpoints(String group, long[] checkpointByPartition) {}

        @Override
        public void close() {}
    }

    /** A receiver on loopback that takes every post (204) and counts them by {@code Idempotency-Key}. */
    private static HttpServer countingReceiver(Map<String, AtomicInteger> posts) throws java.io.IOException {
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            posts.computeIfAbsent(exchange.getRequestHeaders().getFirst("Idempotency-Key"), k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        return receiver;
    }

    @Test
    void aTransitionTheReceiverTookIsNotPostedAgainWhenItsNotifiedRecordFails() throws Exception {
        Map<String, AtomicInteger> posts = new ConcurrentHashMap<>();
        HttpServer receiver = countingReceiver(posts);
        FailingLog log = new FailingLog();
        HealthWebhook webhook = new HealthWebhook(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"), log, id -> true);
        try {
            HealthTarget target = HealthTarget.parse("web", JsonStateCodec.mapper().readTree("{\"tcp\":\"h:1\"}"));
            JsonNode pending = JsonStateCodec.mapper().readTree(
                    "[{\"id\":\"3-100\",\"status\":\"unhealthy\",\"sinceMs\":100,\"checker\":\"n1\",\"epoch\":3,\"error\":\"refused\"}]");
            webhook.pending(target, pending);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> log.appends.get() == 3);
            // The next scans still find it pending (the notified record never landed): no second post.
            webhook.pending(target, pending);
            Thread.sleep(500);
            webhook.pending(target, pending);
            Thread.sleep(500);
            assertThat(posts).containsOnlyKeys("web/3-100");
            assertThat(posts.get("web/3-100").get()).as("posts of the one transition").isEqualTo(1);
            assertThat(webhook.posted()).isEqualTo(1);
            assertThat(webhook.notifiedFailures()).isEqualTo(3);
        } finally {
            webhook.close();
            receiver.stop(0);
        }
    }

    /**
     * A deposed owner's post ends within {@link HealthWebhook#POST_MAX_MS} even when the receiver
     * never answers, and is not tried again once the node no longer owns the target, so a new owner
     * that waits out its takeover grace never posts beside it.
     */
    @Test
    void aPostToAReceiverThatNeverAnswersEndsWithinItsBoundAndIsNotRetriedByADeposedOwner() throws Exception {
        assertThat(HealthService.WEBHOOK_TAKEOVER_GRACE_MS).isGreaterThan(HealthWebhook.POST_MAX_MS);
        AtomicInteger posts = new AtomicInteger();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            posts.incrementAndGet();
            try {
                release.await(); // never answers while the test runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        receiver.start();
        java.util.concurrent.atomic.AtomicBoolean owns = new java.util.concurrent.atomic.AtomicBoolean(true);
        FailingLog log = new FailingLog();
        HealthWebhook webhook = new HealthWebhook(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"), log, id -> owns.get());
        try {
            HealthTarget target = HealthTarget.parse("web", JsonStateCodec.mapper().readTree("{\"tcp\":\"h:1\"}"));
            webhook.pending(target, JsonStateCodec.mapper().readTree(
                    "[{\"id\":\"3-100\",\"status\":\"unhealthy\",\"sinceMs\":100,\"checker\":\"n1\",\"epoch\":3}]"));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> posts.get() == 1);
            long postedAtNs = System.nanoTime();
            owns.set(false); // the partition moved while the post is in flight
            await().atMost(Duration.ofMillis(HealthWebhook.POST_MAX_MS + 2_000)).pollInterval(Duration.ofMillis(20))
                    .until(() -> webhook.failures() == 1);
            long endedAfterMs = (System.nanoTime() - postedAtNs) / 1_000_000;
            assertThat(endedAfterMs).as("the post's life").isLessThanOrEqualTo(HealthWebhook.POST_MAX_MS);
            Thread.sleep(1_000); // past the first backoff (100 ms): a deposed owner does not try again
            assertThat(posts.get()).as("posts").isEqualTo(1);
            assertThat(webhook.posted()).isZero();
            assertThat(log.appends.get()).as("notified records of a post never answered").isZero();
        } finally {
            release.countDown();
            webhook.close();
            receiver.stop(0);
        }
    }

    /** A target's "done" marks go once the state stops listing its transitions; another target's stay. */
    @Test
    void doneMarksOfATargetGoWhenItsStateNoLongerListsThemAndOnlyThen() throws Exception {
        Map<String, AtomicInteger> posts = new ConcurrentHashMap<>();
        HttpServer receiver = countingReceiver(posts);
        FailingLog log = new FailingLog();
        HealthWebhook webhook = new HealthWebhook(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"), log, id -> true);
        try {
            HealthTarget a = HealthTarget.parse("a:1", JsonStateCodec.mapper().readTree("{\"tcp\":\"h:1\"}"));
            HealthTarget b = HealthTarget.parse("b", JsonStateCodec.mapper().readTree("{\"tcp\":\"h:1\"}"));
            JsonNode pending = JsonStateCodec.mapper().readTree("[{\"id\":\"3-100\",\"status\":\"unhealthy\",\"sinceMs\":100}]");
            webhook.pending(a, pending);
            webhook.pending(b, pending);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> webhook.doneMarks() == 2);
            webhook.pending(a, pending); // still listed: the mark stays, nothing posted again
            assertThat(webhook.doneMarks()).isEqualTo(2);
            webhook.pending(a, JsonStateCodec.mapper().readTree("[]")); // a's notified record landed
            assertThat(webhook.doneMarks()).isEqualTo(1);
            webhook.pending(b, pending);
            assertThat(webhook.doneMarks()).isEqualTo(1);
            assertThat(posts).containsOnlyKeys("a:1/3-100", "b/3-100");
            assertThat(posts.values()).allMatch(n -> n.get() == 1);
        } finally {
            webhook.close();
            receiver.stop(0);
        }
    }
}
