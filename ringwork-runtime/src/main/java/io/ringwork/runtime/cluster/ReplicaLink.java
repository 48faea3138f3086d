package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.runtime.peer.PeerClient;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered, reliable lane to one member: a bounded queue drained by one sender that sends
 * batches over one connection to the member's peer port ({@link PeerClient#pipeline}), and a
 * reader that hands each batch's acks back, in the order the batches went. Messages of a
 * partition are queued under that partition's lock, so they leave in the order they were made.
 *
 * <p><b>Pipelined.</b> Up to {@link #WINDOW} batches are on their way at once: the sender does not
 * wait for a batch's answers before sending the next. Stop-and-wait (one batch, then its answers)
 * made every message wait for the answers to the batch before it, handing those acks over
 * included (the owner's monitor, which the engine's commit holds while it writes): a commit, and
 * the owner's word that makes it durable on a replica's feed, each waited up to one more round
 * trip per hop. The member answers a connection's batches one after the other, so answers still
 * come back in order; while the window is full, messages batch up in the queue as before.
 *
 * <p><b>Failures.</b> When the connection fails (an answer later than {@link #ANSWER_TIMEOUT_MS},
 * a broken connection), the batches on their way go again, in order, on a fresh connection, after
 * 50 and then 100 ms: a busy member (a GC pause, an overloaded machine) is not a lost link, and a
 * member takes a commit it holds already as a duplicate. Answers are handed over once per
 * message: those of a batch whose connection failed before they were handed over are dropped and
 * the batch's resend answers instead. After {@link #SEND_ATTEMPTS} failures without an answer in
 * between, or when the queue is full, the messages are gone: every partition that had some in
 * flight is told ({@link Sink#linkDown}), and its owner says Hello again later.
 */
final class ReplicaLink implements AutoCloseable {
    /** Where a link's news goes: the node's {@link ClusterService}. */
    interface Sink {
        /** An answer from {@code from}, handed over in the order its messages were queued. */
        void onAck(String from, ReplicaAck ack);

        /** The link to {@code to} lost what it had in flight and queued. */
        void linkDown(String to);

        /** An answer carried a term no member makes. */
        void termRefused();
    }

    private static final Logger LOG = LoggerFactory.getLogger(ReplicaLink.class);
    /** A batch whose answers took at least this long is logged: its partitions' commits waited that long. */
    static final long SLOW_BATCH_MS = 150;
    static final int QUEUE_MAX = 4096;
    private static final int BATCH_MAX = 256;
    /** Batches sent and not yet answered, at most. */
    static final int WINDOW = 4;
    private static final int SEND_ATTEMPTS = 3;
    /** How long a batch's answers may take once the reader waits for them (a catch-up from the log answers late). */
    private static final int ANSWER_TIMEOUT_MS = 5000;

    /** One request frame on its way, and when it was (last) written. */
    private static final class Sent {
        final PeerClient.Frame frame;
        long sentNs;

        Sent(PeerClient.Frame frame) {
            this.frame = frame;
        }
    }

    private final String to;
    private final Sink service;
    private final PeerClient client;
    private final BlockingQueue<ReplicaMessage> queue = new ArrayBlockingQueue<>(QUEUE_MAX);
    private final Thread sender;
    private volatile boolean closed;

    /** Guards the fields below. The sender waits on it for room in the window, a reader for a batch to answer. */
    private final Object lock = new Object();
    /** Frames written on {@link #pipe} and not answered yet, oldest first. */
    private final ArrayDeque<Sent> inFlight = new ArrayDeque<>();
    /** The connection batches go out on; null before the first one and after a failure. */
    private PeerClient.Pipeline pipe;
    /** {@link #pipe} failed (either thread may find out): the sender starts over on a fresh one. */
    private boolean broken;
    /** Failures since the last answer. */
    private int failures;
    /** Handing an answer over failed: the messages in flight are lost, not resent. */
    private boolean lose;
    /**
     * Held while answers, or a loss, are handed to the service: one at a time, in the order the
     * batches went. The sender takes it before it takes back the batches of a failed connection,
     * so no answer of that connection is handed over after them. Never taken under {@link #lock}.
     */
    private final ReentrantLock handing = new ReentrantLock();

    /**
     * @param peerAddress the member's peer address (its metadata's {@code peer}), host:port
     * @param service     told of acks and losses; null only for a link that is never offered a message
     */
    ReplicaLink(PeerIdentity self, String to, String peerAddress, Sink service, PeerCodec codec,
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
        while (!closed) {
            try {
                if (isBroken()) {
                    recover();
                    continue;
                }
                if (!awaitRoom()) continue;
                ReplicaMessage first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                List<ReplicaMessage> batch = new ArrayList<>(Math.min(BATCH_MAX, queue.size() + 1));
                batch.add(first);
                queue.drainTo(batch, BATCH_MAX - 1);
                List<PeerClient.Frame> frames;
                try {
                    frames = client.frames(batch);
                } catch (IOException e) {
                    // One message passes the frame limit: it can never go. What is queued behind it goes with it.
                    LOG.warn("replication to {}: {}", to, e.getMessage());
                    loseAll();
                    continue;
                }
                // Each frame is in flight once write returns, written or not (broken): the next round resends it with the rest.
                for (PeerClient.Frame frame : frames) write(new Sent(frame));
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("replication link to {} failed", to, e);
                loseAll();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private boolean isBroken() {
        synchronized (lock) {
            return broken;
        }
    }

    /**
     * Waits until the window has room (and, when the connection is due to be replaced, until
     * nothing is on its way on it: it is then closed, and the next write opens another). False
     * when the connection broke meanwhile.
     */
    private boolean awaitRoom() throws InterruptedException {
        PeerClient.Pipeline replaced = null;
        synchronized (lock) {
            while (!closed && !broken && (inFlight.size() >= WINDOW || (pipe != null && pipe.stale() && !inFlight.isEmpty()))) {
                lock.wait(100);
            }
            if (closed || broken) return false;
            if (pipe != null && pipe.stale()) {
                // Idle too long (the member may have closed it) or, with TLS, too old: nothing is on
                // its way, so its reader only waits; it sees the change and ends.
                replaced = pipe;
                pipe = null;
                lock.notifyAll();
            }
        }
        if (replaced != null) replaced.close();
        return true;
    }

    /**
     * Writes a frame on the connection, opening one (and its reader) if there is none; false when
     * the connection is broken. The frame is counted in flight first, so that a reader expects its
     * answer and a failure resends it.
     */
    private boolean write(Sent sent) {
        PeerClient.Pipeline p;
        synchronized (lock) {
            sent.sentNs = System.nanoTime();
            inFlight.addLast(sent);
            lock.notifyAll(); // a reader waiting for something to answer
            if (broken) return false;
            p = pipe;
        }
        try {
            if (p == null) p = open();
            p.write(sent.frame);
            return true;
        } catch (IOException e) {
            LOG.debug("replication to {} failed: {}", to, e.toString());
            if (p == null) {
                synchronized (lock) {
                    broken = true; // no connection, so no reader: the sender takes the frames back
                }
            } else {
                broken(p);
            }
            return false;
        }
    }

    /** Opens a connection and starts the reader of its answers. */
    private PeerClient.Pipeline open() throws IOException {
        PeerClient.Pipeline p = client.pipeline();
        synchronized (lock) {
            if (closed) {
                p.close();
                throw new IOException("the link is closed");
            }
            pipe = p;
        }
        Thread.ofVirtual().name("ringwork-replica-answers-" + to).start(() -> readAnswers(p));
        return p;
    }

    /** {@code p} failed; news of a connection already replaced is old and ignored. */
    private void broken(PeerClient.Pipeline p) {
        synchronized (lock) {
            if (pipe != p) return;
            broken = true;
            lock.notifyAll();
        }
        p.close(); // a thread blocked on it fails, and sees it replaced
    }

    /** The reader of one connection: reads the answers to its batches, in order, and hands them over. */
    private void readAnswers(PeerClient.Pipeline p) {
        while (true) {
            Sent head;
            synchronized (lock) {
                try {
                    while (!closed && pipe == p && !broken && inFlight.isEmpty()) lock.wait();
                } catch (InterruptedException e) {
                    return;
                }
                if (closed || pipe != p || broken) return;
                head = inFlight.peekFirst();
            }
            List<ReplicaAck> acks;
            try {
                acks = p.answers(head.frame.messages().size(), ANSWER_TIMEOUT_MS);
            } catch (PeerCodec.TermOutOfRange e) {
                if (service != null) service.termRefused();
                LOG.warn("replication to {}: its answer refused: {}", to, e.getMessage());
                broken(p);
                return;
            } catch (IOException | RuntimeException e) {
                // A RuntimeException: an answer that does not decode. Either way nothing more is
                // known of this connection's batches; they go again on another.
                LOG.debug("replication to {} failed: {}", to, e.toString());
                broken(p);
                return;
            }
            handing.lock();
            try {
                synchronized (lock) {
                    // The sender took the batches back meanwhile (this connection failed): they go again.
                    if (pipe != p || broken || inFlight.peekFirst() != head) return;
                    inFlight.pollFirst();
                    failures = 0;
                    lock.notifyAll(); // room in the window
                }
                long tookMs = (System.nanoTime() - head.sentNs) / 1_000_000;
                if (tookMs >= SLOW_BATCH_MS) {
                    // Every partition with messages in this batch (and those queued behind it) waited this long for its answers.
                    LOG.info("replication to {}: {} messages answered after {} ms", to, head.frame.messages().size(), tookMs);
                }
                // A member skips (and answers null to) only kinds it does not know: a Durable, to a member older than it.
                try {
                    for (ReplicaAck ack : acks) if (ack != null && service != null) service.onAck(to, ack);
                } catch (RuntimeException e) {
                    // Some answers of the batch were handed over, some not: its messages cannot be
                    // sent again (the owner would count answers twice). Everything on the link is lost.
                    LOG.warn("replication link to {} failed", to, e);
                    synchronized (lock) {
                        lose = true;
                    }
                    broken(p);
                    return;
                }
            } finally {
                handing.unlock();
            }
        }
    }

    /**
     * The connection failed: takes back the batches on their way and sends them again, in order,
     * on a fresh connection, after 50 ms, then 100 ms; at the third failure without an answer in
     * between (or after a failed hand-over), everything is lost instead.
     */
    private void recover() throws InterruptedException {
        List<Sent> again;
        boolean lost;
        int attempt;
        PeerClient.Pipeline failed;
        handing.lock(); // no answer of the failed connection is handed over after this
        try {
            synchronized (lock) {
                again = new ArrayList<>(inFlight);
                inFlight.clear();
                failed = pipe;
                pipe = null;
                broken = false;
                attempt = ++failures;
                lost = lose || attempt >= SEND_ATTEMPTS;
                lock.notifyAll(); // the old reader ends
            }
        } finally {
            handing.unlock();
        }
        if (failed != null) failed.close();
        if (lost) {
            loseAll();
            Thread.sleep(100);
            return;
        }
        Thread.sleep(50L * attempt);
        // In order, before anything queued since. Broken again: the next round takes them back once more.
        for (Sent sent : again) write(sent);
    }

    /**
     * Everything in flight and queued is lost. Every owner is told first, so none queues more
     * behind the loss (a message slipping in between would arrive after the owner's next Hello
     * and throw off its count of answers); then the queue is emptied. Sender thread only.
     */
    private void loseAll() {
        PeerClient.Pipeline failed;
        handing.lock();
        try {
            synchronized (lock) {
                inFlight.clear();
                failed = pipe;
                pipe = null;
                broken = false;
                failures = 0;
                lose = false;
                lock.notifyAll();
            }
            if (service != null) service.linkDown(to);
            queue.clear();
        } finally {
            handing.unlock();
        }
        if (failed != null) failed.close();
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
        boolean answered;
        try {
            answered = client.exchange(List.of(), ANSWER_TIMEOUT_MS) != null;
        } catch (PeerCodec.TermOutOfRange e) {
            if (service != null) service.termRefused();
            answered = false;
        } catch (IOException e) {
            answered = false;
        }
        if (Thread.interrupted()) throw new InterruptedException();
        LOG.debug("replication link to {} warmed up in {} ms ({})", to, (System.nanoTime() - startNs) / 1_000_000,
                answered ? "answered" : "no answer");
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        PeerClient.Pipeline p;
        synchronized (lock) {
            p = pipe;
            lock.notifyAll();
        }
        if (p != null) p.close();
        client.close();
    }
}
