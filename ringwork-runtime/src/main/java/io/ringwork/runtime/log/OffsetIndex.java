package io.ringwork.runtime.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The sparse offset index of one segment: 8-byte entries {@code (int relativeOffset, int
 * position)}, ascending in both, one per {@code indexIntervalBytes} of log. The segment's first
 * frame (position 0) has no entry.
 *
 * <p>The index is a hint, never the truth: it is written after the log bytes and not fsynced on
 * every batch, so it may lack its newest entries or, after a crash, hold entries past the log's
 * end. Every user validates the frame an entry points at and falls back to the segment start.
 * Stateless; the caller owns the channel.
 */
final class OffsetIndex {
    static final int ENTRY_BYTES = 8;

    /** An entry: the frame of offset {@code base + relativeOffset} starts at {@code position}. */
    record Entry(int relativeOffset, int position) {}

    private OffsetIndex() {}

    /** Whole entries in the file (a torn trailing partial entry is not counted). */
    static int entryCount(FileChannel index) throws IOException {
        return (int) (index.size() / ENTRY_BYTES);
    }

    static Entry read(FileChannel index, int i) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_BYTES);
        long at = (long) i * ENTRY_BYTES;
        while (buf.hasRemaining()) {
            if (index.read(buf, at + buf.position()) < 0) return null;
        }
        return new Entry(buf.getInt(0), buf.getInt(4));
    }

    /**
     * The last entry with {@code relativeOffset <= relativeTarget}, by binary search; null when
     * there is none. Garbage entries can mislead the search, which is why callers validate.
     */
    static Entry floor(FileChannel index, long relativeTarget) throws IOException {
        int lo = 0;
        int hi = entryCount(index) - 1;
        Entry best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Entry e = read(index, mid);
            if (e == null) break;
            if (e.relativeOffset() <= relativeTarget) {
                best = e;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    /**
     * Drops entries at or past {@code logPosition} (they point into a truncated tail) and a torn
     * trailing partial entry. Returns the new index size in bytes.
     */
    static long truncateFrom(FileChannel index, long logPosition) throws IOException {
        int n = entryCount(index);
        while (n > 0) {
            Entry last = read(index, n - 1);
            if (last != null && last.position() < logPosition && last.position() > 0) break;
            n--;
        }
        long size = (long) n * ENTRY_BYTES;
        if (index.size() != size) index.truncate(size);
        return size;
    }
}
