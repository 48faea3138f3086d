package io.ringwork.runtime.peer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Length-prefixed frames over one TCP connection, authenticated once {@link #secure} was called.
 * On the wire a frame is {@code length(4), body, [seq(8), mac(32)]}: {@code length} counts
 * everything after itself; the trailer is there only on a secured channel. The MAC is
 * HMAC-SHA256 under the connection's session key (see {@link PeerHandshake}) over
 * {@code direction(1), seq(8), body}. Sequence numbers start at 0 in each direction and the
 * receiver takes only the next one, so a frame resent on this connection is refused as replayed,
 * and one captured from another connection fails its MAC (another session key).
 *
 * <p>Reading is bounded: the length is checked against the caller's maximum before anything is
 * allocated, the body is read in growing chunks as its bytes arrive (a length that lies costs
 * what was really sent), and the whole frame must arrive within a deadline, so a peer that goes
 * silent mid-frame holds the reading thread at most that long. Refusals are {@link Drop}s naming
 * the {@link PeerCounters} reason; after one the channel must be closed.
 *
 * <p>Not thread-safe, but its two directions share no state: one thread may write while another
 * reads (a pipelined link, {@link PeerClient.Pipeline}); {@link #close} from any thread.
 */
final class PeerChannel implements AutoCloseable {
    static final int MAC_BYTES = 32;
    private static final int TRAILER_BYTES = 8 + MAC_BYTES;
    private static final int FIRST_CHUNK_BYTES = 64 << 10;
    static final byte CLIENT_TO_SERVER = 1;
    static final byte SERVER_TO_CLIENT = 2;

    /** A frame refused; {@code reason} is the counter it goes to. */
    static final class Drop extends IOException {
        final String reason;

        Drop(String reason, String detail) {
            super(reason + ": " + detail);
            this.reason = reason;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final PeerCounters counters;
    private final byte sendDirection;
    private final byte receiveDirection;
    private Mac sendMac;
    private Mac receiveMac;
    private long sendSeq;
    private long receiveSeq;

    PeerChannel(Socket socket, boolean serverSide, PeerCounters counters) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 << 10));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 << 10));
        this.counters = counters;
        this.sendDirection = serverSide ? SERVER_TO_CLIENT : CLIENT_TO_SERVER;
        this.receiveDirection = serverSide ? CLIENT_TO_SERVER : SERVER_TO_CLIENT;
    }

    /** From now on every frame carries, and must carry, a MAC under {@code sessionKey}. */
    void secure(byte[] sessionKey) {
        sendMac = hmac(sessionKey);
        receiveMac = hmac(sessionKey);
    }

    boolean secured() {
        return sendMac != null;
    }

    static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    void writeFrame(byte[] body) throws IOException {
        int length = body.length + (secured() ? TRAILER_BYTES : 0);
        out.writeInt(length);
        out.write(body);
        if (secured()) {
            long seq = sendSeq++;
            out.writeLong(seq);
            out.write(mac(sendMac, sendDirection, seq, body));
        }
        out.flush();
        counters.sent(4 + length);
    }

    /**
     * Reads the next frame's body.
     *
     * @param maxBytes      the largest body (trailer excluded) accepted; above it, an {@code oversized} drop
     * @param idleMs        how long to wait for the frame to start; then a {@link SocketTimeoutException}
     * @param frameMs       how long the frame may take once started; then a {@code timeout} drop
     * @throws EOFException when the peer closed the connection between frames
     */
    byte[] readFrame(int maxBytes, int idleMs, int frameMs) throws IOException {
        socket.setSoTimeout(idleMs);
        int first = in.read();
        if (first < 0) throw new EOFException("the peer closed the connection");
        long deadlineNs = System.nanoTime() + frameMs * 1_000_000L;
        socket.setSoTimeout(frameMs);
        byte[] header = new byte[3];
        readFully(header, 0, 3, deadlineNs);
        int length = (first << 24) | ((header[0] & 0xFF) << 16) | ((header[1] & 0xFF) << 8) | (header[2] & 0xFF);
        int trailer = secured() ? TRAILER_BYTES : 0;
        if (length < trailer) throw new Drop(PeerCounters.MALFORMED, "frame length " + length + " leaves no room for its trailer");
        if (length - trailer > maxBytes) {
            throw new Drop(PeerCounters.OVERSIZED, "frame of " + (length - trailer) + " bytes passes the limit of " + maxBytes);
        }
        byte[] body = readGrowing(length - trailer, deadlineNs);
        if (!secured()) {
            counters.received(4 + length);
            return body;
        }
        byte[] trailerBytes = new byte[TRAILER_BYTES];
        readFully(trailerBytes, 0, TRAILER_BYTES, deadlineNs);
        long seq = 0;
        for (int i = 0; i < 8; i++) seq = (seq << 8) | (trailerBytes[i] & 0xFF);
        byte[] mac = Arrays.copyOfRange(trailerBytes, 8, TRAILER_BYTES);
        if (!MessageDigest.isEqual(mac, mac(receiveMac, receiveDirection, seq, body))) {
            throw new Drop(PeerCounters.BAD_MAC, "frame " + seq + " fails its MAC");
        }
        if (seq != receiveSeq) throw new Drop(PeerCounters.REPLAYED, "frame " + seq + " where " + receiveSeq + " was next");
        receiveSeq++;
        counters.received(4 + length);
        return body;
    }

    private byte[] readGrowing(int length, long deadlineNs) throws IOException {
        byte[] buffer = new byte[Math.min(length, FIRST_CHUNK_BYTES)];
        int got = 0;
        while (got < length) {
            if (got == buffer.length) buffer = Arrays.copyOf(buffer, (int) Math.min(length, 2L * buffer.length));
            got += readSome(buffer, got, buffer.length - got, deadlineNs);
        }
        return buffer;
    }

    private void readFully(byte[] buffer, int from, int count, long deadlineNs) throws IOException {
        int got = 0;
        while (got < count) got += readSome(buffer, from + got, count - got, deadlineNs);
    }

    private int readSome(byte[] buffer, int from, int count, long deadlineNs) throws IOException {
        int n;
        try {
            n = in.read(buffer, from, count);
        } catch (SocketTimeoutException e) {
            throw new Drop(PeerCounters.TIMEOUT, "the peer went silent mid-frame");
        }
        if (n < 0) throw new Drop(PeerCounters.MALFORMED, "the connection ended mid-frame");
        if (System.nanoTime() > deadlineNs) throw new Drop(PeerCounters.TIMEOUT, "the frame took longer than its deadline");
        return n;
    }

    private static byte[] mac(Mac mac, byte direction, long seq, byte[] body) {
        mac.update(direction);
        for (int shift = 56; shift >= 0; shift -= 8) mac.update((byte) (seq >>> shift));
        mac.update(body);
        return mac.doFinal();
    }

    boolean closed() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
