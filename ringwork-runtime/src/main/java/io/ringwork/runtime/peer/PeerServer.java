package io.ringwork.runtime.peer;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import io.ringwork.core.cluster.FeedRelay;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's peer port: the receiving end of every member's replication link and of the reads
 * they relay here. One virtual thread per connection reads a request frame, hands its messages to
 * the {@link Receiver} in order and writes one answer per message (a relayed read: one answer from
 * {@link Receiver#read}), then reads the next. Nothing is taken before the
 * {@link PeerHandshake} is done; with a key, nothing whose MAC does not verify; with peer TLS,
 * nothing from a peer whose certificate the cluster CA did not sign ({@link PeerTls}).
 *
 * <p>Limits: at most {@value #CONNECTIONS_MAX} inbound connections (more are closed at once and
 * counted); a request frame of at most {@link #FRAME_MAX} bytes; a connection idle for
 * {@value #IDLE_MS} ms is closed (the link reconnects); a frame must arrive within
 * {@value #FRAME_MS} ms once started. Every refused frame is counted ({@link PeerCounters}) and
 * closes its connection; nothing of it is applied, and no peer input stops the server.
 */
public final class PeerServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerServer.class);
    /** Largest request frame: 256 messages of snapshot pages or commits with their states (as the HTTP route took). */
    public static final int FRAME_MAX = 256 << 20;
    static final int CONNECTIONS_MAX = 128;
    static final int IDLE_MS = 120_000;
    static final int FRAME_MS = 60_000;

    /** Where received messages go; in production {@code ClusterService.receive}. */
    public interface Receiver {
        /** Applies the messages from {@code from}, in order; one ack per message. */
        List<ReplicaAck> receive(String from, List<ReplicaMessage> messages);

        /**
         * Answers feed fetches from {@code from}'s relay ({@code FeedRelay}), one page each, in order;
         * a null fetch (a kind this node does not read) gets a refusal. By default every fetch is
         * refused (a node that relays nothing).
         */
        default List<FeedRelay.Page> serveFeed(String from, List<FeedRelay.Fetch> fetches) {
            List<FeedRelay.Page> pages = new ArrayList<>();
            for (FeedRelay.Fetch fetch : fetches) {
                pages.add(new FeedRelay.Page(fetch == null ? 0 : fetch.partition(), false, List.of(), 0, -1, -1, -1));
            }
            return pages;
        }

        /** A request was refused whole for a term epoch out of range (also counted as malformed). */
        default void termRefused() {
        }

        /**
         * Answers a read relayed by {@code from} from this node's own store; never relays it
         * further. Runs on the connection's thread, so it must not block for long.
         */
        default RelayedRead.Answer read(String from, RelayedRead.Request request) {
            return RelayedRead.Answer.unavailable("this node serves no relayed reads");
        }

        /** Delivers a message relayed by {@code from} to this node's subscribers (issue 21, item 5); never relays it. */
        default RelayedMessage.Answer deliver(String from, RelayedMessage.Delivery delivery) {
            return RelayedMessage.Answer.unavailable("this node serves no messaging");
        }

        /** This node's subscriber load of a topic, for an anycast's choice. */
        default RelayedMessage.Load load(String from, RelayedMessage.LoadQuery query) {
            return RelayedMessage.Load.NONE;
        }

        /** Answers a key-value listing asked by {@code from} from this node's own store; never relays it. */
        default RelayedList.Answer list(String from, RelayedList.Request request) {
            return RelayedList.Answer.none("this node serves no listings");
        }
    }

    private final ServerSocket socket;
    private final PeerIdentity self;
    private final PeerCodec codec;
    private final Receiver receiver;
    private final PeerCounters counters;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private PeerServer(ServerSocket socket, PeerIdentity self, PeerCodec codec, Receiver receiver, PeerCounters counters) {
        this.socket = socket;
        this.self = self;
        this.codec = codec;
        this.receiver = receiver;
        this.counters = counters;
        this.acceptor = Thread.ofPlatform().daemon().name("ringwork-peer-accept").start(this::acceptLoop);
    }

    /** Listens on {@code address} (port 0 picks one) and serves until closed. */
    public static PeerServer bind(InetSocketAddress address, PeerIdentity self, PeerCodec codec, Receiver receiver,
                                  PeerCounters counters) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.bind(address, 64);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new PeerServer(socket, self, codec, receiver, counters);
    }

    /**
     * Refuses a peer address that would take unauthenticated traffic from other machines: without
     * a secret or peer TLS ({@code secured}: either authenticates the peer) the peer port may only
     * listen on loopback, unless {@code insecurePeers} says so.
     *
     * @throws IllegalArgumentException naming the address and both flags
     */
    public static void checkBindable(String host, boolean secured, boolean insecurePeers) {
        if (secured || insecurePeers) return;
        boolean loopback;
        try {
            loopback = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("peer host '" + host + "' is unknown: " + e.getMessage());
        }
        if (!loopback) {
            throw new IllegalArgumentException("the peer address " + host + " is not a loopback address, and without "
                    + "--secret-file or peer TLS, peer traffic (replication) is not authenticated: give every node the same "
                    + "--secret-file, or --peer-tls-cert/--peer-tls-key/--peer-tls-ca, or pass --insecure-peers to accept unauthenticated peers on " + host);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket connection;
            try {
                connection = socket.accept();
            } catch (IOException e) {
                if (closed) return;
                // Out of file descriptors, say: wait a little rather than spin on the error.
                LOG.warn("peer accept failed: {}", e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            if (counters.inbound().incrementAndGet() > CONNECTIONS_MAX) {
                counters.inbound().decrementAndGet();
                counters.dropped(PeerCounters.CONNECTIONS, 1);
                closeQuietly(connection);
                continue;
            }
            open.add(connection);
            Thread.ofVirtual().name("ringwork-peer-in").start(() -> serve(connection));
        }
    }

    private void serve(Socket connection) {
        String peer = connection.getRemoteSocketAddress().toString();
        try (PeerChannel channel = new PeerChannel(secure(connection), true, counters)) {
            connection.setTcpNoDelay(true);
            PeerHandshake.Hello client = PeerHandshake.asServer(channel, self, codec.version());
            peer = client.node() + " (" + peer + ")";
            while (!closed) {
                byte[] request = channel.readFrame(FRAME_MAX, IDLE_MS, FRAME_MS);
                channel.writeFrame(answer(client.node(), request));
            }
        } catch (PeerChannel.Drop drop) {
            counters.dropped(drop.reason, 1);
            LOG.info("peer connection from {} closed: {}", peer, drop.getMessage());
        } catch (EOFException | SocketTimeoutException e) {
            // The peer hung up, or was idle long enough that its link will reconnect when it needs to.
        } catch (IOException e) {
            if (!closed) LOG.debug("peer connection from {} failed: {}", peer, e.toString());
        } catch (RuntimeException e) {
            // The receiver failed on an authenticated batch (a storage error, say): this connection
            // ends, the sender's link counts the batch lost, and the server goes on.
            LOG.warn("peer connection from {}: applying a batch failed", peer, e);
        } finally {
            open.remove(connection);
            closeQuietly(connection); // also when the TLS handshake failed before a channel held it
            counters.inbound().decrementAndGet();
        }
    }

    /**
     * With peer TLS, the connection after a mutual TLS handshake on this thread (never the
     * acceptor's: a peer that stalls it holds only its own connection, for at most the handshake's
     * timeout); without, the connection itself.
     */
    private Socket secure(Socket connection) throws IOException {
        if (self.tls() == null) return connection;
        return PeerTls.accept(connection, self.tls().get(), PeerHandshake.TIMEOUT_MS);
    }

    /** Decodes, applies and answers one request frame; a frame that does not decode is a drop. */
    private byte[] answer(String from, byte[] request) throws PeerChannel.Drop {
        if (MessageCodec.isMessaging(request)) return answerMessaging(from, request);
        if (codec.isRead(request)) return answerRead(from, request);
        if (codec.isList(request)) return answerList(from, request);
        if (PeerCodec.isFeedFetch(request)) {
            List<FeedRelay.Fetch> fetches;
            try {
                fetches = codec.decodeFetches(request);
            } catch (IOException | RuntimeException e) {
                throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
            }
            try {
                return codec.encodePages(receiver.serveFeed(from, fetches));
            } catch (IllegalArgumentException e) {
                throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
            }
        }
        PeerCodec.Batch batch;
        try {
            batch = codec.decodeBatch(request);
        } catch (PeerCodec.TermOutOfRange e) {
            receiver.termRefused();
            throw new PeerChannel.Drop(PeerCounters.MALFORMED, "refused whole: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
        }
        counters.dropped(PeerCounters.UNKNOWN_KIND, batch.unknownKinds());
        counters.dropped(PeerCounters.UNKNOWN_FIELD, batch.unknownFields());
        List<ReplicaMessage> known = new ArrayList<>(batch.messages().size());
        for (ReplicaMessage message : batch.messages()) if (message != null) known.add(message);
        List<ReplicaAck> acks;
        try {
            acks = receiver.receive(from, known);
        } catch (IllegalArgumentException e) {
            // An authenticated peer named a partition this node does not have: a misconfigured cluster.
            throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
        }
        List<ReplicaAck> answers = new ArrayList<>(batch.messages().size());
        int next = 0;
        for (ReplicaMessage message : batch.messages()) {
            ReplicaAck ack = message == null ? null : acks.get(next++);
            if (ack != null && ack.status() == ReplicaAck.Status.STALE_TERM) counters.dropped(PeerCounters.STALE_TERM, 1);
            answers.add(ack);
        }
        return codec.encodeAnswers(answers);
    }

    /** A relayed read: answered from this node's store, or refused when it already took its hops. */
    private byte[] answerRead(String from, byte[] request) throws PeerChannel.Drop {
        PeerCodec.Decoded<RelayedRead.Request> read;
        try {
            read = codec.decodeRead(request);
        } catch (IOException | RuntimeException e) {
            throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
        }
        counters.dropped(PeerCounters.UNKNOWN_KIND, read.unknownKinds());
        counters.dropped(PeerCounters.UNKNOWN_FIELD, read.unknownFields());
        counters.readServed();
        RelayedRead.Answer answer = read.value().hops() > RelayedRead.HOPS_MAX
                ? RelayedRead.Answer.refused("the read was relayed " + read.value().hops() + " times; at most "
                        + RelayedRead.HOPS_MAX + " is allowed")
                : receiver.read(from, read.value());
        return codec.encodeReadAnswer(answer);
    }

    /** A delivery or a load query (messaging); a delivery that says it took too many hops is refused. */
    private byte[] answerMessaging(String from, byte[] request) throws PeerChannel.Drop {
        // Only decoding failures are the peer's fault (malformed); the receiver's own failures end the connection as in serve().
        PeerCodec.Decoded<RelayedMessage.LoadQuery> query = null;
        PeerCodec.Decoded<RelayedMessage.Delivery> delivery = null;
        try {
            if (MessageCodec.isLoad(request)) query = MessageCodec.decodeLoadQuery(request);
            else delivery = MessageCodec.decodeDelivery(request);
        } catch (IOException | RuntimeException e) {
            throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
        }
        if (query != null) {
            counters.dropped(PeerCounters.UNKNOWN_FIELD, query.unknownFields());
            return MessageCodec.encodeLoad(receiver.load(from, query.value()));
        }
        counters.dropped(PeerCounters.UNKNOWN_FIELD, delivery.unknownFields());
        RelayedMessage.Answer answer = delivery.value().hops() > RelayedMessage.HOPS_MAX
                ? RelayedMessage.Answer.refused("the message was relayed " + delivery.value().hops() + " times; at most "
                        + RelayedMessage.HOPS_MAX + " is allowed")
                : receiver.deliver(from, delivery.value());
        return MessageCodec.encodeAnswer(answer);
    }

    /** A key-value listing: answered from this node's store. */
    private byte[] answerList(String from, byte[] request) throws PeerChannel.Drop {
        PeerCodec.Decoded<RelayedList.Request> list;
        try {
            list = codec.decodeList(request);
        } catch (IOException | RuntimeException e) {
            throw new PeerChannel.Drop(PeerCounters.MALFORMED, e.getMessage());
        }
        counters.dropped(PeerCounters.UNKNOWN_KIND, list.unknownKinds());
        counters.dropped(PeerCounters.UNKNOWN_FIELD, list.unknownFields());
        return codec.encodeListAnswer(receiver.list(from, list.value()));
    }

    private static void closeQuietly(Socket connection) {
        try {
            connection.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        open.forEach(PeerServer::closeQuietly);
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
