package io.ringwork.core.processing;

import io.ringwork.core.util.Invariants;

/**
 * The checkpoint of one partition: the highest offset L such that every record at or below L
 * that was dispatched has completed. Records complete out of order (different keys run in
 * parallel); the checkpoint only moves past a record once it and everything before it are done.
 *
 * <p>Offsets must be dispatched in increasing order but need not be contiguous (Kafka topics have
 * gaps). Memory is bounded by {@code capacity} in-flight records: {@link #dispatched} fails past it,
 * so the caller must apply backpressure first ({@link #hasRoom()}). Not thread-safe.
 */
public final class CheckpointTracker {
    private final long[] offsets;
    private final boolean[] done;
    private int head;
    private int size;
    private long lastDispatched;
    private long checkpoint;

    /**
     * @param checkpoint the partition's persisted checkpoint, or -1 when nothing was applied yet
     * @param capacity   the most records that may be in flight at once
     */
    public CheckpointTracker(long checkpoint, int capacity) {
        Invariants.require(capacity > 0, "capacity must be positive, got %s", capacity);
        this.offsets = new long[capacity];
        this.done = new boolean[capacity];
        this.checkpoint = checkpoint;
        this.lastDispatched = checkpoint;
    }

    public boolean hasRoom() {
        return size < offsets.length;
    }

    public int inFlight() {
        return size;
    }

    public long checkpoint() {
        return checkpoint;
    }

    /** Records that {@code offset} was handed to processing. */
    public void dispatched(long offset) {
        Invariants.check(offset > lastDispatched, "offsets must be dispatched in order: %s after %s", offset, lastDispatched);
        Invariants.check(size < offsets.length, "tracker full (%s in flight); apply backpressure first", size);
        int slot = (head + size) % offsets.length;
        offsets[slot] = offset;
        done[slot] = false;
        size++;
        lastDispatched = offset;
        if (size == 1 && checkpoint < offset - 1) {
            // Nothing is in flight below this offset, so a gap before it (a trimmed or
            // compacted range) is complete by definition.
            checkpoint = offset - 1;
        }
    }

    /** Records that {@code offset} is applied and durable; returns the (possibly advanced) checkpoint. */
    public long completed(long offset) {
        int index = indexOf(offset);
        Invariants.check(index >= 0, "completed offset %s was not in flight", offset);
        int slot = (head + index) % offsets.length;
        Invariants.check(!done[slot], "offset %s completed twice", offset);
        done[slot] = true;
        while (size > 0 && done[head]) {
            checkpoint = offsets[head];
            head = (head + 1) % offsets.length;
            size--;
        }
        return checkpoint;
    }

    /** Binary search over the ring's logical order (offsets increase from head). */
    private int indexOf(long offset) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long value = offsets[(head + mid) % offsets.length];
            if (value < offset) lo = mid + 1;
            else if (value > offset) hi = mid - 1;
            else return mid;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "CheckpointTracker[checkpoint=" + checkpoint + ", inFlight=" + size
                + ", oldestInFlight=" + (size == 0 ? "-" : Long.toString(offsets[head])) + "]";
    }
}
