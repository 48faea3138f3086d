package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import io.ringwork.core.time.Clock;
import io.ringwork.core.util.Invariants;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Appends batches to one partition. Each {@link #commit} takes the partition's process lock,
 * catches up with whatever other processes appended since this one last looked (or recovers
 * the tail from disk after a failure), numbers and frames the records, writes them in large
 * writes, rolls segments when full, fsyncs under {@code ALWAYS}, and releases the lock.
 *
 * <p>Not thread-safe: only the group-commit leader of the partition calls it (the flusher only
 * calls {@link #forceIfDirty()}).
 */
final class PartitionWriter implements AutoCloseable {
    private static final int WRITE_BUFFER_BYTES = 256 * 1024;
    private static final int INDEX_BUFFER_BYTES = 4 * 1024;
    private static final int SCAN_BUFFER_BYTES = 64 * 1024;
    private static final int INDEX_PROBES = 16;

    private final PartitionFiles files;
    private final LogConfig config;
    private final Clock clock;
    private final ProcessLock lock;
    private final PartitionTail tail;
    private final DedupeWindow window;
    private final CRC32C crc = new CRC32C();
    private final SegmentScan scan = new SegmentScan(SCAN_BUFFER_BYTES);
    private final ByteBuffer indexEntries = ByteBuffer.allocate(INDEX_BUFFER_BYTES);
    private ByteBuffer frames;
    /** Null until activated, and again after a failure: the next commit recovers from disk. */
    private volatile ActiveSegment active;
    private long nextOffset;
    private boolean closed;

    PartitionWriter(PartitionFiles files, LogConfig config, Clock clock, ProcessLock lock, PartitionTail tail) {
        this.files = files;
        this.config = config;
        this.clock = clock;
        this.lock = lock;
        this.tail = tail;
        this.window = new DedupeWindow(config.dedupeWindowIds(), config.dedupeWindowMs());
    }

    /** Recovers the partition's tail and rebuilds its dedupe window, under the process lock. */
    void open() {
        lock.lock();
        try {
            activate();
            publishEnd(false);
        } catch (RuntimeException e) {
            deactivate();
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends the records of {@code batches} in order and completes every one of them, with
     * results or with a failure. Never throws.
     */
    void commit(List<PendingAppend> batches) {
        if (closed) {
            failAll(batches, new LogException("log is closed: " + files.dir()));
            return;
        }
        LogException failure = null;
        boolean locked = false;
        long appendedFrom = Long.MAX_VALUE;
        try {
            lock.lock();
            locked = true;
            if (active == null) {
                activate();
            } else {
                catchUp();
            }
            appendedFrom = nextOffset;
            appendAll(batches);
        } catch (RuntimeException e) {
            deactivate();
            failure = asLogException(e);
        } finally {
            if (locked) failure = unlock(failure);
        }
        if (failure != null) {
            failAll(batches, failure);
            return;
        }
        publishEnd(nextOffset > appendedFrom); // a batch of duplicates only rings no one
        for (PendingAppend p : batches) p.succeed();
    }

    /** For the interval flusher. */
    void forceIfDirty() {
        ActiveSegment segment = active;
        if (segment != null) segment.forceIfDirty();
    }

    /** Forces and closes the files; later commits fail. Called with the leader lock held. */
    @Override
    public void close() {
        closed = true;
        ActiveSegment segment = active;
        active = null;
        if (segment == null) return;
        try {
            segment.force(true);
        } finally {
            segment.close();
        }
    }

    // ---- appending (process lock held) ----

    private void appendAll(List<PendingAppend> batches) {
        long now = clock.nowMs();
        Map<String, Long> batchIds = new LinkedHashMap<>();
        long offset = nextOffset;
        frames().clear();
        indexEntries.clear();
        for (PendingAppend p : batches) {
            List<EncodedRecord> records = p.records();
            for (int i = 0; i < records.size(); i++) {
                EncodedRecord r = records.get(i);
                long earlier = r.id() == null ? -1 : earlierCopy(r.id(), batchIds, now);
                if (earlier >= 0) {
                    p.setResult(i, earlier, true);
                    continue;
                }
                appendFrame(r, offset, now);
                p.setResult(i, offset, false);
                if (r.id() != null) batchIds.put(r.id(), offset);
                offset++;
            }
        }
        flush();
        if (config.fsyncPolicy() == FsyncPolicy.ALWAYS) active.force(false);
        nextOffset = offset;
        // Only now that the records are written do their ids join the window.
        batchIds.forEach((id, at) -> window.add(id, at, now));
    }

    /** The offset of an earlier copy of {@code id}: in this batch, or in the window. -1 if none. */
    private long earlierCopy(String id, Map<String, Long> batchIds, long now) {
        Long inBatch = batchIds.get(id);
        return inBatch != null ? inBatch : window.lookup(id, now);
    }

    private void appendFrame(EncodedRecord r, long offset, long now) {
        int size = r.frameBytes();
        long segmentEnd = active.endPosition() + frames.position();
        if (segmentEnd > 0 && segmentEnd + size > config.segmentBytes()) {
            flush();
            roll(offset);
        }
        if (frames.remaining() < size) {
            flush();
            if (frames.capacity() < size) frames = ByteBuffer.allocateDirect(size);
        }
        long framePosition = active.endPosition() + frames.position();
        if (active.wantsIndexEntry(framePosition, config.indexIntervalBytes())) {
            if (!indexEntries.hasRemaining()) flush();
            active.addIndexEntry(indexEntries, offset, framePosition);
        }
        FrameCodec.encode(frames, r, offset, now, crc);
    }

    private void flush() {
        frames.flip();
        indexEntries.flip();
        active.write(frames, indexEntries);
        frames.clear();
        indexEntries.clear();
    }

    /** Seals the active segment (forced, so a sealed segment never has a torn tail) and starts one at {@code base}. */
    private void roll(long base) {
        Invariants.check(frames.position() == 0, "roll of %s with unwritten frames", files.dir());
        active.force(true);
        active.close();
        active = ActiveSegment.create(files, base);
        files.syncDirectory();
    }

    private ByteBuffer frames() {
        if (frames == null || frames.capacity() > WRITE_BUFFER_BYTES) frames = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
        return frames;
    }

    // ---- recovery and catching up (process lock held) ----

    /**
     * Opens the last segment on disk, repairs its tail and index, and rebuilds the dedupe
     * window: at open, and after a failure left the in-memory state unknown.
     */
    private void activate() {
        long[] bases = files.listBases();
        if (bases.length == 0) {
            active = ActiveSegment.create(files, 0);
            files.syncDirectory();
            nextOffset = 0;
            window.clear();
            return;
        }
        long base = bases[bases.length - 1];
        active = ActiveSegment.open(files, base);
        long[] start = lastValidIndexEntry();
        active.loadIndexTail(start[0] + 1);
        active.setEndPosition(start[0]);
        scanForward(start[1], false);
        rebuildWindow();
    }

    /**
     * {position, offset} of the last index entry whose frame checks out, or {0, base}. Entries
     * past the end cost nothing to skip; after {@value #INDEX_PROBES} entries that fail on disk
     * the index is not worth more reads, and the scan starts at the segment's beginning.
     */
    private long[] lastValidIndexEntry() {
        long size = active.fileSize();
        int probes = 0;
        for (int i = active.indexEntryCount() - 1; i >= 0 && probes < INDEX_PROBES; i--) {
            OffsetIndex.Entry e = active.indexEntry(i);
            long offset = active.base() + e.relativeOffset();
            if (e.position() <= 0 || e.position() >= size) continue;
            probes++;
            scan.reset(active.logChannel(), active.logPath(), active.base(), e.position(), offset);
            if (nextStatus() == SegmentScan.Status.FRAME) return new long[] {e.position(), offset};
        }
        return new long[] {0, active.base()};
    }

    /** Picks up appends by other processes: the rest of the active segment, then any segments they rolled to. */
    private void catchUp() {
        long size = active.fileSize();
        if (size < active.endPosition()) {
            throw new LogException(String.format("%s shrank below its last valid frame end %d (now %d bytes)",
                    active.logPath(), active.endPosition(), size));
        }
        if (size > active.endPosition()) {
            active.loadIndexTail(size);
            scanForward(nextOffset, true);
        }
        while (nextOffset != active.base() && files.segmentExists(nextOffset)) {
            ActiveSegment sealed = active;
            active = ActiveSegment.open(files, nextOffset);
            sealed.close();
            active.loadIndexTail(active.fileSize());
            scanForward(nextOffset, true);
        }
        if (!active.filesExist()) {
            // Our segment was sealed and trimmed by others; the listing knows where the log ends.
            deactivate();
            activate();
        }
    }

    /**
     * Validates frames from the active segment's known end. Each one moves the end (and, with
     * {@code feedWindow}, adds its id to the window); missing index entries are added. A torn
     * tail is truncated; an invalid frame followed by valid ones is corruption.
     */
    private void scanForward(long expectedOffset, boolean feedWindow) {
        scan.reset(active.logChannel(), active.logPath(), active.base(), active.endPosition(), expectedOffset);
        indexEntries.clear();
        SegmentScan.Status status;
        while ((status = nextStatus()) == SegmentScan.Status.FRAME) {
            long offset = scan.frameOffset();
            if (feedWindow) {
                String id = scan.frameId();
                if (id != null) window.add(id, offset, scan.frameTimestampMs());
            }
            if (active.wantsIndexEntry(scan.framePosition(), config.indexIntervalBytes())) {
                if (!indexEntries.hasRemaining()) writeIndexEntries();
                active.addIndexEntry(indexEntries, offset, scan.framePosition());
            }
        }
        writeIndexEntries();
        active.setEndPosition(scan.position());
        nextOffset = scan.expectedOffset();
        if (status != SegmentScan.Status.END) repairTail();
    }

    private void repairTail() {
        long bad = scan.position();
        long later;
        try {
            later = TornTail.laterValidFrame(active.logChannel(), bad, nextOffset);
        } catch (IOException e) {
            throw new LogException("cannot read " + active.logPath() + ": " + e.getMessage(), e);
        }
        if (later >= 0) {
            throw new LogException(String.format(
                    "corrupt frame in %s at position %d (offset %d expected): %s; a valid frame follows at position %d,"
                            + " so this is damage inside the segment, not a torn tail",
                    active.logPath(), bad, nextOffset, scan.problem(), later));
        }
        active.truncate(bad);
    }

    private void writeIndexEntries() {
        if (indexEntries.position() == 0) return;
        indexEntries.flip();
        active.write(ByteBuffer.allocate(0), indexEntries);
        indexEntries.clear();
    }

    /** Reads the last {@code dedupeWindowIds} records back into the window (those still young enough). */
    private void rebuildWindow() {
        window.clear();
        if (config.dedupeWindowIds() == 0 || nextOffset == 0) return;
        long oldestMs = clock.nowMs() - config.dedupeWindowMs();
        try (FrameCursor cursor = new FrameCursor(files, Math.max(0, nextOffset - config.dedupeWindowIds()))) {
            while (cursor.target() < nextOffset && cursor.next()) {
                SegmentScan f = cursor.frame();
                if (f.frameTimestampMs() < oldestMs) continue;
                String id = f.frameId();
                if (id != null) window.add(id, f.frameOffset(), f.frameTimestampMs());
            }
        }
    }

    private SegmentScan.Status nextStatus() {
        try {
            return scan.next();
        } catch (IOException e) {
            throw new LogException("cannot read " + scan.path() + ": " + e.getMessage(), e);
        }
    }

    private void publishEnd(boolean appended) {
        tail.onLocalAppend(active.base(), active.endPosition(), nextOffset, appended);
    }

    /** Releases the process lock; a failure to do so fails the batch (indefinitely: it was written). */
    private LogException unlock(LogException failure) {
        try {
            lock.unlock();
            return failure;
        } catch (RuntimeException e) {
            deactivate();
            return failure != null ? failure : asLogException(e);
        }
    }

    private LogException asLogException(RuntimeException e) {
        return e instanceof LogException le ? le : new LogException("append to " + files.dir() + " failed: " + e, e);
    }

    private void deactivate() {
        ActiveSegment segment = active;
        active = null;
        if (segment != null) segment.close();
    }

    private static void failAll(List<PendingAppend> batches, LogException e) {
        for (PendingAppend p : batches) p.fail(e);
    }
}
