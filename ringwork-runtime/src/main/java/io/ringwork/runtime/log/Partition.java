package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import io.ringwork.core.time.Clock;
import io.ringwork.core.util.Invariants;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One partition of an open log: its files, its process lock, its writer, its tail watcher, and
 * the group commit that batches concurrent appends.
 *
 * <p><b>Group commit.</b> Callers put their {@link PendingAppend} into a bounded queue (a full
 * queue blocks them: backpressure) and then take the leader lock. Whoever holds it drains the
 * whole queue and commits it as one batch: one lock round, a few large writes, and under
 * {@code ALWAYS} one fsync. While it writes, later callers queue up behind it and the next
 * leader commits them together, so batches grow with load. A caller whose append a previous
 * leader already committed finds it done and leaves. Thread-safe.
 */
final class Partition implements AutoCloseable {
    private final PartitionFiles files;
    private final ProcessLock processLock;
    private final PartitionTail tail;
    private final PartitionWriter writer;
    private final ArrayBlockingQueue<PendingAppend> queue;
    private final ReentrantLock leader = new ReentrantLock();
    private final List<PendingAppend> drained = new ArrayList<>();

    private Partition(PartitionFiles files, LogConfig config, Clock clock, AppendBell bell) {
        this.files = files;
        this.processLock = ProcessLock.open(files.lockPath());
        this.tail = new PartitionTail(files, bell);
        this.writer = new PartitionWriter(files, config, clock, processLock, tail);
        this.queue = new ArrayBlockingQueue<>(config.appendQueueCapacity());
    }

    /** Opens partition {@code files}: creates its directory if needed and recovers its tail. */
    static Partition open(PartitionFiles files, LogConfig config, Clock clock, AppendBell bell) {
        try {
            Files.createDirectories(files.dir());
        } catch (IOException e) {
            throw new LogException("cannot create " + files.dir() + ": " + e.getMessage(), e);
        }
        Partition p = new Partition(files, config, clock, bell);
        try {
            p.writer.open();
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    PartitionFiles files() {
        return files;
    }

    PartitionTail tail() {
        return tail;
    }

    /** Queues {@code p} without blocking; false when the queue is full. */
    boolean offer(PendingAppend p) {
        return queue.offer(p);
    }

    /** Queues {@code p}, blocking while the queue is full. */
    void put(PendingAppend p) throws InterruptedException {
        queue.put(p);
    }

    /** Returns once the queued {@code p} is committed or failed, leading commits as needed. */
    void awaitCommitted(PendingAppend p) {
        leader.lock();
        try {
            while (!p.isDone()) {
                drained.clear();
                queue.drainTo(drained);
                Invariants.check(!drained.isEmpty(), "a pending append of %s is neither done nor queued", files.dir());
                writer.commit(drained);
            }
        } finally {
            drained.clear();
            leader.unlock();
        }
    }

    /** For the interval flusher; does not wait for the leader. */
    void forceIfDirty() {
        writer.forceIfDirty();
    }

    /** Forces and closes the files. Appends still queued fail; later ones fail too. */
    @Override
    public void close() {
        leader.lock();
        try {
            writer.close();
        } finally {
            List<PendingAppend> left = new ArrayList<>();
            queue.drainTo(left);
            writer.commit(left);
            leader.unlock();
            tail.close();
            processLock.close();
        }
    }
}
