package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered, reliable lane to one member: a bounded queue drained by one sender that posts
 * batches to the member's {@code /internal/v1/replicate} and hands each ack back. Messages of a
 * partition are queued under that partition's lock, so they leave in the order they were made.
 * When a send fails or the queue is full, the messages are gone: every partition that had some
 * in flight is told ({@link ClusterService#linkFailed}), and its owner says Hello again later.
 */
final class ReplicaLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLink.class);
    /** A batch whose answers took at least this long is logged: its partitions' commits waited that long. */
    static final long SLOW_BATCH_MS = 150;
    static final int QUEUE_MAX = 4096;
    private static final int BATCH_MAX = 256;
    private static final int SEND_ATTEMPTS = 3;

    private final String self;
    private final String to;
    private final ClusterService service;
    private final HttpClient http;
    private final BlockingQueue<ReplicaMessage> queue = new ArrayBlockingQueue<>(QUEUE_MAX);
    private final Thread sender;
    private volatile URI uri;
    private volatile boolean closed;

    ReplicaLink(String self, String to, String httpAddress, ClusterService service, HttpClient http) {
        this.self = self;
        this.to = to;
        this.service = service;
        this.http = http;
        address(httpAddress);
        this.sender = Thread.ofVirtual().name("ringwork-replica-link-" + to).start(this::run);
    }

    void address(String httpAddress) {
        this.uri = URI.create("http://" + httpAddress + "/internal/v1/replicate");
    }

    /** Queues a message; false when the queue is full (the caller treats it as lost). */
    boolean offer(ReplicaMessage message) {
        return !closed && queue.offer(message);
    }

    /** Room for bulk traffic (snapshot pages) without crowding out commits. */
    boolean hasRoom() {
        return queue.size() < QUEUE_MAX / 4;
    }

    private void run() {
        try {
            warmUp();
        } catch (InterruptedException e) {
            return;
        }
        List<ReplicaMessage> batch = new ArrayList<>(BATCH_MAX);
        while (!closed) {
            try {
                ReplicaMessage first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, BATCH_MAX - 1);
                long sentNs = System.nanoTime();
                List<ReplicaAck> acks = send(batch);
                long tookMs = (System.nanoTime() - sentNs) / 1_000_000;
                if (acks != null && tookMs >= SLOW_BATCH_MS) {
                    // Every partition with messages in this batch (and those queued behind it) waited this long for its answers.
                    LOG.info("replication to {}: {} messages answered after {} ms", to, batch.size(), tookMs);
                }
                if (acks == null) {
                    failed(batch);
                    Thread.sleep(100);
                    continue;
                }
                for (ReplicaAck ack : acks) service.onAck(to, ack);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("replication link to {} failed", to, e);
                failed(batch);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * Sends one empty batch before anything else. A node that has only followed so far has never
     * sent a request: its HTTP client loads and links several hundred classes on the first one,
     * which on a busy machine took half a second, all of it inside the first commit of the first
     * partitions it was handed. Paid here instead, when the link is made (as the member joins).
     * The connection it opens is kept for the first real batch. A failure loses nothing.
     */
    private void warmUp() throws InterruptedException {
        long startNs = System.nanoTime();
        boolean answered = sendOnce(ReplicaCodec.encodeBatch(self, List.of()), 0) != null;
        LOG.debug("replication link to {} warmed up in {} ms ({})", to, (System.nanoTime() - startNs) / 1_000_000,
                answered ? "answered" : "no answer");
    }

    /**
     * Sends a batch, trying again on a timeout or a broken connection: a busy member (a GC pause,
     * an overloaded machine) is not a lost link. A resent batch is harmless: members take a
     * commit they hold already as a duplicate. Null when every try failed.
     */
    private List<ReplicaAck> send(List<ReplicaMessage> batch) throws InterruptedException {
        byte[] body = ReplicaCodec.encodeBatch(self, batch);
        for (int attempt = 1; attempt <= SEND_ATTEMPTS && !closed; attempt++) {
            List<ReplicaAck> acks = sendOnce(body, batch.size());
            if (acks != null) return acks;
            if (attempt < SEND_ATTEMPTS) Thread.sleep(50L * attempt);
        }
        return null;
    }

    private List<ReplicaAck> sendOnce(byte[] body, int messages) throws InterruptedException {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                LOG.debug("replication to {} answered {}", to, response.statusCode());
                return null;
            }
            List<ReplicaAck> acks = ReplicaCodec.decodeAcks(response.body());
            return acks.size() == messages ? acks : null;
        } catch (ReplicaCodec.TermOutOfRange e) {
            service.termRefused();
            LOG.warn("replication to {}: its answer refused: {}", to, e.getMessage());
            return null;
        } catch (java.io.IOException e) {
            LOG.debug("replication to {} failed: {}", to, e.toString());
            return null;
        }
    }

    /**
     * Everything in flight and queued is lost. Every owner is told first, so none queues more
     * behind the loss (a message slipping in between would arrive after the owner's next Hello
     * and throw off its count of answers); then the queue is emptied.
     */
    private void failed(List<ReplicaMessage> batch) {
        service.linkDown(to);
        queue.clear();
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
    }
}
