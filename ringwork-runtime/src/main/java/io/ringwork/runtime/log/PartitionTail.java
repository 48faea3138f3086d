package io.ringwork.runtime.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Knows where a partition ends, including appends by other processes, and lets threads wait for
 * it to grow. Appends of this process report their end directly ({@link #onLocalAppend}) and
 * wake waiters at once; appends of other processes are found by reading the files from the last
 * known end ({@link #refresh}), which waiters do every {@code pollIntervalMs}. Thread-safe.
 */
final class PartitionTail implements AutoCloseable {
    /** Where this process's last append ended: a frame boundary the cursor may jump to. */
    private record LocalEnd(long base, long position, long offset) {}

    private final long pollIntervalNs;
    private final ReentrantLock scanLock = new ReentrantLock();
    private final FrameCursor cursor;
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition grew = signalLock.newCondition();
    private final AtomicLong knownEnd = new AtomicLong();
    private volatile LocalEnd localEnd;
    private boolean closed;

    PartitionTail(PartitionFiles files, long pollIntervalMs) {
        this.cursor = new FrameCursor(files, 0);
        this.pollIntervalNs = TimeUnit.MILLISECONDS.toNanos(pollIntervalMs);
    }

    /** Called by the writer after each successful commit; the writer serialises these calls. */
    void onLocalAppend(long base, long endPosition, long endOffset) {
        localEnd = new LocalEnd(base, endPosition, endOffset);
        raise(endOffset);
    }

    /** The partition's end offset as the files show it now. */
    long refresh() {
        scanLock.lock();
        try {
            if (closed) return knownEnd.get();
            LocalEnd local = localEnd;
            if (local != null && local.offset() > cursor.target()) {
                cursor.jumpTo(local.base(), local.position(), local.offset());
            }
            while (cursor.next()) {
                // Counting frames that other processes appended.
            }
            raise(cursor.target());
        } finally {
            scanLock.unlock();
        }
        return knownEnd.get();
    }

    /** True once the end is above {@code offset}; false when {@code timeoutMs} passes first or the thread is interrupted. */
    boolean await(long offset, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        while (knownEnd.get() <= offset && refresh() <= offset) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) return false;
            signalLock.lock();
            try {
                if (knownEnd.get() > offset) return true;
                grew.awaitNanos(Math.min(remaining, pollIntervalNs));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return knownEnd.get() > offset;
            } finally {
                signalLock.unlock();
            }
        }
        return true;
    }

    @Override
    public void close() {
        scanLock.lock();
        try {
            closed = true;
            cursor.close();
        } finally {
            scanLock.unlock();
        }
    }

    private void raise(long end) {
        long before = knownEnd.getAndAccumulate(end, Math::max);
        if (end <= before) return;
        signalLock.lock();
        try {
            grew.signalAll();
        } finally {
            signalLock.unlock();
        }
    }
}
