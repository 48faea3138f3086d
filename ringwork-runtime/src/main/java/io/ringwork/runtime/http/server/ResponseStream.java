package io.ringwork.runtime.http.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response body in one of three framings: a fixed length (writing more fails, writing less
 * leaves the connection unusable), chunked (small writes are gathered into chunks of up to
 * {@link #CHUNK_BYTES}; {@link #flush} sends what is gathered), or delimited by closing the
 * connection (HTTP/1.0 streams). For HEAD requests the bytes are counted and dropped. Closing it
 * ends the response; it never closes the connection. Not thread-safe.
 */
final class ResponseStream extends OutputStream {
    static final int CHUNK_BYTES = 16 * 1024;

    enum Framing { FIXED, CHUNKED, UNTIL_CLOSE }

    private final OutputStream out;
    private final Framing framing;
    private final long length;
    private final boolean discard;
    private final byte[] chunk;
    private int chunkUsed;
    private long written;
    private boolean closed;

    ResponseStream(OutputStream out, Framing framing, long length, boolean discard) {
        this.out = out;
        this.framing = framing;
        this.length = length;
        this.discard = discard;
        this.chunk = framing == Framing.CHUNKED && !discard ? new byte[CHUNK_BYTES] : null;
    }

    /** True when the response went out whole, so the connection may carry another request. */
    boolean complete() {
        return closed && (framing != Framing.FIXED || written == length || discard) && framing != Framing.UNTIL_CLOSE;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("the response is already complete");
        if (framing == Framing.FIXED && written + len > length) {
            throw new IOException("the response declared " + length + " bytes and more were written");
        }
        written += len;
        if (discard || len == 0) return;
        if (framing != Framing.CHUNKED) {
            out.write(b, off, len);
            return;
        }
        if (chunkUsed + len > chunk.length) {
            emitChunk();
            if (len > chunk.length) {
                writeChunk(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, chunk, chunkUsed, len);
        chunkUsed += len;
    }

    @Override
    public void flush() throws IOException {
        if (closed || discard) return;
        if (framing == Framing.CHUNKED) emitChunk();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        if (discard) {
            out.flush();
            return;
        }
        if (framing == Framing.CHUNKED) {
            emitChunk();
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }

    private void emitChunk() throws IOException {
        if (chunkUsed == 0) return;
        writeChunk(chunk, 0, chunkUsed);
        chunkUsed = 0;
    }

    private void writeChunk(byte[] b, int off, int len) throws IOException {
        out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b, off, len);
        out.write('\r');
        out.write('\n');
    }
}
