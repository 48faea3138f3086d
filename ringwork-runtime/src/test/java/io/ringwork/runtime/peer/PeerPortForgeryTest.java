package io.ringwork.runtime.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Forged commits sent straight to a whole node's peer port (an in-process {@link RingworkNode}
 * with a cluster secret, running every partition): with a wrong key, with no key, replayed, and
 * authenticated but under a lower epoch. None changes the node's state, each is counted in its
 * {@code /metrics}, and the node goes on replicating and serving.
 */
class PeerPortForgeryTest {
    private static final int PARTITIONS = 4;
    private static final byte[] SECRET = "a cluster secret of at least sixteen bytes".getBytes(StandardCharsets.UTF_8);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir static Path dir;
    static RingworkNode node;
    static int partition;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Path secretFile = Files.write(dir.resolve("secret"), SECRET);
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("n1").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(PARTITIONS)
                .withSecretFile(secretFile).withWorkerThreads(1));
        new RingworkClient("http://" + node.httpAddress())
                .produce(List.of(new NewRecord("doc/k", "resource.create", null, "{\"v\":1}".getBytes(StandardCharsets.UTF_8))));
        await().atMost(Duration.ofSeconds(30)).until(() -> node.reads().local("doc/k") != null);
        partition = new Partitioner(PARTITIONS).partitionOf("doc/k");
        await().atMost(Duration.ofSeconds(10)).until(() -> node.cluster().leading(partition) != null);
        port = Integer.parseInt(node.peerAddress().substring(node.peerAddress().lastIndexOf(':') + 1));
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    /** A commit that would overwrite k and add a key, under {@code term}. */
    private static List<ReplicaMessage> forgedCommit(Term term) {
        StoredState overwrite = new StoredState(1_000, "resource", false, "{\"v\":\"forged\"}".getBytes(StandardCharsets.UTF_8));
        return List.of(ProcessingMachine.commit(partition, term, 1, 1_000,
                List.of(new StateWrite(partition, "doc/k", overwrite), new StateWrite(partition, "doc/forged", overwrite)), List.of(), List.of()));
    }

    private static void assertNothingChanged() throws Exception {
        StoredState k = node.reads().local("doc/k");
        assertThat(k.version()).isZero();
        assertThat(new String(k.value(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":1}");
        assertThat(node.reads().local("doc/forged")).isNull();
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.httpAddress() + "/v1/state/doc/forged")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(404);
    }

    @Test
    void aForgedCommitWithAWrongOrMissingKeyIsRefusedAtTheHandshakeAndCounted() throws Exception {
        long badMac = dropped("bad_mac");
        long handshake = dropped("handshake");
        Term high = new Term(1_000_000, "n9");
        byte[] wrongKey = PeerIdentity.keyFrom("not the cluster's secret, but as long".getBytes(StandardCharsets.UTF_8));
        try (PeerClient forger = new PeerClient("n1", node.peerAddress(), new PeerIdentity("n9", "ringwork", wrongKey),
                PeerCodec.CURRENT, new PeerCounters())) {
            assertThatThrownBy(() -> forger.exchange(forgedCommit(high), 5000)).isInstanceOf(IOException.class);
        }
        try (PeerClient keyless = new PeerClient("n1", node.peerAddress(), new PeerIdentity("n9", "ringwork", null),
                PeerCodec.CURRENT, new PeerCounters())) {
            assertThatThrownBy(() -> keyless.exchange(forgedCommit(high), 5000)).isInstanceOf(IOException.class);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> dropped("bad_mac") == badMac + 1 && dropped("handshake") == handshake + 1);
        assertNothingChanged();
        assertThat(node.cluster().leading(partition).node()).isEqualTo("n1"); // not deposed by the forged high term
    }

    @Test
    void aReplayedFrameAndACommitOfALowerEpochChangeNothingAndAreCounted() throws Exception {
        long staleTerm = dropped("stale_term");
        long replayed = dropped("replayed");
        long badMac = dropped("bad_mac");
        Term leading = node.cluster().leading(partition);
        Term lower = new Term(leading.epoch() - 1, "n9");
        PeerIdentity member = new PeerIdentity("n9", "ringwork", PeerIdentity.keyFrom(SECRET));
        try (Wire insider = new Wire(port, PeerCodec.CURRENT, "n1"); Wire other = new Wire(port, PeerCodec.CURRENT, "n1")) {
            // Authenticated, but under an epoch below the partition's: refused by the partition.
            List<ReplicaAck> acks = insider.handshake(member).send(forgedCommit(lower));
            assertThat(acks).extracting(ReplicaAck::status).containsExactly(ReplicaAck.Status.STALE_TERM);
            byte[] captured = insider.lastFrame();
            // The same frame again on its connection (the next sequence number is another), and on a new one (another session key).
            insider.raw(captured);
            other.handshake(member).raw(captured);
            assertThat(insider.closedByServer()).isTrue();
            assertThat(other.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> dropped("replayed") == replayed + 1 && dropped("bad_mac") == badMac + 1);
        assertThat(dropped("stale_term")).isEqualTo(staleTerm + 1);
        assertNothingChanged();
        assertThat(node.cluster().leading(partition)).isEqualTo(leading);
        // The node goes on: a new record is applied and served.
        new RingworkClient("http://" + node.httpAddress())
                .produce(List.of(new NewRecord("doc/after", "resource.create", null, "{\"v\":2}".getBytes(StandardCharsets.UTF_8))));
        await().atMost(Duration.ofSeconds(10)).until(() -> node.reads().local("doc/after") != null);
    }

    /** The node's {@code ringwork_peer_frames_dropped_total{reason}} as its /metrics serves it. */
    private static long dropped(String reason) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.httpAddress() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("^ringwork_peer_frames_dropped_total\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(text);
        while (m.find()) if (m.group(1).contains("reason=\"" + reason + "\"")) return (long) Double.parseDouble(m.group(2));
        throw new AssertionError("no ringwork_peer_frames_dropped_total{reason=\"" + reason + "\"} in /metrics");
    }
}
