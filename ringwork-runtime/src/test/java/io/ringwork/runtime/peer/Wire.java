package io.ringwork.runtime.peer;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;

/** A client connection that keeps every byte it sent, so a test can resend or damage them. */
final class Wire implements AutoCloseable {
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final Socket socket;
    private final PeerChannel channel;
    private final PeerCodec codec;
    private final String to;
    private byte[] lastFrame;

    Wire(int port, PeerCodec codec, String to) throws IOException {
        this.codec = codec;
        this.to = to;
        socket = new Socket() {
            @Override
            public OutputStream getOutputStream() throws IOException {
                OutputStream real = super.getOutputStream();
                return new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        sent.write(b);
                        real.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        sent.write(b, off, len);
                        real.write(b, off, len);
                    }
                };
            }
        };
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        channel = new PeerChannel(socket, false, new PeerCounters());
    }

    Wire handshake(PeerIdentity as) throws IOException {
        return handshake(as, PeerCodec.VERSION);
    }

    Wire handshake(PeerIdentity as, int version) throws IOException {
        PeerHandshake.asClient(channel, as, version, to);
        return this;
    }

    List<ReplicaAck> send(List<ReplicaMessage> messages) throws IOException {
        int from = sent.size();
        channel.writeFrame(codec.encodeBatch(messages));
        byte[] all = sent.toByteArray();
        lastFrame = Arrays.copyOfRange(all, from, all.length);
        return codec.decodeAnswers(channel.readFrame(1 << 20, 5000, 5000)).acks();
    }

    /** Sends a relayed read as given (any hop count) and returns the answer. */
    RelayedRead.Answer read(RelayedRead.Request request) throws IOException {
        channel.writeFrame(codec.encodeRead(request));
        return codec.decodeReadAnswer(channel.readFrame(1 << 20, 5000, 5000)).value();
    }

    /** The bytes of the frame {@link #send} wrote last. */
    byte[] lastFrame() {
        return lastFrame.clone();
    }

    void rawFrame(byte[] body) throws IOException {
        channel.writeFrame(body);
    }

    void raw(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** True once the server has closed this connection (read returns end of stream within 10 s). */
    boolean closedByServer() {
        try {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            while (true) {
                if (in.read() < 0) return true;
            }
        } catch (IOException e) {
            return e instanceof java.net.SocketException; // reset by the server counts as closed
        }
    }

    @Override
    public void close() {
        channel.close();
    }
}
