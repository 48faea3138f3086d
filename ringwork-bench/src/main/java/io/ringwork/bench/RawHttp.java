package io.ringwork.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A plain HTTP/1.1 connection for the load generator: one keep-alive socket with TCP_NODELAY,
 * written and read on the caller's thread. The JDK's HttpClient hands every request and every
 * streamed chunk between its selector thread and an executor; on a 2-core machine those hops
 * showed up in the latency it was measuring. Supports what the generator needs: POST with a
 * body, answers with Content-Length or chunked, and a streamed GET whose {@code data:} lines
 * go to a consumer. Not thread-safe: one user at a time.
 */
final class RawHttp implements AutoCloseable {
    private final String host;
    private final int port;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** A status and a body. */
    record Answer(int status, byte[] body) {}

    RawHttp(URI base) throws IOException {
        this.host = base.getHost();
        this.port = base.getPort();
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    Answer post(String path, String contentType, byte[] body) throws IOException {
        String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        out.write(request);
        out.flush();
        int status = status();
        long length = -1;
        boolean chunked = false;
        for (String line = line(); !line.isEmpty(); line = line()) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("content-length:")) length = Long.parseLong(line.substring(15).trim());
            else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
        }
        if (chunked) {
            ByteArrayOutputStream collected = new ByteArrayOutputStream();
            chunks(bytes -> collected.writeBytes(bytes));
            return new Answer(status, collected.toByteArray());
        }
        return new Answer(status, length <= 0 ? new byte[0] : in.readNBytes((int) length));
    }

    /** GETs {@code path} and gives each {@code data:} line of the stream to {@code onData} until it ends or the socket closes. */
    void stream(String path, Consumer<String> onData) throws IOException {
        socket.setSoTimeout(0);
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        int status = status();
        if (status != 200) throw new IOException("GET " + path + " answered " + status);
        boolean chunked = false;
        for (String line = line(); !line.isEmpty(); line = line()) {
            String lower = line.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
        }
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        Consumer<byte[]> lines = bytes -> {
            for (byte b : bytes) {
                if (b == '\n') {
                    String text = pending.toString(StandardCharsets.UTF_8);
                    pending.reset();
                    if (text.startsWith("data: ")) onData.accept(text.substring(6));
                } else if (b != '\r') {
                    pending.write(b);
                }
            }
        };
        if (chunked) {
            chunks(lines);
        } else {
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) lines.accept(java.util.Arrays.copyOf(buffer, n));
        }
    }

    /** Reads a chunked body, giving each chunk's bytes to {@code onChunk}, through the last (empty) chunk. */
    private void chunks(Consumer<byte[]> onChunk) throws IOException {
        while (true) {
            String sizeLine = line();
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                while (!line().isEmpty()) { } // trailers
                return;
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size) throw new IOException("the stream ended inside a chunk");
            onChunk.accept(chunk);
            line(); // the CRLF after the chunk
        }
    }

    private int status() throws IOException {
        String statusLine = line();
        if (!statusLine.startsWith("HTTP/1.")) throw new IOException("not an HTTP answer: '" + statusLine + "'");
        return Integer.parseInt(statusLine.substring(9, 12));
    }

    /** One header line without its CRLF; the stream's end is an IOException. */
    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("the connection closed");
            if (b == '\n') break;
            if (b != '\r') line.append((char) b);
        }
        return line.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
