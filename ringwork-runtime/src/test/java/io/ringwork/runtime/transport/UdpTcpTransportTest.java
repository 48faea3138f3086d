package io.ringwork.runtime.transport;

import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class UdpTcpTransportTest {
    private record Received(Lane lane, Address from, String text) {}

    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : open) closeable.close();
    }

    private UdpTcpTransport bind(List<Received> inbox) throws Exception {
        UdpTcpTransport transport = UdpTcpTransport.bind("127.0.0.1", 0, 1400, 1 << 20);
        transport.setReceiver((lane, from, bytes) -> inbox.add(new Received(lane, from, new String(bytes))));
        open.add(transport);
        return transport;
    }

    @Test
    void bothLanesDeliverAndReportTheSendersListeningAddress() throws Exception {
        List<Received> inbox = new CopyOnWriteArrayList<>();
        UdpTcpTransport a = bind(new CopyOnWriteArrayList<>());
        UdpTcpTransport b = bind(inbox);

        a.send(Lane.BEST_EFFORT, b.localAddress(), "ping".getBytes());
        for (int i = 0; i < 50; i++) a.send(Lane.RELIABLE, b.localAddress(), ("frame-" + i).getBytes());
        a.send(Lane.RELIABLE, b.localAddress(), "x".repeat(500_000).getBytes());

        await().atMost(Duration.ofSeconds(5)).until(() -> inbox.size() == 52);
        assertThat(inbox).allSatisfy(received -> assertThat(received.from()).isEqualTo(a.localAddress()));
        assertThat(inbox).filteredOn(r -> r.lane() == Lane.RELIABLE).extracting(Received::text).startsWith("frame-0", "frame-1");
        List<String> frames = inbox.stream().filter(r -> r.lane() == Lane.RELIABLE).map(Received::text).toList();
        for (int i = 0; i < 50; i++) assertThat(frames.get(i)).isEqualTo("frame-" + i); // order kept per peer
        assertThat(a.counters().streamBytesSent()).isGreaterThan(500_000);
    }

    @Test
    void oversizedMessagesAreDroppedAndCounted() throws Exception {
        List<Received> inbox = new CopyOnWriteArrayList<>();
        UdpTcpTransport a = bind(new CopyOnWriteArrayList<>());
        UdpTcpTransport b = bind(inbox);

        a.send(Lane.BEST_EFFORT, b.localAddress(), new byte[1401]);
        a.send(Lane.RELIABLE, b.localAddress(), new byte[(1 << 20) + 1]);
        a.send(Lane.BEST_EFFORT, b.localAddress(), "fits".getBytes());

        await().atMost(Duration.ofSeconds(5)).until(() -> inbox.size() == 1);
        assertThat(a.counters().oversizedDropped()).isEqualTo(2);
    }

    @Test
    void faultInjectionDropsOneWayAndDelays() throws Exception {
        List<Received> atA = new CopyOnWriteArrayList<>();
        List<Received> atB = new CopyOnWriteArrayList<>();
        FaultInjectingTransport a = new FaultInjectingTransport(bind(atA));
        a.setReceiver((lane, from, bytes) -> atA.add(new Received(lane, from, new String(bytes))));
        UdpTcpTransport b = bind(atB);

        a.drop(b.localAddress(), FaultInjectingTransport.Direction.OUTBOUND);
        a.send(Lane.BEST_EFFORT, b.localAddress(), "lost".getBytes());
        b.send(Lane.BEST_EFFORT, a.localAddress(), "arrives".getBytes());
        await().atMost(Duration.ofSeconds(5)).until(() -> atA.size() == 1);
        assertThat(atB).isEmpty();
        assertThat(a.dropped()).isEqualTo(1);

        a.set(b.localAddress(), FaultInjectingTransport.Direction.BOTH, new FaultInjectingTransport.Fault(0, 300));
        long startNs = System.nanoTime();
        a.send(Lane.BEST_EFFORT, b.localAddress(), "late".getBytes());
        await().atMost(Duration.ofSeconds(5)).until(() -> atB.size() == 1);
        assertThat((System.nanoTime() - startNs) / 1_000_000).isGreaterThanOrEqualTo(300);
    }

    private static final int FRAME_BYTES_MAX = 8 * 1024 * 1024;

    /** A raw client socket from {@code sourceHost} (a loopback address) to {@code to}'s TCP port. */
    private Socket connect(String sourceHost, Address to) throws IOException {
        Socket socket = new Socket();
        open.add(socket);
        socket.bind(new InetSocketAddress(sourceHost, 0));
        socket.connect(new InetSocketAddress(to.host(), to.port()), 2_000);
        return socket;
    }

    private static byte[] frame(byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
    }

    private static byte[] header(int declaredBytes) {
        return ByteBuffer.allocate(4).putInt(declaredBytes).array();
    }

    /** Milliseconds until the server closes {@code socket} (read returns -1 or a reset), waiting at most {@code maxMs}. */
    private static long msUntilClosed(Socket socket, long sinceNs, long maxMs) throws IOException {
        socket.setSoTimeout((int) maxMs);
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) { /* the server never writes on this lane */ }
        } catch (SocketTimeoutException e) {
            return Long.MAX_VALUE;
        } catch (IOException e) {
            // a reset also means closed
        }
        return (System.nanoTime() - sinceNs) / 1_000_000;
    }

    private static long heapUsedAfterGcBytes() {
        for (int i = 0; i < 2; i++) System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * The attack of issue 18 on a real transport, with short timeouts: idle connections and
     * connections that send a hello and an 8 MiB header then nothing. All are closed within the
     * timeouts, the transport never holds the declared sizes, a source over its cap is refused
     * at once, and a well-behaved peer's frames get through the whole time.
     */
    @Test
    void idleAndHeaderOnlyConnectionsAreClosedInTimeAndNeverCostTheirDeclaredSize() throws Exception {
        InboundLimits limits = new InboundLimits(64, 40, 2_000, 2_000, 4L * FRAME_BYTES_MAX);
        List<Received> inbox = new CopyOnWriteArrayList<>();
        UdpTcpTransport target = UdpTcpTransport.bind("127.0.0.1", 0, 1400, FRAME_BYTES_MAX, limits);
        target.setReceiver((lane, from, bytes) -> inbox.add(new Received(lane, from, new String(bytes))));
        open.add(target);
        // Same limits as the target, so it recycles its stream before the target's idle timeout closes it.
        UdpTcpTransport peer = UdpTcpTransport.bind("127.0.0.1", 0, 1400, FRAME_BYTES_MAX, limits);
        open.add(peer);
        long heapBeforeBytes = heapUsedAfterGcBytes();

        // 1. From 127.0.0.2: 16 idle connections, 24 that declare an 8 MiB frame and stall, 10 over the cap.
        long floodStartNs = System.nanoTime();
        List<Socket> idle = new ArrayList<>(), stalled = new ArrayList<>(), overCap = new ArrayList<>();
        for (int i = 0; i < 16; i++) idle.add(connect("127.0.0.2", target.localAddress()));
        for (int i = 0; i < 24; i++) {
            Socket socket = connect("127.0.0.2", target.localAddress());
            OutputStream out = socket.getOutputStream();
            out.write(frame("127.0.0.2:1".getBytes(StandardCharsets.UTF_8)));
            out.write(header(FRAME_BYTES_MAX));
            out.write(new byte[1000]); // a little of it, so the first buffer is really taken
            out.flush();
            stalled.add(socket);
        }
        long overCapStartNs = System.nanoTime();
        for (int i = 0; i < 10; i++) overCap.add(connect("127.0.0.2", target.localAddress()));
        Socket oversized = connect("127.0.0.1", target.localAddress());
        oversized.getOutputStream().write(frame("127.0.0.1:1".getBytes(StandardCharsets.UTF_8)));
        oversized.getOutputStream().write(header(FRAME_BYTES_MAX + 1));

        // 2. The well-behaved peer (127.0.0.1) is not held up by any of it.
        for (int i = 0; i < 20; i++) peer.send(Lane.RELIABLE, target.localAddress(), ("sync-" + i).getBytes());
        await().atMost(Duration.ofSeconds(2)).until(() -> inbox.size() == 20);
        await().atMost(Duration.ofSeconds(2)).until(() -> target.counters().inboundConnections() == 41);
        TransportCounters.Snapshot during = target.counters();
        long heapDuringBytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();

        // 3. Over the cap or the size limit: closed at once. The rest: within the 2 s timeouts (plus slack).
        for (Socket socket : overCap) assertThat(msUntilClosed(socket, overCapStartNs, 1_500)).isLessThan(1_500);
        assertThat(msUntilClosed(oversized, overCapStartNs, 1_500)).isLessThan(1_500);
        long slowestMs = 0;
        for (Socket socket : idle) slowestMs = Math.max(slowestMs, msUntilClosed(socket, floodStartNs, 6_000));
        for (Socket socket : stalled) slowestMs = Math.max(slowestMs, msUntilClosed(socket, floodStartNs, 6_000));
        assertThat(slowestMs).as("slowest close after the flood began, ms").isBetween(2_000L, 4_000L);
        // Only the peer's connection may remain, and it too goes once idle.
        await().atMost(Duration.ofSeconds(4)).until(() -> target.counters().inboundConnections() <= 1);

        TransportCounters.Snapshot after = target.counters();
        long heapAfterBytes = heapUsedAfterGcBytes();
        System.out.printf("header flood: %d stalled x %d MiB declared; buffered peak %d KiB (during %d KiB);"
                        + " heap after GC %d MiB before, %d MiB during (no GC), %d MiB after; slowest close %d ms; %s%n",
                stalled.size(), FRAME_BYTES_MAX >> 20, after.inboundBufferedBytesPeak() >> 10,
                during.inboundBufferedBytes() >> 10, heapBeforeBytes >> 20, heapDuringBytes >> 20,
                heapAfterBytes >> 20, slowestMs, after);
        assertThat(after.connectionsRefusedPerSource()).isEqualTo(10);
        assertThat(after.oversizedDropped()).isEqualTo(1);
        assertThat(after.idleClosed()).isBetween(16L, 17L); // 17 once the peer's own stream idled out too
        assertThat(after.receiveErrors()).isZero();
        assertThat(after.slowFrameClosed()).isEqualTo(24);
        // 24 stalled frames of 8 MiB declared (192 MiB) cost at most their first 64 KiB chunk each.
        assertThat(during.inboundBufferedBytes()).isEqualTo(24L * Frames.FIRST_CHUNK_BYTES);
        assertThat(after.inboundBufferedBytesPeak()).isLessThanOrEqualTo(25L * Frames.FIRST_CHUNK_BYTES);
        assertThat(after.inboundBufferedBytes()).isZero();
        assertThat(heapDuringBytes - heapBeforeBytes).as("heap grown during the flood").isLessThan(64L << 20);

        // 4. Afterwards the same source may connect again, and the peer still gets through.
        peer.send(Lane.RELIABLE, target.localAddress(), "after".getBytes());
        await().atMost(Duration.ofSeconds(2)).until(() -> inbox.size() == 21);
    }

    /** A frame that arrives whole but needs more than the shared buffer budget closes only its own connection. */
    @Test
    void framesBeyondTheSharedBufferBudgetCloseTheirConnection() throws Exception {
        InboundLimits limits = new InboundLimits(16, 16, 5_000, 5_000, 256 * 1024);
        List<Received> inbox = new CopyOnWriteArrayList<>();
        UdpTcpTransport target = UdpTcpTransport.bind("127.0.0.1", 0, 1400, FRAME_BYTES_MAX, limits);
        target.setReceiver((lane, from, bytes) -> inbox.add(new Received(lane, from, new String(bytes))));
        open.add(target);
        UdpTcpTransport peer = bind(new CopyOnWriteArrayList<>());

        peer.send(Lane.RELIABLE, target.localAddress(), new byte[1 << 20]); // needs 1 MiB of a 256 KiB budget
        await().atMost(Duration.ofSeconds(5)).until(() -> target.counters().bufferBudgetClosed() == 1);
        // The peer learns of the close on its next write; it then reconnects and the frame gets through.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
            peer.send(Lane.RELIABLE, target.localAddress(), "small".getBytes());
            return !inbox.isEmpty();
        });
        assertThat(inbox.getFirst().text()).isEqualTo("small");
        assertThat(target.counters().inboundBufferedBytesPeak()).isLessThanOrEqualTo(256 * 1024);
    }

    /** Random bytes on both lanes: nothing escapes a receive loop, and both lanes still deliver afterwards. */
    @Test
    void randomBytesOnBothLanesNeverStopTheReceiveLoops() throws Exception {
        List<Received> inbox = new CopyOnWriteArrayList<>();
        UdpTcpTransport target = bind(inbox);
        UdpTcpTransport peer = bind(new CopyOnWriteArrayList<>());
        Random random = new Random(18);
        try (java.net.DatagramSocket udp = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            for (int i = 0; i < 300; i++) {
                byte[] junk = new byte[random.nextInt(3000)];
                random.nextBytes(junk);
                udp.send(new java.net.DatagramPacket(junk, junk.length, new InetSocketAddress("127.0.0.1", target.localAddress().port())));
            }
        }
        for (int i = 0; i < 40; i++) {
            try (Socket socket = connect("127.0.0.1", target.localAddress())) {
                OutputStream out = socket.getOutputStream();
                if (i % 2 == 0) out.write(frame("127.0.0.1:9".getBytes(StandardCharsets.UTF_8))); // half get past the hello
                byte[] junk = new byte[random.nextInt(5000)];
                random.nextBytes(junk);
                out.write(junk);
            } catch (IOException e) {
                // the server may close first; that is an acceptable answer to junk
            }
        }
        peer.send(Lane.RELIABLE, target.localAddress(), "frame".getBytes());
        // A datagram may be lost behind the junk in a full receive buffer, as UDP allows: resend until one arrives.
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            if (inbox.stream().noneMatch(r -> r.text().equals("datagram"))) {
                peer.send(Lane.BEST_EFFORT, target.localAddress(), "datagram".getBytes());
                return false;
            }
            return inbox.stream().anyMatch(r -> r.text().equals("frame"));
        });
        assertThat(target.counters().receiveErrors()).isZero();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(target.counters().inboundConnections())
                .as("%s", target.counters()).isLessThanOrEqualTo(1));
    }
}
