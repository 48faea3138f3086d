package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;

/**
 * Walks the valid frames of one partition across its segments, as they are on disk right now,
 * written by any process. It is the read side of the log: readers decode what it finds, the
 * tail watcher only counts it.
 *
 * <ul>
 *   <li>Positioning uses the segment list and the sparse index; frames below the target are
 *       validated and skipped.</li>
 *   <li>At the end of a segment it moves to the segment named by the next offset once that
 *       exists (another process may have rolled), and to the log's start when retention
 *       deleted what it was about to read.</li>
 *   <li>An invalid frame in the last segment is a tail not written yet unless {@link TornTail}
 *       finds valid frames after it; an invalid frame in a sealed segment, or one followed by
 *       valid frames, is corruption and throws {@link LogException}, after one fresh read to
 *       rule out a write that completed meanwhile.</li>
 * </ul>
 *
 * Not thread-safe. An I/O failure closes the current segment; the next call reopens at the
 * target offset.
 */
final class FrameCursor implements AutoCloseable {
    private static final int BUFFER_BYTES = 64 * 1024;

    private final PartitionFiles files;
    private final SegmentScan scan = new SegmentScan(BUFFER_BYTES);
    private FileChannel channel;
    private long target;
    /** The invalid frame last classified as a torn tail, and the file size then: not re-checked until either changes. */
    private long tornPosition = -1;
    private long tornFileSize = -1;

    FrameCursor(PartitionFiles files, long target) {
        this.files = files;
        this.target = target;
    }

    /** The offset of the next frame {@link #next()} returns. */
    long target() {
        return target;
    }

    /** Moves to {@code offset}; the segment is found on the next call of {@link #next()}. */
    void seek(long offset) {
        closeChannel();
        target = offset;
    }

    /**
     * Continues from a position known to be a frame boundary (for example the end of this
     * process's own last append), without validating what lies before it.
     */
    void jumpTo(long base, long position, long offset) {
        if (offset <= target && channel != null) return;
        if (channel == null || scan.base() != base) {
            closeChannel();
            channel = files.openForRead(files.logPath(base));
            if (channel == null) {
                target = offset;
                return;
            }
        }
        scan.reset(channel, files.logPath(base), base, position, offset);
        target = offset;
    }

    /** The frame {@link #next()} last returned true for. */
    SegmentScan frame() {
        return scan;
    }

    /** Advances to the next valid frame at or above the target; false when none is available now. Never blocks. */
    boolean next() {
        try {
            if (channel == null && !open()) return false;
            while (true) {
                switch (scan.next()) {
                    case FRAME -> {
                        if (scan.frameOffset() < target) continue;
                        target = scan.frameOffset() + 1;
                        return true;
                    }
                    case END -> {
                        if (!nextSegment()) return false;
                    }
                    case PARTIAL, BAD -> {
                        if (!invalidFrameResolved()) return false;
                    }
                }
            }
        } catch (IOException e) {
            String where = channel == null ? files.dir().toString() : scan.path().toString();
            closeChannel();
            throw new LogException("cannot read " + where + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeChannel();
    }

    /** Opens the segment holding the target, starting from its index. False when the partition has no segment yet. */
    private boolean open() throws IOException {
        for (int attempt = 0; attempt < 10; attempt++) {
            long[] bases = files.listBases();
            if (bases.length == 0) return false;
            if (target < bases[0]) target = bases[0];
            long base = bases[0];
            for (long b : bases) {
                if (b <= target) base = b;
            }
            channel = files.openForRead(files.logPath(base));
            if (channel != null) {
                positionFromIndex(base);
                return true;
            }
            // Trimmed between the listing and the open: list again.
        }
        throw new LogException("segments of " + files.dir() + " keep disappearing while opening offset " + target);
    }

    private void positionFromIndex(long base) throws IOException {
        scan.reset(channel, files.logPath(base), base, 0, base);
        try (FileChannel index = files.openForRead(files.indexPath(base))) {
            if (index == null) return;
            OffsetIndex.Entry entry = OffsetIndex.floor(index, target - base);
            if (entry == null || entry.position() <= 0) return;
            long offset = base + entry.relativeOffset();
            scan.reset(channel, files.logPath(base), base, entry.position(), offset);
            boolean valid = scan.next() == SegmentScan.Status.FRAME;
            scan.reset(channel, files.logPath(base), base, valid ? entry.position() : 0, valid ? offset : base);
        }
    }

    /** At the end of the current segment: moves on if a later segment continues it. */
    private boolean nextSegment() throws IOException {
        long next = scan.expectedOffset();
        if (next != scan.base() && files.segmentExists(next)) {
            FileChannel nextChannel = files.openForRead(files.logPath(next));
            if (nextChannel != null) {
                closeChannel();
                channel = nextChannel;
                scan.reset(channel, files.logPath(next), next, 0, next);
                return true;
            }
        }
        if (!Files.exists(scan.path())) {
            // Retention deleted this segment (and the ones after it we would need): go to the start.
            long start = files.startOffset();
            if (next < start) {
                closeChannel();
                target = Math.max(target, start);
                return open();
            }
        }
        return false;
    }

    /**
     * Decides about a frame that failed validation: true when a fresh read shows it valid now,
     * false when it is a tail still being written or torn, and a LogException for corruption.
     */
    private boolean invalidFrameResolved() throws IOException {
        long bad = scan.position();
        long expected = scan.expectedOffset();
        String problem = scan.problem();
        long size = channel.size();
        // Unchanged since it was found torn: a writer truncates a torn tail before anything else.
        if (bad == tornPosition && size == tornFileSize) return false;
        boolean sealed = isSealed();
        if (!sealed && TornTail.laterValidFrame(channel, bad, expected) < 0) {
            tornPosition = bad;
            tornFileSize = size;
            return false;
        }
        // Valid data follows the bad frame, or no more writes can come: read it once more.
        scan.reset(channel, scan.path(), scan.base(), bad, expected);
        if (scan.next() == SegmentScan.Status.FRAME) {
            scan.reset(channel, scan.path(), scan.base(), bad, expected);
            return true;
        }
        throw new LogException(String.format("corrupt frame in %s at position %d (offset %d expected): %s; %s",
                scan.path(), bad, expected, problem, sealed ? "the segment is sealed" : "valid records follow it"));
    }

    private boolean isSealed() {
        for (long b : files.listBases()) {
            if (b > scan.base()) return true;
        }
        return false;
    }

    private void closeChannel() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // Read-only channel: nothing to lose.
        }
        channel = null;
    }
}
