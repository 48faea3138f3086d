package io.ringwork.runtime.log;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Knows where a partition ends, including appends by other processes, and lets threads wait for
 * it to grow. Appends of this process report their end directly ({@link #onLocalAppend}), wake
 * waiters at once and ring the log's {@link AppendBell}; appends of other processes are found by
 * reading the files from the last known end ({@link #refresh}), which the log's bell watcher
 * does when another process rang the partition, and for every partition now and then in case a
 * process appended without ringing (it died in between, or it is an older version). Waiters
 * themselves never read the files: an idle partition costs its waiter one wake per timeout.
 * Thread-safe.
 */
final class PartitionTail implements AutoCloseable {
    /** Where this process's last append ended: a frame boundary the cursor may jump to. */
    private record LocalEnd(long base, long position, long offset) {}

    private final int partition;
    private final AppendBell bell;
    private final ReentrantLock scanLock = new ReentrantLock();
    private final FrameCursor cursor;
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition grew = signalLock.newCondition();
    private final AtomicLong knownEnd = new AtomicLong();
    /**
     * The bell's count up to which every ring is reflected in {@link #knownEnd}: by a refresh
     * that started after it, or by this process's own append when no other ring came between.
     */
    private final AtomicLong accounted = new AtomicLong();
    private final AtomicLong refreshes = new AtomicLong();
    private volatile LocalEnd localEnd;
    private boolean closed;

    PartitionTail(PartitionFiles files, AppendBell bell) {
        this.partition = files.partition();
        this.bell = bell;
        this.cursor = new FrameCursor(files, 0);
        this.accounted.set(bell.rings(partition));
    }

    /** Called by the writer after opening and after each successful commit ({@code appended}: records were written); the writer serialises these calls. */
    void onLocalAppend(long base, long endPosition, long endOffset, boolean appended) {
        localEnd = new LocalEnd(base, endPosition, endOffset);
        raise(endOffset);
        if (!appended) return; // opened, or nothing new: no one to tell
        long before = bell.ringAndGet(partition) - 1;
        // Only this ring came since everything was accounted for: nothing for the watcher to read.
        accounted.compareAndSet(before, before + 1);
    }

    /**
     * For the bell watcher: reads the files when another process rang since the last look, or
     * always when {@code rescan}.
     */
    void refreshIfRung(boolean rescan) {
        long rings = bell.rings(partition);
        if (!rescan && rings == accounted.get()) return;
        refresh(); // reads whatever was written before those rings
        accounted.accumulateAndGet(rings, Math::max);
    }

    /** The partition's end offset as the files show it now. */
    long refresh() {
        refreshes.incrementAndGet();
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
        if (knownEnd.get() > offset) return true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMs));
        signalLock.lock();
        try {
            while (knownEnd.get() <= offset) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) return false;
                grew.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return knownEnd.get() > offset;
        } finally {
            signalLock.unlock();
        }
    }

    /** Times the files were read for the end (tests: waiting must not read them). */
    long refreshes() {
        return refreshes.get();
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
