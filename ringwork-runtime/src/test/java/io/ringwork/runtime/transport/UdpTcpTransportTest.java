package io.ringwork.runtime.transport;

import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
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
}
