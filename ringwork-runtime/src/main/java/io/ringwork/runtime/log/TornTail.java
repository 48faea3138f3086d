package io.ringwork.runtime.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * Tells a torn tail from corruption. When the frame at some position of the last segment is
 * incomplete or invalid, it is a <em>torn tail</em> (a write cut short by a crash, or still in
 * progress) if no valid frame follows it, and <em>corruption</em> if one does: writes only ever
 * go to the end of a file, and a torn tail is truncated before anything is written after it, so
 * valid records after an invalid one mean the invalid one was damaged in place.
 *
 * <p>The search looks at every byte position after the bad one for a frame with a plausible
 * length that fits in the file, an offset above the expected one (at most one record per
 * {@link FrameCodec#MIN_FRAME_BYTES} bytes), and a matching CRC. Costly, but it only runs when
 * something is wrong. Stateless.
 */
final class TornTail {
    private static final int CHUNK_BYTES = 1 << 20;
    /** Length, CRC and offset: what a candidate needs before its CRC is worth checking. */
    private static final int PROBE_BYTES = FrameCodec.HEADER_BYTES + 8;

    private TornTail() {}

    /** Position of a valid frame after {@code badPosition} with an offset above {@code expectedOffset}, or -1. */
    static long laterValidFrame(FileChannel channel, long badPosition, long expectedOffset) throws IOException {
        long size = channel.size();
        long maxOffset = expectedOffset + (size - badPosition) / FrameCodec.MIN_FRAME_BYTES + 1;
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES + PROBE_BYTES);
        CRC32C crc = new CRC32C();
        for (long start = badPosition + 1; start + PROBE_BYTES <= size; start += CHUNK_BYTES) {
            int n = readAt(channel, chunk.clear(), start);
            for (int i = 0; i < CHUNK_BYTES && i + PROBE_BYTES <= n; i++) {
                int length = chunk.getInt(i);
                if (!FrameCodec.plausibleBodyLength(length) || start + i + FrameCodec.HEADER_BYTES + length > size) continue;
                long offset = chunk.getLong(i + FrameCodec.HEADER_BYTES);
                if (offset <= expectedOffset || offset > maxOffset) continue;
                if (isValidFrame(channel, start + i, length, crc)) return start + i;
            }
        }
        return -1;
    }

    private static boolean isValidFrame(FileChannel channel, long at, int length, CRC32C crc) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.HEADER_BYTES + length);
        if (readAt(channel, frame, at) < frame.capacity()) return false;
        return FrameCodec.crc(crc, frame, FrameCodec.HEADER_BYTES, length) == frame.getInt(4)
                && FrameCodec.checkBody(frame, FrameCodec.HEADER_BYTES, length) == null;
    }

    private static int readAt(FileChannel channel, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) {
            if (channel.read(buf, at + buf.position()) <= 0) break;
        }
        return buf.position();
    }
}
