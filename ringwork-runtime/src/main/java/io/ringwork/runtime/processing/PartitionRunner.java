package io.ringwork.runtime.processing;

import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.CheckpointTracker;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/** The processing state of one owned partition. Shared by its reader, the workers and the committer. */
final class PartitionRunner {
    /** A record applied by a worker and waiting for its commit. */
    record Applied(KeyQueue queue, long offset, ApplyOutcome outcome) {}

    final int partition;
    /** Guarded by itself. */
    final CheckpointTracker tracker;
    final ConcurrentHashMap<String, KeyQueue> keys = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Applied> applied = new ConcurrentLinkedQueue<>();
    /** One permit per record that may be in flight: the reader's backpressure. */
    final Semaphore permits;
    private final int maxInFlight;
    volatile boolean running = true;
    volatile long lastDispatched;
    volatile long checkpoint;
    /**
     * The reader's position once every record before it was dispatched (-1 before the first poll):
     * with no record in flight and this at the log's end, the partition is idle. Offsets may skip,
     * so the checkpoint alone cannot say that.
     */
    volatile long readPosition = -1;
    Thread reader;

    PartitionRunner(int partition, long checkpoint, int maxInFlight, int checkpointWindow) {
        this.partition = partition;
        this.tracker = new CheckpointTracker(checkpoint, checkpointWindow);
        this.permits = new Semaphore(maxInFlight);
        this.maxInFlight = maxInFlight;
        this.checkpoint = checkpoint;
        this.lastDispatched = checkpoint;
    }

    /** True when every record read has been committed (permits come back only after the commit). */
    boolean drained() {
        return permits.availablePermits() == maxInFlight;
    }

    /** Records read and not yet committed. */
    int inFlight() {
        return maxInFlight - permits.availablePermits();
    }

    boolean windowHasRoom() {
        synchronized (tracker) {
            return tracker.hasRoom();
        }
    }
}
