package io.ringwork.core.processing;

import io.ringwork.core.util.Invariants;

/**
 * The checkpoint of one partition: the highest offset L such that every record at or below L
 * that was dispatched has completed. Records complete out of order (different keys run in
 * parallel); the checkpoint only moves past a record once it and everything before it are done.
 *
 * <p>Offsets must be dispatched in increasing order but need not be contiguous (Kafka topics have
 * gaps). The tracker holds every offset from the oldest unfinished one to the newest dispatched
 * (the window), finished or not; it grows on demand up to {@code maxWindow} and {@link #dispatched}
 * fails past it, so the caller must wait for {@link #hasRoom()} first. A record that stays
 * unfinished while {@code maxWindow} later records are dispatched therefore stalls its partition's
 * reader: that is the limit's price, paid only by a key stuck that long. Not thread-safe.
 */
public final class CheckpointTracker {
    private final int maxWindow;
    private long[] offsets;
    private boolean[] done;
    private int head;
    private int size;
    private long lastDispatched;
    private long checkpoint;

    /**
     * @param checkpoint the partition's persisted checkpoint, or -1 when nothing was applied yet
     * @param maxWindow  the most offsets from the oldest unfinished to the newest dispatched
     */
    public CheckpointTracker(long checkpoint, int maxWindow) {
        Invariants.require(maxWindow > 0, "maxWindow must be positive, got %s", maxWindow);
        this.maxWindow = maxWindow;
        int initial = Math.min(maxWindow, 1024);
        this.offsets = new long[initial];
        this.done = new boolean[initial];
        this.checkpoint = checkpoint;
        this.lastDispatched = checkpoint;
    }

    public boolean hasRoom() {
        return size < maxWindow;
    }

    /** Offsets in the window: from the oldest unfinished record to the newest dispatched. */
    public int window() {
        return size;
    }

    public long checkpoint() {
        return checkpoint;
    }

    /** Records that {@code offset} was handed to processing. */
    public void dispatched(long offset) {
        Invariants.check(offset > lastDispatched, "offsets must be dispatched in order: %s after %s", offset, lastDispatched);
        Invariants.check(size < maxWindow, "checkpoint window full (%s offsets); wait for hasRoom() first", size);
        if (size == offsets.length) grow();
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

    private void grow() {
        int capacity = (int) Math.min(maxWindow, 2L * offsets.length);
        long[] biggerOffsets = new long[capacity];
        boolean[] biggerDone = new boolean[capacity];
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % offsets.length;
            biggerOffsets[i] = offsets[slot];
            biggerDone[i] = done[slot];
        }
        offsets = biggerOffsets;
        done = biggerDone;
        head = 0;
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
        return "CheckpointTracker[checkpoint=" + checkpoint + ", window=" + size
                + ", oldestInFlight=" + (size == 0 ? "-" : Long.toString(offsets[head])) + "]";
    }
}
