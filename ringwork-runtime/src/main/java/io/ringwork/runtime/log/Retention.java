package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import io.ringwork.core.time.Clock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deletes whole sealed segments, oldest first, while a partition is larger than
 * {@code retentionBytes} or its oldest segment's newest record is older than
 * {@code retentionMs}, and never a segment holding an offset above the lowest checkpoint of any
 * group (a partition without a checkpoint from every group is never trimmed). The last segment
 * is never deleted.
 *
 * <p>It takes no lock: sealed segments are immutable, a segment with a later one on disk is
 * sealed, and readers and writers in any process notice a deleted segment from the listing.
 * Two processes trimming at once delete the same files, which is harmless. Thread-safe.
 */
final class Retention {
    private final LogConfig config;
    private final Clock clock;
    private final CheckpointStore checkpoints;
    private final PartitionFiles[] partitions;
    /** Newest record timestamp of sealed segments: immutable, so computed once per segment. */
    private final Map<Path, Long> newestMsBySegment = new ConcurrentHashMap<>();

    Retention(LogConfig config, Clock clock, CheckpointStore checkpoints, PartitionFiles[] partitions) {
        this.config = config;
        this.clock = clock;
        this.checkpoints = checkpoints;
        this.partitions = partitions;
    }

    /** One pass over all partitions; returns how many segments it deleted. */
    int run() {
        long[] lowest = checkpoints.lowest();
        long nowMs = clock.nowMs();
        Set<Path> live = new HashSet<>();
        int deleted = 0;
        for (PartitionFiles files : partitions) {
            deleted += trim(files, lowest[files.partition()], nowMs, live);
        }
        newestMsBySegment.keySet().retainAll(live);
        return deleted;
    }

    private int trim(PartitionFiles files, long checkpoint, long nowMs, Set<Path> live) {
        long[] bases = files.listBases();
        long[] sizes = new long[bases.length];
        long totalBytes = 0;
        for (int i = 0; i < bases.length; i++) totalBytes += sizes[i] = sizeOf(files.logPath(bases[i]));
        int deleted = 0;
        for (int i = 0; i < bases.length - 1 && checkpoint >= 0; i++) {
            boolean consumed = bases[i + 1] - 1 <= checkpoint;
            boolean tooBig = config.retentionBytes() != LogConfig.UNLIMITED && totalBytes > config.retentionBytes();
            boolean tooOld = consumed && config.retentionMs() != LogConfig.UNLIMITED
                    && newestMs(files, bases[i]) < nowMs - config.retentionMs();
            if (!consumed || !(tooBig || tooOld)) break;
            delete(files, bases[i]);
            totalBytes -= sizes[i];
            deleted++;
        }
        for (int i = deleted; i < bases.length; i++) live.add(files.logPath(bases[i]));
        return deleted;
    }

    /** The newest timestamp in a sealed segment: scans from its last valid index entry to its end. */
    private long newestMs(PartitionFiles files, long base) {
        Path path = files.logPath(base);
        Long cached = newestMsBySegment.get(path);
        if (cached != null) return cached;
        long newest = Long.MIN_VALUE;
        try (FileChannel log = files.openForRead(path); FileChannel index = files.openForRead(files.indexPath(base))) {
            if (log == null) return Long.MAX_VALUE; // deleted meanwhile: nothing to do
            SegmentScan scan = new SegmentScan(64 * 1024);
            scan.reset(log, path, base, 0, base);
            int n = index == null ? 0 : OffsetIndex.entryCount(index);
            OffsetIndex.Entry last = n == 0 ? null : OffsetIndex.read(index, n - 1);
            if (last != null && last.position() > 0) {
                scan.reset(log, path, base, last.position(), base + last.relativeOffset());
                if (scan.next() != SegmentScan.Status.FRAME) scan.reset(log, path, base, 0, base);
                else newest = scan.frameTimestampMs();
            }
            SegmentScan.Status status;
            while ((status = scan.next()) == SegmentScan.Status.FRAME) newest = Math.max(newest, scan.frameTimestampMs());
            if (status != SegmentScan.Status.END) {
                throw new LogException("corrupt frame in sealed segment " + path + " at position " + scan.position() + ": " + scan.problem());
            }
        } catch (IOException e) {
            throw new LogException("cannot read " + path + ": " + e.getMessage(), e);
        }
        newestMsBySegment.put(path, newest);
        return newest;
    }

    private static void delete(PartitionFiles files, long base) {
        try {
            // The log first: a segment is its .log file; an index without one is ignored and replaced.
            Files.deleteIfExists(files.logPath(base));
            Files.deleteIfExists(files.indexPath(base));
        } catch (IOException e) {
            throw new LogException("cannot delete segment " + files.logPath(base) + ": " + e.getMessage(), e);
        }
    }

    private static long sizeOf(Path path) {
        try {
            return Files.size(path);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new LogException("cannot stat " + path + ": " + e.getMessage(), e);
        }
    }
}
