package io.ringwork.runtime.http.server;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read from the connection as it arrives: {@code Content-Length} or chunked
 * framing, nothing allocated from a declared length. Every byte read is reserved from the
 * server's shared {@link ByteBudget} (released when the exchange ends), so bodies together never
 * hold more than the budget; a read past it fails with 503. The first read sends
 * {@code 100 Continue} when the client asked for it and starts the body's deadline; a body that
 * has not fully arrived by then fails with 408. Not thread-safe: one handler reads it.
 */
final class BodyStream extends InputStream {
    private static final int CHUNK_LINE_BYTES_MAX = 1024;

    private final InputStream in;
    private final ApiServer.Connection connection;
    private final ByteBudget budget;
    private final boolean chunked;
    private final boolean expectsContinue;
    /** Bytes left: of the whole body (Content-Length) or of the current chunk. */
    private long remaining;
    private boolean started;
    private boolean done;
    private long reserved;

    BodyStream(InputStream in, ApiServer.Connection connection, ByteBudget budget, RequestHead head) {
        this.in = in;
        this.connection = connection;
        this.budget = budget;
        this.chunked = head.chunked();
        this.expectsContinue = head.expectsContinue();
        this.remaining = chunked ? 0 : Math.max(0, head.contentLength());
        this.done = !chunked && remaining == 0;
    }

    /** True once the whole body was read. */
    boolean complete() {
        return done;
    }

    /** Bytes reserved from the budget so far, for the exchange to release. */
    long reserved() {
        return reserved;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (done) return -1;
        if (!started) start();
        if (chunked && remaining == 0) {
            remaining = nextChunkSize();
            if (remaining == 0) {
                skipTrailers();
                finish();
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) throw ended();
        if (!budget.tryReserve(n)) {
            throw new HttpProblem(503, "busy", "this node holds " + budget.limitBytes()
                    + " bytes of request bodies already; nothing was done, retry shortly");
        }
        reserved += n;
        remaining -= n;
        if (remaining == 0) {
            if (chunked) expectLineEnd();
            else finish();
        }
        return n;
    }

    /** Reads and discards what is left, up to {@code maxBytes}; true when the body then is complete. */
    boolean drain(long maxBytes) {
        byte[] sink = new byte[8192];
        long left = maxBytes;
        try {
            while (!done && left > 0) {
                int n = read(sink, 0, (int) Math.min(sink.length, left));
                if (n < 0) break;
                left -= n;
                budget.release(n);
                reserved -= n;
            }
        } catch (IOException e) {
            return false;
        }
        return done;
    }

    private void start() throws IOException {
        started = true;
        if (expectsContinue) connection.sendContinue();
        connection.bodyStarted();
    }

    private void finish() {
        done = true;
        connection.bodyDone();
    }

    private IOException ended() {
        if (connection.readTimedOut()) {
            return new HttpProblem(408, "request_timeout", "the request body did not arrive within "
                    + connection.bodyTimeoutMs() + " ms; nothing was done");
        }
        return new EOFException("the client closed the connection before the body ended");
    }

    private long nextChunkSize() throws IOException {
        String line = line();
        int semicolon = line.indexOf(';'); // chunk extensions are ignored
        String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).strip();
        if (hex.isEmpty() || hex.length() > 15) throw new HttpProblem(400, "bad_request", "malformed chunk size");
        long size = 0;
        for (int i = 0; i < hex.length(); i++) {
            int digit = RequestHead.hex(hex.charAt(i));
            if (digit < 0) throw new HttpProblem(400, "bad_request", "malformed chunk size");
            size = size * 16 + digit;
        }
        return size;
    }

    private void expectLineEnd() throws IOException {
        if (!line().isEmpty()) throw new HttpProblem(400, "bad_request", "a chunk must end with CRLF");
    }

    private void skipTrailers() throws IOException {
        for (int fields = 0; !line().isEmpty(); fields++) {
            if (fields == RequestHead.HEADERS_MAX) throw new HttpProblem(431, "request_header_fields_too_large", "too many trailer fields");
        }
    }

    private String line() throws IOException {
        StringBuilder text = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) throw ended();
            if (b == '\n') break;
            if (text.length() == CHUNK_LINE_BYTES_MAX) throw new HttpProblem(400, "bad_request", "chunk line too long");
            text.append((char) b);
        }
        int end = text.length();
        if (end > 0 && text.charAt(end - 1) == '\r') text.setLength(end - 1);
        return text.toString();
    }
}
