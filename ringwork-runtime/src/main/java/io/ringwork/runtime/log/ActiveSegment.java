package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import io.ringwork.core.util.Invariants;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The segment a partition's writer appends to: its log and index channels, where the valid
 * frames end, and where the last index entry points. Used only under the partition's lock
 * (by the group-commit leader), except {@link #forceIfDirty()} from the flusher.
 */
final class ActiveSegment implements AutoCloseable {
    private final long base;
    private final Path logPath;
    private final Path indexPath;
    private final FileChannel log;
    private final FileChannel index;
    /** File position just past the last valid frame. */
    private long endPosition;
    private long indexBytes;
    /** Position of the frame the last index entry names (0 when there is none). */
    private long lastIndexedPosition;
    private volatile boolean dirty;

    private ActiveSegment(PartitionFiles files, long base, boolean create) {
        this.base = base;
        this.logPath = files.logPath(base);
        this.indexPath = files.indexPath(base);
        this.log = open(logPath, create ? StandardOpenOption.CREATE_NEW : StandardOpenOption.READ);
        FileChannel idx;
        try {
            // A new segment may find a stale index left behind by an interrupted trim: start it empty.
            idx = create
                    ? FileChannel.open(indexPath, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(indexPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            closeQuietly(log);
            throw new LogException("cannot open " + indexPath + ": " + e.getMessage(), e);
        }
        this.index = idx;
    }

    /** Creates the files of a new segment; it must not exist yet. */
    static ActiveSegment create(PartitionFiles files, long base) {
        return new ActiveSegment(files, base, true);
    }

    /** Opens an existing segment; call {@link #loadIndexTail(long)} before appending. */
    static ActiveSegment open(PartitionFiles files, long base) {
        return new ActiveSegment(files, base, false);
    }

    long base() {
        return base;
    }

    Path logPath() {
        return logPath;
    }

    FileChannel logChannel() {
        return log;
    }

    long endPosition() {
        return endPosition;
    }

    long lastIndexedPosition() {
        return lastIndexedPosition;
    }

    long fileSize() {
        try {
            return log.size();
        } catch (IOException e) {
            throw new LogException("cannot stat " + logPath + ": " + e.getMessage(), e);
        }
    }

    /**
     * Drops index entries at or past {@code validEnd} and a torn partial entry, then reads where
     * the last entry points. Other processes may have added entries since we last looked.
     */
    void loadIndexTail(long validEnd) {
        try {
            indexBytes = OffsetIndex.truncateFrom(index, validEnd);
            int n = (int) (indexBytes / OffsetIndex.ENTRY_BYTES);
            OffsetIndex.Entry last = n == 0 ? null : OffsetIndex.read(index, n - 1);
            lastIndexedPosition = last == null ? 0 : last.position();
        } catch (IOException e) {
            throw new LogException("cannot repair " + indexPath + ": " + e.getMessage(), e);
        }
    }

    /** Index entry {@code i} as stored (the caller validates it). */
    OffsetIndex.Entry indexEntry(int i) {
        try {
            return OffsetIndex.read(index, i);
        } catch (IOException e) {
            throw new LogException("cannot read " + indexPath + ": " + e.getMessage(), e);
        }
    }

    int indexEntryCount() {
        try {
            return OffsetIndex.entryCount(index);
        } catch (IOException e) {
            throw new LogException("cannot stat " + indexPath + ": " + e.getMessage(), e);
        }
    }

    /** Records that valid frames, written by anyone, now end at {@code position}. */
    void setEndPosition(long position) {
        Invariants.check(position >= endPosition, "end of %s moved back from %s to %s", logPath, endPosition, position);
        endPosition = position;
    }

    /** True when a frame at {@code framePosition} should get an index entry. */
    boolean wantsIndexEntry(long framePosition, int indexIntervalBytes) {
        return framePosition > 0 && framePosition - lastIndexedPosition >= indexIntervalBytes;
    }

    /** Adds an index entry to {@code entries} for the frame of {@code offset} at {@code framePosition}. */
    void addIndexEntry(ByteBuffer entries, long offset, long framePosition) {
        Invariants.check(framePosition > lastIndexedPosition, "index entry at %s not after %s", framePosition, lastIndexedPosition);
        entries.putInt((int) (offset - base)).putInt((int) framePosition);
        lastIndexedPosition = framePosition;
    }

    /** Writes frames at the end of the valid data, then their index entries. Both buffers are flipped and drained. */
    void write(ByteBuffer frames, ByteBuffer indexEntries) {
        try {
            long at = endPosition;
            while (frames.hasRemaining()) at += log.write(frames, at);
            endPosition = at;
            dirty = true;
            while (indexEntries.hasRemaining()) indexBytes += index.write(indexEntries, indexBytes);
        } catch (IOException e) {
            throw new LogException("cannot write " + logPath + ": " + e.getMessage(), e);
        }
    }

    /** Cuts a torn tail: the log at {@code position}, and index entries pointing at or past it. */
    void truncate(long position) {
        try {
            log.truncate(position);
            log.force(false);
            loadIndexTail(position);
        } catch (IOException e) {
            throw new LogException("cannot truncate " + logPath + " to " + position + ": " + e.getMessage(), e);
        }
        endPosition = position;
    }

    /** Forces the log file; with {@code withIndex} the index too (when sealing). */
    void force(boolean withIndex) {
        try {
            dirty = false;
            log.force(false);
            if (withIndex) index.force(false);
        } catch (IOException e) {
            throw new LogException("cannot fsync " + logPath + ": " + e.getMessage(), e);
        }
    }

    /** For the interval flusher: forces the log if anything was written since the last force; a closed segment was forced when it closed. */
    void forceIfDirty() {
        if (!dirty) return;
        try {
            dirty = false;
            log.force(false);
        } catch (ClosedChannelException e) {
            // Sealed or closed meanwhile; both force before closing.
        } catch (IOException e) {
            throw new LogException("cannot fsync " + logPath + ": " + e.getMessage(), e);
        }
    }

    boolean filesExist() {
        return Files.exists(logPath);
    }

    @Override
    public void close() {
        closeQuietly(log);
        closeQuietly(index);
    }

    private static FileChannel open(Path path, StandardOpenOption mode) {
        try {
            return FileChannel.open(path, mode, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new LogException("cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // The writer forced what mattered before closing.
        }
    }
}
