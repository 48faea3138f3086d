package io.ringwork.runtime.feed;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the changes of the partitions this node runs to an outside topic ({@code --changes-topic}),
 * at least once, from this node's own change feed: asynchronously, on a thread of its own, so the
 * engine's commit path never waits for it. Each partition is published by the node that runs it,
 * not by every node. Where to resume after a takeover, a restart or a failed send is
 * {@link PublishCursor}'s; a node whose feed of a gained partition cannot prove it holds every
 * change (it jumped by snapshot, or retention trimmed the feed) sends the partition's states too.
 *
 * <p>Bounded: at most {@link #MAX_IN_FLIGHT} sends wait for the sink's acknowledgement; at the limit
 * the publisher waits (the feed keeps the rest, and the lag grows). A sink that refuses or fails a
 * send is retried with backoff, with a WARN every {@link #WARN_EVERY_MS} while it lasts, and a
 * publisher that acknowledged nothing for that long while changes wait says so, never silently.
 * Thread-safe: {@link #wake} and {@link #close} from any thread.
 */
public final class ChangesPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangesPublisher.class);
    public static final int MAX_IN_FLIGHT = 8_192;
    static final int PAGE = 1_000;
    static final int STATE_PAGE = 256;
    static final int REPLAY_PAGES_PER_ROUND = 4;
    static final long IDLE_PARK_MS = 50;
    static final long WARN_EVERY_MS = 10_000;
    static final long RETRY_BACKOFF_MS = 500;
    /** The change type of a state sent in place of changes its feed lacks (see the class comment). */
    public static final String STATE_TYPE = "ringwork.state";

    /** Where changes go: the Kafka topic in a node, a fake in tests. */
    public interface Sink extends AutoCloseable {
        /**
         * Sends one change; calls {@code done} once, from any thread, with null when the change is
         * acknowledged or with the failure. Throws when it could not even take it (then {@code done}
         * is not called).
         */
        void send(Change change, Consumer<Exception> done);

        /** Waits up to {@code timeoutMs} for what was sent to be acknowledged, then releases everything. */
        void close(long timeoutMs);

        @Override
        default void close() {
            close(5_000);
        }
    }

    /** What the publisher reads: the node's feed, its store and which partitions it runs. */
    public interface Source {
        int partitions();

        /** Up to {@code limit} retained feed entries from {@code from} on (see {@code StateStore#changes}). */
        List<FeedEntry> changes(long from, int limit);

        long feedEnd();

        boolean runs(int partition);

        /**
         * True when this node's feed may lack changes of the partition at or below its checkpoint:
         * it jumped by snapshot ({@code StateStore#feedGap}), or retention trimmed the feed's start.
         */
        boolean feedIncomplete(int partition);

        /** Up to {@code limit} of the partition's states after {@code afterKey} (null: from the first), as changes. */
        List<Change> states(int partition, String afterKey, int limit);
    }

    private record Failure(long position, int partition, Exception cause) {}

    private final Source source;
    private final Sink sink;
    private final String target;
    private final PublishCursor cursor;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    /** Filled by send callbacks, drained by the publisher thread; at most MAX_IN_FLIGHT entries. */
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong statesPublished = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong rescans = new AtomicLong();
    private final boolean[] statesOwed;
    private volatile long next;
    private volatile boolean closed;
    private final Thread thread;
    /** Where the re-send of gained partitions ends (the main cursor at the gain), while it is under way; else -1. */
    private long rescanUntil = -1;
    /** Feed positions the replay has still to read (for {@link #lag}). */
    private volatile long replayLeft;
    private long rescanStartNs;
    private long rescanSent;
    private String rescanPartitions;
    private final AtomicLong rescanChanges = new AtomicLong();
    private long lastWarnMs;
    private long lastProgressMs = System.currentTimeMillis();
    private long lastProgressCount;

    /** Starts publishing on a thread of its own. {@code target} names the sink in log lines. */
    public ChangesPublisher(Source source, Sink sink, String target) {
        this.source = source;
        this.sink = sink;
        this.target = target;
        this.cursor = new PublishCursor(source.partitions());
        this.statesOwed = new boolean[source.partitions()];
        this.thread = Thread.ofPlatform().daemon().name("ringwork-changes-publisher").start(this::run);
    }

    /** Tells the publisher the feed grew; it also looks every {@value #IDLE_PARK_MS} ms on its own. */
    public void wake() {
        LockSupport.unpark(thread);
    }

    /** Changes acknowledged by the sink (states sent for a feed that lacked changes included). */
    public long published() {
        return published.get();
    }

    /** States sent in place of changes a gained partition's feed could not prove it holds. */
    public long statesPublished() {
        return statesPublished.get();
    }

    /** Sends that failed (each was sent again). */
    public long failures() {
        return failed.get();
    }

    /** Times this node re-sent partitions it gained from the start of its retained feed. */
    public long rescans() {
        return rescans.get();
    }

    /**
     * Changes sent by re-sends of gained partitions' retained feeds so far (counted once the replay
     * is over): what takeovers cost the topic in repeats.
     */
    public long rescanChanges() {
        return rescanChanges.get();
    }

    /**
     * Feed positions not yet read by the publisher (main cursor and replay) plus sends not yet
     * acknowledged: an upper bound on the changes this node still owes the topic (positions of
     * partitions it does not run count until the cursors pass them).
     */
    public long lag() {
        return Math.max(0, source.feedEnd() - next) + replayLeft + (MAX_IN_FLIGHT - inFlight.availablePermits());
    }

    private void run() {
        while (!closed) {
            try {
                step();
            } catch (InterruptedException e) {
                if (closed) return;
            } catch (RuntimeException e) {
                if (closed) return;
                warn("publishing changes to " + target + " failed: " + e + "; retrying", e);
                pause(RETRY_BACKOFF_MS);
            }
        }
    }

    /**
     * One round: take failures and ownership changes, then send a few pages of the replay (gained
     * partitions' entries from before the gain, and after it until their replay is over) and one
     * page of the feed's new entries, so a takeover's re-send does not hold the new changes of the
     * partitions run here already.
     */
    void step() throws InterruptedException {
        takeFailures();
        int[] gained = cursor.owners(source::runs);
        if (gained.length > 0) {
            rescans.incrementAndGet();
            LOG.info("publishing changes of partitions {} to {}: re-sending their retained feed", java.util.Arrays.toString(gained), target);
            for (int p : gained) statesOwed[p] = source.feedIncomplete(p);
            if (rescanUntil >= 0) rescanChanges.addAndGet(rescanSent); // a re-send under way starts over from the feed's start
            rescanUntil = cursor.replayEnd();
            rescanStartNs = System.nanoTime();
            rescanSent = 0;
            rescanPartitions = java.util.Arrays.toString(gained);
        }
        for (int p = 0; p < statesOwed.length; p++) {
            if (statesOwed[p] && cursor.runs(p)) {
                if (!sendStates(p)) return;
            }
            statesOwed[p] = false;
        }
        // The replay gets a few pages per round: the main cursor hands it the entries of replaying
        // partitions it meets, so at the main cursor's pace it would never catch up under a backlog.
        for (int i = 0; i < REPLAY_PAGES_PER_ROUND && cursor.replaying(); i++) {
            if (!replayPage()) return;
        }
        replayLeft = cursor.replaying() ? cursor.replayEnd() - cursor.replayNext() : 0;
        finishRescan();
        List<FeedEntry> page = source.changes(cursor.next(), PAGE);
        if (page.isEmpty()) {
            checkStalled();
            if (!cursor.replaying()) LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(IDLE_PARK_MS));
            return;
        }
        for (FeedEntry entry : page) {
            if (closed) return;
            if (cursor.accept(entry) && !send(entry.change(), entry.position())) return;
            cursor.advance(entry.position());
            next = cursor.next();
        }
        checkStalled();
    }

    /** One page of the replay; false when a send could not be made (the loop comes back). */
    private boolean replayPage() throws InterruptedException {
        List<FeedEntry> page = source.changes(cursor.replayNext(), PAGE);
        if (page.isEmpty()) {
            cursor.replayDone(); // retention took the rest of what was to replay
            return true;
        }
        for (FeedEntry entry : page) {
            if (closed) return false;
            if (entry.position() >= cursor.replayEnd()) {
                cursor.replayDone();
                return true;
            }
            if (cursor.acceptReplay(entry)) {
                if (!send(entry.change(), entry.position())) return false;
                rescanSent++;
            }
            cursor.advanceReplay(entry.position());
        }
        return true;
    }

    /** Says how many changes the re-send of gained partitions took, and how long, once it is over. */
    private void finishRescan() {
        if (rescanUntil < 0 || cursor.replaying()) return;
        rescanChanges.addAndGet(rescanSent);
        if (rescanUntil > 0) {
            LOG.info("re-sent {} changes of the retained feed for partitions {} gained (feed positions below {}) in {} ms", rescanSent,
                    rescanPartitions, rescanUntil, (System.nanoTime() - rescanStartNs) / 1_000_000);
        }
        rescanSent = 0;
        rescanUntil = -1;
    }

    /** The partition's states, in key order; false when a send could not be made (the loop comes back). */
    private boolean sendStates(int partition) throws InterruptedException {
        String after = null;
        long sent = 0;
        while (!closed) {
            List<Change> states = source.states(partition, after, STATE_PAGE);
            if (states.isEmpty()) break;
            for (Change state : states) {
                if (!send(state, -1)) return false;
                sent++;
            }
            after = states.getLast().key();
        }
        statesPublished.addAndGet(sent);
        LOG.info("sent {} states of partition {} to {}: this node's feed of it may lack changes (snapshot or retention)",
                sent, partition, target);
        return true;
    }

    /** Sends one change (position -1: a state); false when it could not be handed to the sink. */
    private boolean send(Change change, long position) throws InterruptedException {
        while (!inFlight.tryAcquire(250, TimeUnit.MILLISECONDS)) {
            if (closed) return false;
            checkStalled();
            // A failure waiting means what follows will be sent again anyway: go back first.
            if (!failures.isEmpty()) return false;
        }
        try {
            sink.send(change, failure -> {
                inFlight.release();
                if (failure == null) {
                    published.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    failures.add(new Failure(position, change.partition(), failure));
                    wake();
                }
            });
            return true;
        } catch (RuntimeException e) {
            inFlight.release();
            failed.incrementAndGet();
            rewind(new Failure(position, change.partition(), e));
            warn("cannot send changes to " + target + " (" + e + "); retrying every " + RETRY_BACKOFF_MS + " ms", null);
            pause(RETRY_BACKOFF_MS);
            return false;
        }
    }

    private void takeFailures() {
        Failure first = null;
        for (Failure f; (f = failures.poll()) != null; ) {
            rewind(f);
            if (first == null) first = f;
        }
        if (first != null) {
            warn("sending changes to " + target + " failed (" + first.cause() + "); sending them again", null);
        }
    }

    private void rewind(Failure f) {
        if (f.position() < 0) {
            statesOwed[f.partition()] = true;
        } else {
            cursor.failed(f.position(), f.partition());
            next = cursor.next();
            replayLeft = cursor.replaying() ? cursor.replayEnd() - cursor.replayNext() : 0;
        }
    }

    /** A WARN while changes wait and nothing was acknowledged for WARN_EVERY_MS: Kafka slow or away. */
    private void checkStalled() {
        long nowMs = System.currentTimeMillis();
        long count = published.get();
        if (count != lastProgressCount || lag() == 0) {
            lastProgressCount = count;
            lastProgressMs = nowMs;
            return;
        }
        if (nowMs - lastProgressMs >= WARN_EVERY_MS) {
            warn("no change acknowledged by " + target + " for " + (nowMs - lastProgressMs) / 1000 + " s, " + lag()
                    + " waiting; is Kafka reachable?", null);
        }
    }

    private void warn(String message, Throwable cause) {
        long nowMs = System.currentTimeMillis();
        if (nowMs - lastWarnMs < WARN_EVERY_MS) return;
        lastWarnMs = nowMs;
        if (cause != null) LOG.warn(message, cause);
        else LOG.warn(message);
    }

    private void pause(long ms) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /**
     * Stops the thread, then gives the sink up to {@code timeoutMs} to deliver what it holds.
     * Changes not acknowledged by then are the next owner's to send (it re-sends from its feed).
     */
    public void close(long timeoutMs) {
        if (closed) return;
        closed = true;
        wake();
        try {
            thread.join(Math.max(1, timeoutMs));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sink.close(timeoutMs);
    }

    @Override
    public void close() {
        close(5_000);
    }
}
