package io.ringwork.runtime.transport;

import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import io.ringwork.core.transport.Transport;
import io.ringwork.core.util.Invariants;
import io.ringwork.runtime.util.SlotsPerSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real network: UDP datagrams for {@link Lane#BEST_EFFORT} and length-prefixed frames over
 * TCP for {@link Lane#RELIABLE}, both on the same port number. Each TCP connection starts with a
 * frame naming the sender's listening address, so receivers report the same {@code from} on both
 * lanes (the sender's listening address), which fault injection and logic can match on.
 *
 * <p>Limits: datagrams above {@code packetBytesMax} and frames above {@code frameBytesMax} are
 * dropped and counted; each peer has a queue of {@link #PEER_QUEUE_MAX} outgoing frames (more are
 * dropped); connects time out after {@link #CONNECT_TIMEOUT_MS}. Inbound connections are bounded
 * by {@link InboundLimits}: how many are open (in total and per source IP; more are closed at
 * accept), how long one may sit idle or take over a frame, and how many bytes of partly read
 * frames all of them may hold (a frame's buffer grows as its bytes arrive, never to the length its
 * header claims). Everything closed or dropped is counted in {@link #counters()}. A malformed
 * datagram or frame never ends a receive loop. Sending never blocks the caller. Thread-safe.
 */
public final class UdpTcpTransport implements Transport {
    public static final int PEER_QUEUE_MAX = 256;
    public static final int CONNECT_TIMEOUT_MS = 1000;
    /** The hello frame names the sender's listening address: host (at most 253 characters) and port. */
    static final int HELLO_BYTES_MAX = 512;

    private final Address localAddress;
    private final DatagramChannel datagrams;
    private final ServerSocketChannel acceptor;
    private final int packetBytesMax;
    private final int frameBytesMax;
    private final InboundLimits inbound;
    /** Outgoing streams idle this long (half the inbound idle timeout) are reconnected on their next frame. */
    private final long outboundIdleNs;
    /**
     * Platform threads, not virtual ones: a probe must be read and answered even while the node's
     * virtual threads are busy with CPU-bound work (a replica catching up from the log), which can
     * hold every carrier thread; on a 2-core machine that starved the receive loop into false
     * suspicions. The threads are few: the receive loop, the acceptor, one per open stream, and
     * inbound streams are capped by {@link InboundLimits#connectionsMax()}.
     */
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().daemon().name("ringwork-transport-", 0).factory());
    private final Map<Address, PeerStream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger inboundConnections = new AtomicInteger();
    private final SlotsPerSource<String> inboundBySource;
    private final AtomicLong inboundBufferedBytes = new AtomicLong();
    private final AtomicLong inboundBufferedBytesPeak = new AtomicLong();
    private final TransportCounters counters = new TransportCounters();
    private volatile Receiver receiver = (lane, from, bytes) -> { };
    private volatile boolean closed;

    private UdpTcpTransport(Address localAddress, DatagramChannel datagrams, ServerSocketChannel acceptor,
                            int packetBytesMax, int frameBytesMax, InboundLimits inbound) {
        this.localAddress = localAddress;
        this.datagrams = datagrams;
        this.acceptor = acceptor;
        this.packetBytesMax = packetBytesMax;
        this.frameBytesMax = frameBytesMax;
        this.inbound = inbound;
        this.inboundBySource = new SlotsPerSource<>(inbound.connectionsPerSourceMax());
        // Half the receiver's idle timeout: we reconnect before a peer with the same limits would
        // close the stream under a frame we are writing (which the OS would accept and then lose).
        this.outboundIdleNs = inbound.idleTimeoutMs() / 2 * 1_000_000L;
    }

    /**
     * Binds UDP and TCP on {@code host:port}; port 0 picks a free port for both. Starts receiving
     * at once (messages before {@link #setReceiver} are discarded). Throws IOException if the
     * port is taken. Inbound connections get {@link InboundLimits#defaults}.
     */
    public static UdpTcpTransport bind(String host, int port, int packetBytesMax, int frameBytesMax) throws IOException {
        return bind(host, port, packetBytesMax, frameBytesMax, InboundLimits.defaults(frameBytesMax));
    }

    /** As {@link #bind(String, int, int, int)}, with the given bounds on inbound connections. */
    public static UdpTcpTransport bind(String host, int port, int packetBytesMax, int frameBytesMax,
                                       InboundLimits inbound) throws IOException {
        Invariants.require(packetBytesMax > 0 && frameBytesMax >= packetBytesMax, "bad size limits");
        for (int attempt = 0; ; attempt++) {
            DatagramChannel datagrams = DatagramChannel.open().bind(new InetSocketAddress(host, port));
            int boundPort = ((InetSocketAddress) datagrams.getLocalAddress()).getPort();
            ServerSocketChannel acceptor = ServerSocketChannel.open();
            try {
                acceptor.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                acceptor.bind(new InetSocketAddress(host, boundPort), 128);
            } catch (IOException e) {
                datagrams.close();
                acceptor.close();
                // With port 0 the UDP port we got may be taken for TCP; try another a few times.
                if (port != 0 || attempt >= 10) throw e;
                continue;
            }
            UdpTcpTransport transport = new UdpTcpTransport(new Address(host, boundPort), datagrams, acceptor,
                    packetBytesMax, frameBytesMax, inbound);
            transport.threads.submit(transport::receiveDatagrams);
            transport.threads.submit(transport::acceptConnections);
            return transport;
        }
    }

    @Override
    public Address localAddress() {
        return localAddress;
    }

    /** Counters and gauges of both lanes; any thread. */
    public TransportCounters.Snapshot counters() {
        return counters.snapshot(inboundConnections.get(), inboundBufferedBytes.get(), inboundBufferedBytesPeak.get());
    }

    @Override
    public void setReceiver(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public void send(Lane lane, Address to, byte[] bytes) {
        if (closed) return;
        if (bytes.length > (lane == Lane.RELIABLE ? frameBytesMax : packetBytesMax)) {
            counters.oversizedDropped.increment();
            return;
        }
        if (lane == Lane.BEST_EFFORT) sendDatagram(to, bytes);
        else streams.computeIfAbsent(to, PeerStream::new).offer(bytes);
    }

    private void sendDatagram(Address to, byte[] bytes) {
        try {
            datagrams.send(ByteBuffer.wrap(bytes), new InetSocketAddress(to.host(), to.port()));
            counters.datagramBytesSent.add(bytes.length);
        } catch (IOException e) {
            counters.sendFailures.increment(); // e.g. ICMP port unreachable from a dead peer: best effort
        }
    }

    private void receiveDatagrams() {
        // One byte more than the limit tells an oversized datagram from one that exactly fits.
        ByteBuffer buffer = ByteBuffer.allocate(packetBytesMax + 1);
        while (!closed) {
            try {
                buffer.clear();
                InetSocketAddress source = (InetSocketAddress) datagrams.receive(buffer);
                buffer.flip();
                if (buffer.remaining() > packetBytesMax) {
                    counters.oversizedDropped.increment();
                    continue;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                counters.datagramBytesReceived.add(bytes.length);
                deliver(Lane.BEST_EFFORT, new Address(source.getHostString(), source.getPort()), bytes);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                counters.sendFailures.increment(); // Linux reports an earlier send's ICMP error here; keep going
            } catch (RuntimeException e) {
                counters.receiveErrors.increment(); // no datagram may stop the loop that answers probes
            }
        }
    }

    private void acceptConnections() {
        while (!closed) {
            SocketChannel connection = null;
            try {
                connection = acceptor.accept();
                String source = ((InetSocketAddress) connection.getRemoteAddress()).getAddress().getHostAddress();
                if (!admit(source)) {
                    connection.close();
                    continue;
                }
                SocketChannel admitted = connection;
                threads.submit(() -> readFrames(admitted, source));
            } catch (IOException | RuntimeException e) {
                if (closed) return;
                counters.receiveErrors.increment(); // e.g. the peer reset before we asked its address
                closeQuietly(connection);
            }
        }
    }

    /** Takes a connection slot, in total and for {@code source}; false (and counted) when either is full. */
    private boolean admit(String source) {
        if (inboundConnections.incrementAndGet() > inbound.connectionsMax()) {
            inboundConnections.decrementAndGet();
            counters.connectionsRefused.increment();
            return false;
        }
        if (!inboundBySource.tryTake(source)) {
            inboundConnections.decrementAndGet();
            counters.connectionsRefusedPerSource.increment();
            return false;
        }
        return true;
    }

    private void release(String source) {
        inboundBySource.release(source);
        inboundConnections.decrementAndGet();
    }

    private void readFrames(SocketChannel connection, String source) {
        try (connection) {
            Frames.Reader reader = new Frames.Reader(connection, inbound, inboundBufferedBytes, inboundBufferedBytesPeak);
            Address from;
            try {
                from = Address.parse(new String(reader.read(HELLO_BYTES_MAX, true), StandardCharsets.UTF_8));
            } catch (Frames.OversizedFrameException | IllegalArgumentException e) {
                counters.badHelloClosed.increment();
                return;
            }
            while (!closed) {
                byte[] frame = reader.read(frameBytesMax, false);
                counters.streamBytesReceived.add(frame.length);
                deliver(Lane.RELIABLE, from, frame);
            }
        } catch (Frames.OversizedFrameException e) {
            counters.oversizedDropped.increment(); // the stream cannot be resynchronised: drop the connection
        } catch (Frames.IdleException e) {
            counters.idleClosed.increment();
        } catch (Frames.SlowFrameException e) {
            counters.slowFrameClosed.increment();
        } catch (Frames.BufferBudgetException e) {
            counters.bufferBudgetClosed.increment();
        } catch (IOException e) {
            // Peer closed or reset: the connection ends, the protocol above retries.
        } catch (RuntimeException e) {
            counters.receiveErrors.increment();
        } finally {
            release(source);
        }
    }

    private static void closeQuietly(SocketChannel connection) {
        if (connection == null) return;
        try {
            connection.close();
        } catch (IOException ignored) {
            // nothing more to do with a broken connection
        }
    }

    private void deliver(Lane lane, Address from, byte[] bytes) {
        try {
            receiver.onReceive(lane, from, bytes);
        } catch (RuntimeException e) {
            // A receiver bug must not kill the I/O thread; it is counted like a failed delivery.
            counters.sendFailures.increment();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            datagrams.close();
            acceptor.close();
        } catch (IOException ignored) {
            // Closing is best effort; the threads stop on the closed channels either way.
        }
        streams.values().forEach(PeerStream::close);
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Outgoing frames to one peer, written in order by one virtual thread over one connection. */
    private final class PeerStream {
        private final Address peer;
        private final ArrayBlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(PEER_QUEUE_MAX);
        private final AtomicInteger writers = new AtomicInteger();
        private SocketChannel connection;
        private long lastWriteNs;

        PeerStream(Address peer) {
            this.peer = peer;
        }

        void offer(byte[] frame) {
            if (!queue.offer(frame)) {
                counters.queueFullDropped.increment();
                return;
            }
            if (writers.compareAndSet(0, 1)) threads.submit(this::drain);
        }

        private void drain() {
            try {
                for (byte[] frame = queue.poll(); frame != null && !closed; frame = queue.poll()) write(frame);
            } finally {
                writers.set(0);
                // A frame offered after the last poll but before the reset would otherwise wait for the next offer.
                if (!queue.isEmpty() && !closed && writers.compareAndSet(0, 1)) threads.submit(this::drain);
            }
        }

        private void write(byte[] frame) {
            if (connection != null && System.nanoTime() - lastWriteNs > outboundIdleNs) close();
            boolean reused = connection != null;
            // The receiver may have closed a stream we had kept (idle, restarted): one retry on a new one.
            if (!writeOnce(frame) && reused) writeOnce(frame);
        }

        private boolean writeOnce(byte[] frame) {
            try {
                if (connection == null) connection = connect();
                Frames.write(connection, frame);
                lastWriteNs = System.nanoTime();
                counters.streamBytesSent.add(frame.length);
                return true;
            } catch (IOException e) {
                counters.sendFailures.increment();
                close();
                return false;
            }
        }

        private SocketChannel connect() throws IOException {
            SocketChannel channel = SocketChannel.open();
            try {
                channel.socket().connect(new InetSocketAddress(peer.host(), peer.port()), CONNECT_TIMEOUT_MS);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Frames.write(channel, localAddress.toString().getBytes(StandardCharsets.UTF_8));
                return channel;
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }

        void close() {
            try {
                if (connection != null) connection.close();
            } catch (IOException ignored) {
                // already broken
            }
            connection = null;
        }
    }
}
