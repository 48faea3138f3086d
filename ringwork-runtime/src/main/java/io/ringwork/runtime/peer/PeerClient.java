package io.ringwork.runtime.peer;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.runtime.node.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import io.ringwork.core.cluster.FeedRelay;

/**
 * One persistent connection to a member's peer port, used by one thread at a time (a replication
 * link, or a relayed read that borrowed it): {@link #exchange} sends a batch and reads its
 * answers, {@link #read} relays a read; or by a writer and a reader together through
 * {@link #pipeline} (a replication link with several batches on their way). It connects and does the
 * {@link PeerHandshake} on first use, and closes the connection on any failure, so the next
 * exchange starts over on a fresh one (a late answer can never be taken for the next batch's).
 * A batch whose frame would pass {@link PeerServer#FRAME_MAX} goes as several frames.
 */
public final class PeerClient implements AutoCloseable {
    static final int CONNECT_TIMEOUT_MS = 1000;
    /** Answers frames are small: one short ack per message. */
    private static final int ANSWERS_MAX = 16 << 20;
    /** A connection unused this long is replaced before use: the server may have closed it as idle. */
    private static final long REUSE_MAX_MS = PeerServer.IDLE_MS / 2;
    /**
     * With peer TLS, a connection this old is replaced before its next request, so that a renewed
     * certificate (either side's) is in use within this long even on a link that is never idle,
     * and a certificate that expired stops being used; between requests, nothing is in flight.
     */
    static final long TLS_AGE_MAX_MS = 10 * 60_000;

    private final String to;
    private final PeerIdentity self;
    private final PeerCodec codec;
    private final PeerCounters counters;
    private volatile InetSocketAddress address;
    private volatile PeerChannel channel;
    /** The socket being connected, before it has a channel: close() ends a TLS handshake in progress too. */
    private volatile Socket connecting;
    /** Written by the pipeline's two threads too (see {@link Pipeline}). */
    private volatile long lastUsedNs;
    private volatile long connectedNs;
    private volatile long tlsAgeMaxMs = TLS_AGE_MAX_MS;

    /**
     * @param to      the member's node id; a connection that reaches another node is refused
     * @param address the member's peer address, host:port
     */
    public PeerClient(String to, String address, PeerIdentity self, PeerCodec codec, PeerCounters counters) {
        this.to = to;
        this.self = self;
        this.codec = codec;
        this.counters = counters;
        address(address);
    }

    /**
     * The member's peer address changed (it restarted): the next exchange connects there.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not host:port (gossip is input too)
     */
    public void address(String hostPort) {
        HostPort parsed = HostPort.parse(hostPort, "peer");
        address = InetSocketAddress.createUnresolved(parsed.host(), parsed.port());
    }

    /**
     * Sends {@code messages} and returns one answer per message, in order (null where the member
     * skipped a kind it does not know).
     *
     * @param answerTimeoutMs how long to wait for the answers to each frame
     * @throws IOException when the connection, the handshake or the answer failed; nothing is
     *                     known of what the member applied
     */
    public List<ReplicaAck> exchange(List<ReplicaMessage> messages, int answerTimeoutMs) throws IOException {
        byte[] body = codec.encodeBatch(messages);
        if (body.length > PeerServer.FRAME_MAX && messages.size() > 1) {
            int half = messages.size() / 2;
            List<ReplicaAck> acks = new ArrayList<>(exchange(messages.subList(0, half), answerTimeoutMs));
            acks.addAll(exchange(messages.subList(half, messages.size()), answerTimeoutMs));
            return acks;
        }
        if (body.length > PeerServer.FRAME_MAX) throw new IOException("one message of " + body.length + " bytes passes the frame limit");
        PeerCodec.Answers answers = request(body, ANSWERS_MAX, answerTimeoutMs, frame -> {
            PeerCodec.Answers decoded = codec.decodeAnswers(frame);
            if (decoded.acks().size() != messages.size()) {
                throw new IOException(to + " answered " + decoded.acks().size() + " of " + messages.size() + " messages");
            }
            return decoded;
        });
        counters.dropped(PeerCounters.UNKNOWN_KIND, answers.unknownKinds());
        counters.dropped(PeerCounters.UNKNOWN_FIELD, answers.unknownFields());
        return answers.acks();
    }

    /** A batch's messages as one request frame: its encoded body and the messages it holds. */
    public record Frame(byte[] body, List<ReplicaMessage> messages) {}

    /**
     * {@code messages} encoded as request frames, in order, each under {@link PeerServer#FRAME_MAX}
     * (a batch too large for one is halved until it fits).
     *
     * @throws IOException when one message alone passes the frame limit
     */
    public List<Frame> frames(List<ReplicaMessage> messages) throws IOException {
        List<Frame> frames = new ArrayList<>(1);
        split(messages, frames);
        return frames;
    }

