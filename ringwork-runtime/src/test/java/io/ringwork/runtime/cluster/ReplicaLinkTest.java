package io.ringwork.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import io.ringwork.runtime.peer.PeerServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicaLinkTest {
    private static final byte[] KEY = PeerIdentity.keyFrom("a cluster secret of some length".getBytes());
    private PeerServer server;
    private ReplicaLink link;

    private record Received(String from, List<ReplicaMessage> messages) {}

    @AfterEach
    void close() {
        if (link != null) link.close();
        if (server != null) server.close();
    }

    @Test
    void aNewLinkSendsOneEmptyBatchBeforeAnyMessage() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        PeerServer.Receiver receiver = (from, messages) -> {
            received.add(new Received(from, messages));
            return List.<ReplicaAck>of();
        };
        server = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity("n2", "c", KEY), PeerCodec.CURRENT,
                receiver, new PeerCounters());
        // Nothing is ever offered: the empty batch needs no service to hand acks or failures to.
        link = new ReplicaLink(new PeerIdentity("n1", "c", KEY), "n2", "127.0.0.1:" + server.address().getPort(), null,
                PeerCodec.CURRENT, new PeerCounters());

        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        Thread.sleep(300); // a second batch, if one were sent, would have come by now
        assertThat(received).hasSize(1);
        assertThat(received.get(0).from()).isEqualTo("n1"); // the handshake's node id, authenticated by the key
        assertThat(received.get(0).messages()).isEmpty();
    }
}
