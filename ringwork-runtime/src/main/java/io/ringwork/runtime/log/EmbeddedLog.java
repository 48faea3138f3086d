package io.ringwork.runtime.log;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.time.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded log: a directory of partitions, each a sequence of segment files with CRC-checked
 * frames and a sparse offset index, shared safely by several processes on one machine. See the
 * package documentation for the layout, the locking and the recovery rules.
 *
 * <p>Thread-safe. {@link #append} batches concurrent callers (group commit); readers are per
 * thread. Errors: a bad argument throws IllegalArgumentException; I/O failures and corruption
 * throw {@link LogException} naming the file. An append that throws LogException is
 * <em>indefinite</em>: some of its records may have been appended.
 */
public final class EmbeddedLog implements RecordLog {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLog.class);

    private final LogConfig config;
    private final Partitioner partitioner;
    private final Partition[] partitions;
    private final CheckpointStore checkpoints;
    private final Retention retention;
    private final ScheduledExecutorService flusher;
    private final ScheduledExecutorService retentionRunner;
    private final Set<EmbeddedPartitionReader> readers = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread bellWatcher;
    private final long rescanIntervalMs;

    /** How often the bell watcher reads every partition's files, rung or not (see {@link AppendBell}). */
    static final long RESCAN_INTERVAL_MS = 1_000;

    private EmbeddedLog(LogConfig config, Clock clock, Partition[] partitions, CheckpointStore checkpoints, long rescanIntervalMs) {
        this.config = config;
        this.rescanIntervalMs = rescanIntervalMs;
        this.partitioner = new Partitioner(config.partitionCount());
        this.partitions = partitions;
        this.checkpoints = checkpoints;
        PartitionFiles[] files = Arrays.stream(partitions).map(Partition::files).toArray(PartitionFiles[]::new);
        this.retention = new Retention(config, clock, checkpoints, files);
        this.flusher = config.fsyncPolicy() == FsyncPolicy.INTERVAL ? daemon("ringwork-log-flusher") : null;
        if (flusher != null) {
            flusher.scheduleWithFixedDelay(this::flushAll, config.fsyncIntervalMs(), config.fsyncIntervalMs(), TimeUnit.MILLISECONDS);
        }
        this.bellWatcher = Thread.ofPlatform().name("ringwork-log-bell").daemon().start(this::watchBell);
        this.retentionRunner = config.retentionEnabled() ? daemon("ringwork-log-retention") : null;
        if (retentionRunner != null) {
            retentionRunner.scheduleWithFixedDelay(this::retainQuietly, config.retentionCheckIntervalMs(),
                    config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        }
    }

    /** Opens (creating if needed) the log in {@code config.directory()}, with the wall clock. */
    /** The partition count of the log in {@code directory}, or -1 when no log was created there yet. */
    public static int existingPartitionCount(java.nio.file.Path directory) {
        return LogMeta.existingPartitionCount(directory);
    }

    public static EmbeddedLog open(LogConfig config) {
        return open(config, System::currentTimeMillis);
    }

    /**
     * Opens (creating if needed) the log in {@code config.directory()}: checks {@code log.meta},
     * truncates torn tails, repairs the last segments' indexes and rebuilds the dedupe windows.
     * {@code clock} stamps appended records and drives the dedupe and age limits.
     *
     * @throws IllegalArgumentException if the log exists with a different partition count
     * @throws LogException             on I/O failure or corruption that is not a torn tail
     */
    public static EmbeddedLog open(LogConfig config, Clock clock) {
        return open(config, clock, RESCAN_INTERVAL_MS);
    }

    /** As {@link #open(LogConfig, Clock)}, with the bell watcher's rescan every {@code rescanIntervalMs} (tests). */
    static EmbeddedLog open(LogConfig config, Clock clock, long rescanIntervalMs) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        try {
            Files.createDirectories(config.directory());
        } catch (IOException e) {
            throw new LogException("cannot create log directory " + config.directory() + ": " + e.getMessage(), e);
        }
        LogMeta.createOrCheck(config.directory(), config.partitionCount());
        AppendBell bell = AppendBell.open(config.directory(), config.partitionCount());
        CheckpointStore checkpoints = new CheckpointStore(config.directory(), config.partitionCount());
        Partition[] partitions = new Partition[config.partitionCount()];
        try {
            for (int p = 0; p < partitions.length; p++) {
                partitions[p] = Partition.open(new PartitionFiles(config.directory(), p), config, clock, bell);
            }
        } catch (RuntimeException e) {
            for (Partition opened : partitions) {
                if (opened != null) opened.close();
            }
            throw e;
        }
        return new EmbeddedLog(config, clock, partitions, checkpoints, rescanIntervalMs);
    }

    public LogConfig config() {
        return config;
    }

    @Override
    public int partitionCount() {
        return partitions.length;
    }

    /** The partition of {@code key}: Kafka's default partitioner over the log's partition count. */
    public int partitionOf(String key) {
        return partitioner.partitionOf(key);
    }

    /**
     * Appends {@code records} (each to its key's partition) and returns their positions in call
     * order, once written (under {@code ALWAYS}: and fsynced). Records of one call that share a
     * partition keep their call order and get increasing offsets. Blocks while a partition's
     * append queue is full.
     *
     * @throws IllegalArgumentException for an empty key or type, or a record over {@code maxRecordBytes}
     * @throws LogException             when the log is closed or a write fails (indefinite)
     */
    @Override
    public List<AppendResult> append(List<NewRecord> records) {
        Objects.requireNonNull(records, "records");
        ensureOpen();
        if (records.isEmpty()) return List.of();
        AppendPlan plan = AppendPlan.of(records, partitioner, config.maxRecordBytes());
        plan.run(partitions);
        return plan.results();
    }

    /** A reader of {@code partition} at {@code fromOffset} (below the start: at the start). Closed with the log. */
    @Override
    public PartitionReader reader(int partition, long fromOffset) {
        checkPartition(partition);
        if (fromOffset < 0) throw new IllegalArgumentException("fromOffset must be >= 0, got " + fromOffset);
        ensureOpen();
        EmbeddedPartitionReader reader = new EmbeddedPartitionReader(partitions[partition].files(), fromOffset, readers::remove);
        readers.add(reader);
        return reader;
    }

    /** The tail of {@code partition} (tests). */
    PartitionTail tail(int partition) {
        return partitions[partition].tail();
    }

    /** The next offset of {@code partition}, including appends by other processes. */
    @Override
    public long endOffset(int partition) {
        checkPartition(partition);
        ensureOpen();
        return partitions[partition].tail().refresh();
    }

    @Override
    public long startOffset(int partition) {
        checkPartition(partition);
        ensureOpen();
        return partitions[partition].files().startOffset();
    }

    /**
     * Waits until {@code partition}'s end offset is above {@code offset}, i.e. until the record
     * at {@code offset} exists. Appends of this process wake it at once; appends of other
     * processes within {@code tailPollIntervalMs} (they ring the log's bell), or within
     * {@link #RESCAN_INTERVAL_MS} for a process that does not ring.
     *
     * @return true when the end passed {@code offset}, false when {@code timeoutMs} ran out (or the thread was interrupted)
     */
    public boolean awaitAppend(int partition, long offset, long timeoutMs) {
        checkPartition(partition);
        ensureOpen();
        return partitions[partition].tail().await(offset, timeoutMs);
    }

    @Override
    public void commitCheckpoints(String group, long[] checkpointByPartition) {
        ensureOpen();
        checkpoints.commit(group, checkpointByPartition);
    }

    /** The checkpoints {@code group} last committed (by any process); all -1 when none. */
    public long[] checkpoints(String group) {
        ensureOpen();
        return checkpoints.read(group);
    }

    /** Runs retention now (it also runs every {@code retentionCheckIntervalMs}); returns the number of segments deleted. */
    public int runRetention() {
        ensureOpen();
        return retention.run();
    }

    /** Flushes and fsyncs every partition, closes readers and files, stops the background threads. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        bellWatcher.interrupt();
        try {
            bellWatcher.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdown(flusher);
        shutdown(retentionRunner);
        for (EmbeddedPartitionReader r : List.copyOf(readers)) r.close();
        List<RuntimeException> failures = new ArrayList<>();
        for (Partition p : partitions) {
            try {
                p.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            LogException e = new LogException("closing the log in " + config.directory() + " failed", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Every {@code tailPollIntervalMs}: reads the files of the partitions other processes rang
     * since the last look (their waiters wake), and every {@link #RESCAN_INTERVAL_MS} those of all
     * partitions. The first look reads them all.
     */
    private void watchBell() {
        long pollNs = TimeUnit.MILLISECONDS.toNanos(config.tailPollIntervalMs());
        long rescanNs = TimeUnit.MILLISECONDS.toNanos(rescanIntervalMs);
        long nextRescan = System.nanoTime();
        long nextWarning = System.nanoTime();
        while (!closed.get()) {
            boolean rescan = System.nanoTime() - nextRescan >= 0;
            if (rescan) nextRescan = System.nanoTime() + rescanNs;
            for (Partition p : partitions) {
                try {
                    p.tail().refreshIfRung(rescan);
                } catch (RuntimeException e) {
                    if (closed.get()) return;
                    if (System.nanoTime() - nextWarning >= 0) { // at most one a rescan interval, not one every few ms
                        nextWarning = System.nanoTime() + rescanNs;
                        LOG.warn("reading the end of {} failed; trying again", p.files().dir(), e);
                    }
                }
            }
            LockSupport.parkNanos(pollNs);
            if (Thread.interrupted()) return;
        }
    }

    private void flushAll() {
        for (Partition p : partitions) {
            try {
                p.forceIfDirty();
            } catch (RuntimeException e) {
                LOG.warn("interval fsync of {} failed", p.files().dir(), e);
            }
        }
    }

    private void retainQuietly() {
        try {
            int deleted = retention.run();
            if (deleted > 0) LOG.info("retention deleted {} segments in {}", deleted, config.directory());
        } catch (RuntimeException e) {
            LOG.warn("retention in {} failed", config.directory(), e);
        }
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions.length) {
            throw new IllegalArgumentException("partition must be in [0, " + partitions.length + "), got " + partition);
        }
    }

    private void ensureOpen() {
        if (closed.get()) throw new LogException("log is closed: " + config.directory());
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private static void shutdown(ScheduledExecutorService executor) {
        if (executor == null) return;
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) executor.shutdownNow();
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
