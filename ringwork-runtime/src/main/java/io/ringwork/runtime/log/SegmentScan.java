package io.ringwork.runtime.log;

import io.ringwork.core.record.Record;
import io.ringwork.core.util.Invariants;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads the frames of one segment file in order through a buffer, validating each one (length,
 * CRC, expected offset, field lengths). It never hands out a frame that fails a check; it
 * reports why and where instead. Reusable across segments through {@link #reset}. Not
 * thread-safe.
 *
 * <p>Only bytes of frames that passed validation are trusted. After any other outcome the
 * buffered bytes past the current position are dropped, so the next call reads the file again:
 * a frame that was still being written, or a torn tail that a writer has since truncated and
 * rewritten, is seen as it is now.
 */
final class SegmentScan {
    /** What {@link #next()} found at the current position. */
    enum Status {
        /** A valid frame with the expected offset; the position moved past it. */
        FRAME,
        /** No bytes at the current position: the end of the file for now. */
        END,
        /** Some bytes, but not a whole frame (its length, if plausible, reaches past the end). */
        PARTIAL,
        /** A whole frame that fails a check: implausible length, CRC, offset or field lengths. */
        BAD
    }

    private final CRC32C crc = new CRC32C();
    private ByteBuffer buffer;
    private FileChannel channel;
    private Path path;
    private long base;
    /** File position of {@code buffer[0]}; the buffer holds file bytes in [0, limit). */
    private long windowStart;
    private long position;
    private long expectedOffset;
    private int bodyStart;
    private long framePosition;
    private String problem;

    SegmentScan(int bufferBytes) {
        this.buffer = ByteBuffer.allocateDirect(bufferBytes).limit(0);
    }

    /** Points the scan at {@code position} of a segment where the frame of {@code expectedOffset} should start. */
    void reset(FileChannel channel, Path path, long base, long position, long expectedOffset) {
        boolean keepBuffer = channel == this.channel && position >= windowStart
                && position <= windowStart + buffer.limit();
        this.channel = channel;
        this.path = path;
        this.base = base;
        this.position = position;
        this.expectedOffset = expectedOffset;
        if (!keepBuffer) dropBuffered();
    }

    /** Validates the frame at the current position; see {@link Status}. */
    Status next() throws IOException {
        if (!ensure(FrameCodec.HEADER_BYTES)) {
            return available() == 0 ? end() : invalid(Status.PARTIAL, "incomplete frame header");
        }
        int at = (int) (position - windowStart);
        int length = buffer.getInt(at);
        if (!FrameCodec.plausibleBodyLength(length)) return invalid(Status.BAD, "implausible frame length " + length);
        if (!ensure(FrameCodec.HEADER_BYTES + length)) {
            return invalid(Status.PARTIAL, "incomplete frame: " + available() + " of " + (FrameCodec.HEADER_BYTES + length) + " bytes");
        }
        at = (int) (position - windowStart);
        int body = at + FrameCodec.HEADER_BYTES;
        if (FrameCodec.crc(crc, buffer, body, length) != buffer.getInt(at + 4)) return invalid(Status.BAD, "CRC mismatch");
        long offset = FrameCodec.offset(buffer, body);
        if (offset != expectedOffset) {
            return invalid(Status.BAD, "offset " + offset + " where " + expectedOffset + " was expected");
        }
        String bodyProblem = FrameCodec.checkBody(buffer, body, length);
        if (bodyProblem != null) return invalid(Status.BAD, bodyProblem);
        bodyStart = body;
        framePosition = position;
        position += FrameCodec.HEADER_BYTES + length;
        expectedOffset++;
        return Status.FRAME;
    }

    /** File position of the next frame (after a non-FRAME status: of the frame that failed). */
    long position() {
        return position;
    }

    /** Offset the next frame must carry. */
    long expectedOffset() {
        return expectedOffset;
    }

    long base() {
        return base;
    }

    Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    /** Why the last non-FRAME status was returned. */
    String problem() {
        return problem;
    }

    // Accessors of the frame the last FRAME status returned.

    long framePosition() {
        return framePosition;
    }

    long frameOffset() {
        return expectedOffset - 1;
    }

    long frameTimestampMs() {
        return FrameCodec.timestampMs(buffer, bodyStart);
    }

    String frameId() {
        return FrameCodec.id(buffer, bodyStart);
    }

    Record decodeFrame(int partition) {
        Record record = FrameCodec.decode(buffer, bodyStart, partition);
        Invariants.check(record.offset() == frameOffset(), "decoded offset %s != scanned offset %s", record.offset(), frameOffset());
        return record;
    }

    private int available() {
        return (int) (windowStart + buffer.limit() - position);
    }

    /** Makes {@code needed} bytes from the current position available if the file has them. */
    private boolean ensure(int needed) throws IOException {
        if (available() >= needed) return true;
        int at = (int) (position - windowStart);
        buffer.position(at);
        if (needed > buffer.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(needed, buffer.capacity() * 2));
            bigger.put(buffer);
            buffer = bigger;
        } else {
            buffer.compact();
        }
        windowStart = position;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, windowStart + buffer.position()) <= 0) break;
        }
        buffer.flip();
        return available() >= needed;
    }

    private Status end() {
        problem = null;
        dropBuffered();
        return Status.END;
    }

    private Status invalid(Status status, String why) {
        problem = why;
        dropBuffered();
        return status;
    }

    private void dropBuffered() {
        windowStart = position;
        buffer.position(0).limit(0);
    }
}