    private void split(List<ReplicaMessage> messages, List<Frame> into) throws IOException {
        byte[] body = codec.encodeBatch(messages);
        if (body.length > PeerServer.FRAME_MAX && messages.size() > 1) {
            int half = messages.size() / 2;
            split(messages.subList(0, half), into);
            split(messages.subList(half, messages.size()), into);
            return;
        }
        if (body.length > PeerServer.FRAME_MAX) throw new IOException("one message of " + body.length + " bytes passes the frame limit");
        into.add(new Frame(body, messages));
    }

    /**
     * The current connection (opened, or replaced when idle too long or, with TLS, too old, as for
     * {@link #exchange}) for pipelined batches: one thread writes frames ({@link Pipeline#write})
     * while another reads their answers in the same order ({@link Pipeline#answers}). The member
     * answers a connection's frames one after the other, in order, so the answers line up with the
     * frames. After any failure on it, {@link Pipeline#close} it; the next call opens a fresh one.
     *
     * @throws IOException when the connection or the handshake failed
     */
    public Pipeline pipeline() throws IOException {
        try {
            return new Pipeline(connected());
        } catch (PeerChannel.Drop drop) {
            counters.dropped(drop.reason, 1);
            disconnect();
            throw drop;
        } catch (IOException | RuntimeException e) {
            disconnect();
            throw e;
        }
    }

    /**
     * One connection used by two threads: a writer and a reader (a {@link PeerChannel}'s two
     * directions share no state). Failures are counted like an exchange's; the caller closes it.
     */
    public final class Pipeline {
        private final PeerChannel channel;

        private Pipeline(PeerChannel channel) {
            this.channel = channel;
        }

        /** Sends one request frame (from {@link PeerClient#frames}); writer thread only. */
        public void write(Frame frame) throws IOException {
            try {
                channel.writeFrame(frame.body());
                lastUsedNs = System.nanoTime();
            } catch (PeerChannel.Drop drop) {
                counters.dropped(drop.reason, 1);
                throw drop;
            }
        }

        /**
         * Reads the answers to the oldest frame not yet answered, which held {@code expected}
         * messages; reader thread only.
         *
         * @throws IOException when no answer came within {@code answerTimeoutMs}, the connection
         *                     failed, or the answer does not decode or does not count {@code expected}
         */
        public List<ReplicaAck> answers(int expected, int answerTimeoutMs) throws IOException {
            PeerCodec.Answers answers;
            try {
                answers = codec.decodeAnswers(channel.readFrame(ANSWERS_MAX, answerTimeoutMs, answerTimeoutMs));
            } catch (PeerChannel.Drop drop) {
                counters.dropped(drop.reason, 1);
                throw drop;
            }
            if (answers.acks().size() != expected) throw new IOException(to + " answered " + answers.acks().size() + " of " + expected + " messages");
            counters.dropped(PeerCounters.UNKNOWN_KIND, answers.unknownKinds());
            counters.dropped(PeerCounters.UNKNOWN_FIELD, answers.unknownFields());
            lastUsedNs = System.nanoTime();
            return answers.acks();
        }

        /** True when {@link PeerClient#pipeline} would replace this connection (idle too long; with TLS, too old). */
        public boolean stale() {
            long now = System.nanoTime();
            return now - lastUsedNs > REUSE_MAX_MS * 1_000_000L || (self.tls() != null && now - connectedNs > tlsAgeMaxMs * 1_000_000L);
        }

        /** Closes the connection, from any thread: a thread blocked on it fails. The next {@link PeerClient#pipeline} opens another. */
        public void close() {
            channel.close();
        }
    }

    /**
     * Relays a read and returns the member's answer.
     *
     * @param answerTimeoutMs how long to wait for the answer once the request is sent
     * @param answerMaxBytes  the largest answer taken; a larger one is refused unread (an
     *                        {@code oversized} drop, and an {@link IOException})
     * @throws IOException when the connection, the handshake or the answer failed
     */
    public RelayedRead.Answer read(RelayedRead.Request request, int answerTimeoutMs, int answerMaxBytes) throws IOException {
        PeerCodec.Decoded<RelayedRead.Answer> answer = request(codec.encodeRead(request), answerMaxBytes, answerTimeoutMs,
                codec::decodeReadAnswer);
        counters.dropped(PeerCounters.UNKNOWN_KIND, answer.unknownKinds());
        counters.dropped(PeerCounters.UNKNOWN_FIELD, answer.unknownFields());
        return answer.value();
    }

    /** Hands a message to the member (messaging); same connection rules as {@link #read}. */
    public RelayedMessage.Answer deliver(RelayedMessage.Delivery delivery, int answerTimeoutMs, int answerMaxBytes) throws IOException {
        PeerCodec.Decoded<RelayedMessage.Answer> answer = request(MessageCodec.encodeDelivery(delivery), answerMaxBytes, answerTimeoutMs,
                MessageCodec::decodeAnswer);
        counters.dropped(PeerCounters.UNKNOWN_FIELD, answer.unknownFields());
        return answer.value();
    }

