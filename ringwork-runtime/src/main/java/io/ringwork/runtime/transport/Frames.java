package io.ringwork.runtime.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Length-prefixed frames: a 4-byte big-endian length, then the bytes. Writing is a plain loop on
 * a blocking channel; reading is {@link Reader}, which never trusts the length it reads.
 */
final class Frames {
    private Frames() {}

    /** The first buffer of a frame; it doubles as bytes arrive, up to the declared length. */
    static final int FIRST_CHUNK_BYTES = 64 * 1024;

    static final class OversizedFrameException extends IOException {
        OversizedFrameException(int length) {
            super("frame of " + length + " bytes");
        }
    }

    /** No frame began within the idle timeout. */
    static final class IdleException extends IOException {
        IdleException() {
            super("idle");
        }
    }

    /** A frame began but did not finish within the frame timeout. */
    static final class SlowFrameException extends IOException {
        SlowFrameException() {
            super("frame too slow");
        }
    }

    /** Finishing the frame would take more buffered bytes than every connection together may hold. */
    static final class BufferBudgetException extends IOException {
        BufferBudgetException() {
            super("inbound buffer budget exhausted");
        }
    }

    static void write(SocketChannel channel, byte[] frame) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4 + frame.length);
        buffer.putInt(frame.length).put(frame).flip();
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    /**
     * Reads frames from one inbound connection with deadlines and a shared memory budget. The
     * declared length is checked against the caller's limit at once and never allocated up
     * front: the buffer grows (doubling from {@link #FIRST_CHUNK_BYTES}) only as bytes arrive, so
     * a header claiming 8 MiB followed by nothing costs 64 KiB, not 8 MiB. Not thread-safe: one
     * reader thread per connection.
     */
    static final class Reader {
        private final Socket socket;
        private final InputStream in;
        private final long idleTimeoutNs;
        private final long frameTimeoutNs;
        private final AtomicLong bufferedBytes;
        private final long bufferedBytesMax;
        private final AtomicLong bufferedBytesPeak;

        /**
         * @param bufferedBytes     shared across connections: bytes of partly read frames held now
         * @param bufferedBytesPeak the highest {@code bufferedBytes} seen, for tests and metrics
         */
        Reader(SocketChannel channel, InboundLimits limits, AtomicLong bufferedBytes, AtomicLong bufferedBytesPeak)
                throws IOException {
            this.socket = channel.socket();
            // The socket adaptor's stream honours SO_TIMEOUT, which a blocking channel's read does not.
            this.in = socket.getInputStream();
            this.idleTimeoutNs = limits.idleTimeoutMs() * 1_000_000L;
            this.frameTimeoutNs = limits.frameTimeoutMs() * 1_000_000L;
            this.bufferedBytes = bufferedBytes;
            this.bufferedBytesMax = limits.bufferedBytesMax();
            this.bufferedBytesPeak = bufferedBytesPeak;
        }

        /**
         * Reads one frame of at most {@code bytesMax} bytes. {@code firstFrame} gives the frame
         * timeout, not the idle one, to the first byte (the hello must come at once).
         *
         * @throws OversizedFrameException a negative or too large length (the stream cannot resync)
         * @throws IdleException           no byte of a frame within the idle timeout
         * @throws SlowFrameException      the frame not complete within the frame timeout of its first byte
         * @throws BufferBudgetException   the shared buffer budget would be exceeded
         * @throws EOFException           the peer closed the connection
         */
        byte[] read(int bytesMax, boolean firstFrame) throws IOException {
            byte[] header = new byte[4];
            long firstByteDeadlineNs = System.nanoTime() + (firstFrame ? frameTimeoutNs : idleTimeoutNs);
            fill(header, 0, 1, firstByteDeadlineNs, true);
            long deadlineNs = System.nanoTime() + frameTimeoutNs;
            fill(header, 1, 4, deadlineNs, false);
            int length = ByteBuffer.wrap(header).getInt();
            if (length < 0 || length > bytesMax) throw new OversizedFrameException(length);
            byte[] buffer = new byte[0];
            long reserved = 0;
            try {
                int filled = 0;
                while (filled < length) {
                    if (filled == buffer.length) {
                        int grown = (int) Math.min(length, Math.max(FIRST_CHUNK_BYTES, 2L * buffer.length));
                        reserve(grown); // the old and the new buffer coexist during the copy
                        reserved += grown;
                        buffer = Arrays.copyOf(buffer, grown);
                        release(reserved - grown);
                        reserved = grown;
                    }
                    filled = fill(buffer, filled, buffer.length, deadlineNs, false);
                }
                return buffer;
            } finally {
                // The frame is handed to the receiver; from here its memory is the receiver's inbox's to bound.
                release(reserved);
            }
        }

        /** Reads into {@code bytes[from..]}: until {@code to} is reached, or once only if {@code once}. */
        private int fill(byte[] bytes, int from, int to, long deadlineNs, boolean once) throws IOException {
            int at = from;
            while (at < to) {
                long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0) throw once ? new IdleException() : new SlowFrameException();
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (leftNs + 999_999) / 1_000_000)));
                int read;
                try {
                    read = in.read(bytes, at, to - at);
                } catch (SocketTimeoutException e) {
                    continue; // the loop's deadline check decides
                }
                if (read < 0) throw new EOFException("connection closed");
                at += read;
                if (once) break;
            }
            return at;
        }

        private void reserve(long bytes) throws BufferBudgetException {
            long now = bufferedBytes.addAndGet(bytes);
            if (now > bufferedBytesMax) {
                bufferedBytes.addAndGet(-bytes);
                throw new BufferBudgetException();
            }
            bufferedBytesPeak.accumulateAndGet(now, Math::max);
        }

        private void release(long bytes) {
            if (bytes > 0) bufferedBytes.addAndGet(-bytes);
        }
    }
}
