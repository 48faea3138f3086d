package io.ringwork.runtime.log;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of an {@link EmbeddedLog}. Immutable; start from {@link #defaults(Path)} and change
 * fields with the {@code withX} methods. Every value is checked when the record is built: a bad
 * value throws {@link IllegalArgumentException} naming the field and the accepted range.
 *
 * @param directory                the log's directory; created if missing
 * @param partitionCount           partitions, fixed when the log is created (default 64)
 * @param segmentBytes             a segment is rolled once its file would pass this size (default 64 MiB;
 *                                 a single larger record still gets a segment of its own)
 * @param indexIntervalBytes       one sparse index entry per this many bytes of segment (default 4 KiB)
 * @param fsyncPolicy              when appends are forced to disk (default {@link FsyncPolicy#INTERVAL})
 * @param fsyncIntervalMs          period of the background flusher under {@code INTERVAL} (default 100 ms)
 * @param retentionBytes           per partition, sealed segments are deleted oldest first while the
 *                                 partition is larger than this; -1 = unlimited (default)
 * @param retentionMs              a sealed segment whose newest record is older than this is deleted;
 *                                 -1 = unlimited (default)
 * @param retentionCheckIntervalMs period of the background retention run (default 60 s); only runs
 *                                 when a retention limit is set
 * @param dedupeWindowIds          idempotency ids remembered per partition (default 10,000; 0 disables)
 * @param dedupeWindowMs           an id older than this no longer makes a duplicate (default 10 min)
 * @param maxRecordBytes           largest key + type + id + data of one record, in bytes (default 1 MiB,
 *                                 at most 16 MiB)
 * @param appendQueueCapacity      pending append calls per partition; further callers block (default 1024)
 * @param tailPollIntervalMs       how often the log looks at its bell for appends by other
 *                                 processes, which wake {@link EmbeddedLog#awaitAppend} (default 3 ms)
 */
public record LogConfig(
        Path directory,
        int partitionCount,
        long segmentBytes,
        int indexIntervalBytes,
        FsyncPolicy fsyncPolicy,
        long fsyncIntervalMs,
        long retentionBytes,
        long retentionMs,
        long retentionCheckIntervalMs,
        int dedupeWindowIds,
        long dedupeWindowMs,
        int maxRecordBytes,
        int appendQueueCapacity,
        long tailPollIntervalMs) {

    /** Hard ceiling of {@link #maxRecordBytes}; frames claiming more are treated as corrupt. */
    public static final int MAX_RECORD_BYTES_LIMIT = 16 * 1024 * 1024;
    /** Largest partition count accepted (directory names {@code p-000} … {@code p-9999}). */
    public static final int MAX_PARTITIONS = 10_000;
    /** Largest segment: positions in the index are 32-bit. */
    public static final long MAX_SEGMENT_BYTES = 1L << 30;
    public static final long UNLIMITED = -1;

    public LogConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(fsyncPolicy, "fsyncPolicy");
        requireRange("partitionCount", partitionCount, 1, MAX_PARTITIONS);
        requireRange("segmentBytes", segmentBytes, 128, MAX_SEGMENT_BYTES);
        requireRange("indexIntervalBytes", indexIntervalBytes, 1, Integer.MAX_VALUE);
        requireRange("fsyncIntervalMs", fsyncIntervalMs, 1, 3_600_000);
        requireLimit("retentionBytes", retentionBytes);
        requireLimit("retentionMs", retentionMs);
        requireRange("retentionCheckIntervalMs", retentionCheckIntervalMs, 1, Long.MAX_VALUE);
        requireRange("dedupeWindowIds", dedupeWindowIds, 0, 10_000_000);
        requireRange("dedupeWindowMs", dedupeWindowMs, 0, Long.MAX_VALUE);
        requireRange("maxRecordBytes", maxRecordBytes, 1, MAX_RECORD_BYTES_LIMIT);
        requireRange("appendQueueCapacity", appendQueueCapacity, 1, 1_000_000);
        requireRange("tailPollIntervalMs", tailPollIntervalMs, 1, 1000);
    }

    /** The defaults listed on the record, for a log in {@code directory}. */
    public static LogConfig defaults(Path directory) {
        return new LogConfig(directory, 64, 64L << 20, 4096, FsyncPolicy.INTERVAL, 100,
                UNLIMITED, UNLIMITED, 60_000, 10_000, 600_000, 1 << 20, 1024, 3);
    }

    public LogConfig withDirectory(Path v) {
        return new LogConfig(v, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withPartitionCount(int v) {
        return new LogConfig(directory, v, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withSegmentBytes(long v) {
        return new LogConfig(directory, partitionCount, v, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withIndexIntervalBytes(int v) {
        return new LogConfig(directory, partitionCount, segmentBytes, v, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withFsyncPolicy(FsyncPolicy v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, v, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withFsyncIntervalMs(long v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, v,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withRetentionBytes(long v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                v, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withRetentionMs(long v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, v, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withRetentionCheckIntervalMs(long v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, v, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withDedupeWindowIds(int v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, v, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withDedupeWindowMs(long v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, v,
                maxRecordBytes, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withMaxRecordBytes(int v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                v, appendQueueCapacity, tailPollIntervalMs);
    }

    public LogConfig withAppendQueueCapacity(int v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, v, tailPollIntervalMs);
    }

    public LogConfig withTailPollIntervalMs(long v) {
        return new LogConfig(directory, partitionCount, segmentBytes, indexIntervalBytes, fsyncPolicy, fsyncIntervalMs,
                retentionBytes, retentionMs, retentionCheckIntervalMs, dedupeWindowIds, dedupeWindowMs,
                maxRecordBytes, appendQueueCapacity, v);
    }

    boolean retentionEnabled() {
        return retentionBytes != UNLIMITED || retentionMs != UNLIMITED;
    }

    private static void requireRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(String.format(
                    "log config: %s must be in [%d, %d], got %d", field, min, max, value));
        }
    }

    private static void requireLimit(String field, long value) {
        if (value != UNLIMITED && value < 0) {
            throw new IllegalArgumentException(String.format(
                    "log config: %s must be -1 (unlimited) or >= 0, got %d", field, value));
        }
    }
}