    /** Asks the member for its subscriber load of a topic; same connection rules as {@link #read}. */
    public RelayedMessage.Load load(RelayedMessage.LoadQuery query, int answerTimeoutMs, int answerMaxBytes) throws IOException {
        PeerCodec.Decoded<RelayedMessage.Load> answer = request(MessageCodec.encodeLoadQuery(query), answerMaxBytes, answerTimeoutMs,
                MessageCodec::decodeLoad);
        counters.dropped(PeerCounters.UNKNOWN_FIELD, answer.unknownFields());
        return answer.value();
    }

    /** Asks for a key-value listing; same connection rules as {@link #read}. */
    public RelayedList.Answer list(RelayedList.Request request, int answerTimeoutMs, int answerMaxBytes) throws IOException {
        PeerCodec.Decoded<RelayedList.Answer> answer = request(codec.encodeList(request), answerMaxBytes, answerTimeoutMs,
                codec::decodeListAnswer);
        counters.dropped(PeerCounters.UNKNOWN_KIND, answer.unknownKinds());
        counters.dropped(PeerCounters.UNKNOWN_FIELD, answer.unknownFields());
        return answer.value();
    }

    /**
     * Sends feed fetches ({@code FeedRelay}) and returns one page per fetch, in order (a refusal
     * where the member does not serve feeds). Same connection rules as {@link #exchange}.
     */
    public List<FeedRelay.Page> fetch(List<FeedRelay.Fetch> fetches, int answerTimeoutMs) throws IOException {
        return request(codec.encodeFetches(fetches), ANSWERS_MAX, answerTimeoutMs, frame -> codec.decodePages(frame, fetches));
    }

    /** Decodes an answer frame; a failure is an {@link IOException}. */
    private interface Decoder<T> {
        T decode(byte[] frame) throws IOException;
    }

    /**
     * Sends one request frame and decodes its answer on the reused connection. Any failure, the
     * decoder's included, drops the connection (nothing is known of what the member did); a
     * {@link PeerChannel.Drop} is counted under its reason.
     */
    private <T> T request(byte[] body, int answerMaxBytes, int answerTimeoutMs, Decoder<T> decoder) throws IOException {
        try {
            PeerChannel open = connected();
            open.writeFrame(body);
            T answer = decoder.decode(open.readFrame(answerMaxBytes, answerTimeoutMs, answerTimeoutMs));
            lastUsedNs = System.nanoTime();
            return answer;
        } catch (PeerChannel.Drop drop) {
            counters.dropped(drop.reason, 1);
            disconnect();
            throw drop;
        } catch (IOException | RuntimeException e) {
            disconnect();
            throw e;
        }
    }

    /** Whether a failed {@link #read} ended on an answer larger than it takes. */
    public static boolean oversized(IOException e) {
        return e instanceof PeerChannel.Drop drop && PeerCounters.OVERSIZED.equals(drop.reason);
    }

    private PeerChannel connected() throws IOException {
        if (channel != null && channel.closed()) channel = null; // a pipeline closed it
        if (channel != null && System.nanoTime() - lastUsedNs > REUSE_MAX_MS * 1_000_000L) disconnect();
        if (channel != null && self.tls() != null && System.nanoTime() - connectedNs > tlsAgeMaxMs * 1_000_000L) disconnect();
        if (channel != null) return channel;
        InetSocketAddress target = address;
        Socket socket = new Socket();
        connecting = socket;
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(target.getHostString(), target.getPort()), CONNECT_TIMEOUT_MS);
            PeerChannel opened = new PeerChannel(self.tls() == null ? socket
                    : PeerTls.connect(socket, self.tls().get(), target.getHostString(), target.getPort(), PeerHandshake.TIMEOUT_MS),
                    false, counters);
            // Set before the handshake, so that close() from another thread (a relayed read's
            // deadline) also ends a handshake the member is slow to answer; on failure every
            // caller disconnects.
            channel = opened;
            try {
                PeerHandshake.asClient(opened, self, codec.version(), to);
            } catch (javax.net.ssl.SSLException e) {
                // With TLS 1.3 the client's handshake ends before the member checked its
                // certificate: a refusal (another CA, expired) shows at the first read.
                throw new PeerChannel.Drop(PeerCounters.TLS, to + " refused the TLS connection: " + e.getMessage());
            }
            lastUsedNs = System.nanoTime();
            connectedNs = lastUsedNs;
            return opened;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        } finally {
            connecting = null;
        }
    }

    /** Tests shorten {@link #TLS_AGE_MAX_MS}. */
    void tlsAgeMaxMs(long ms) {
        tlsAgeMaxMs = ms;
    }

    private void disconnect() {
        if (channel != null) channel.close();
        channel = null;
    }

    /** Closes the connection; may be called from another thread to unblock a waiting exchange. */
    @Override
    public void close() {
        PeerChannel open = channel;
        if (open != null) open.close();
        Socket inProgress = connecting;
        if (inProgress != null) {
            try {
                inProgress.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
    }
}
