package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.runtime.peer.PeerClient;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered, reliable lane to one member: a bounded queue drained by one sender that sends
 * batches over one connection to the member's peer port ({@link PeerClient}) and hands each ack back. Messages of a
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
    /** How long a batch's answers may take (a catch-up from the log answers late). */
    private static final int ANSWER_TIMEOUT_MS = 5000;

    private final String to;
    private final ClusterService service;
    private final PeerClient client;
    private final BlockingQueue<ReplicaMessage> queue = new ArrayBlockingQueue<>(QUEUE_MAX);
    private final Thread sender;
    private volatile boolean closed;

    /**
     * @param peerAddress the member's peer address (its metadata's {@code peer}), host:port
     * @param service     told of acks and losses; null only for a link that is never offered a message
     */
    ReplicaLink(PeerIdentity self, String to, String peerAddress, ClusterService service, PeerCodec codec,
                PeerCounters counters) {
        this.to = to;
        this.service = service;
        this.client = new PeerClient(to, peerAddress, self, codec, counters);
        this.sender = Thread.ofVirtual().name("ringwork-replica-link-" + to).start(this::run);
    }

    /** The member's peer address as its metadata says now. */
    void address(String peerAddress) {
        client.address(peerAddress);
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
                // A member skips (and answers null to) only kinds it does not know: a Durable, to a member older than it.
                for (ReplicaAck ack : acks) if (ack != null) service.onAck(to, ack);
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
     * sent a request: with the HTTP client replication once used, the first one loaded and linked
     * several hundred classes, which on a busy machine took half a second, all of it inside the
     * first commit of the first partitions it was handed. The peer client is lighter, but its
     * first exchange still connects, does the handshake and loads the MAC's classes: paid here,
     * when the link is made (as the member joins). The connection is kept for the first real
     * batch. A failure loses nothing.
     */
    private void warmUp() throws InterruptedException {
        long startNs = System.nanoTime();
        boolean answered = sendOnce(List.of()) != null;
        LOG.debug("replication link to {} warmed up in {} ms ({})", to, (System.nanoTime() - startNs) / 1_000_000,
                answered ? "answered" : "no answer");
    }

    /**
     * Sends a batch, trying again on a timeout or a broken connection: a busy member (a GC pause,
     * an overloaded machine) is not a lost link. A resent batch is harmless: members take a
     * commit they hold already as a duplicate. Null when every try failed.
     */
    private List<ReplicaAck> send(List<ReplicaMessage> batch) throws InterruptedException {
        for (int attempt = 1; attempt <= SEND_ATTEMPTS && !closed; attempt++) {
            List<ReplicaAck> acks = sendOnce(batch);
            if (acks != null) return acks;
            if (attempt < SEND_ATTEMPTS) Thread.sleep(50L * attempt);
        }
        return null;
    }

    /** One exchange; null when it failed (the connection is then closed, and the next try opens another). */
    private List<ReplicaAck> sendOnce(List<ReplicaMessage> batch) {
        try {
            return client.exchange(batch, ANSWER_TIMEOUT_MS);
        } catch (PeerCodec.TermOutOfRange e) {
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
        client.close();
    }
}
