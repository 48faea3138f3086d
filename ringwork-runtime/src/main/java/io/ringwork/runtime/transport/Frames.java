package io.ringwork.runtime.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Length-prefixed frames on a blocking socket channel: a 4-byte big-endian length, then the bytes. */
final class Frames {
    private Frames() {}

    static final class OversizedFrameException extends IOException {
        OversizedFrameException(int length) {
            super("frame of " + length + " bytes");
        }
    }

    static void write(SocketChannel channel, byte[] frame) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4 + frame.length);
        buffer.putInt(frame.length).put(frame).flip();
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    /** Reads one frame; a negative or larger-than-{@code bytesMax} length throws OversizedFrameException. */
    static byte[] read(SocketChannel channel, int bytesMax) throws IOException {
        ByteBuffer header = readFully(channel, 4);
        int length = header.getInt();
        if (length < 0 || length > bytesMax) throw new OversizedFrameException(length);
        return readFully(channel, length).array();
    }

    private static ByteBuffer readFully(SocketChannel channel, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) throw new EOFException("connection closed");
        }
        return buffer.flip();
    }
}
