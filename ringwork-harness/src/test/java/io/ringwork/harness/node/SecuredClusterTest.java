package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.peer.PeerClient;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes sharing a {@code --secret-file} replicate over their authenticated
 * peer ports; a commit forged with another key, sent straight to a node's peer port, is counted
 * and changes nothing; reads of keys another node owns are relayed to it over the peer channel; the
 * API port serves no {@code /internal} route.
 */
class SecuredClusterTest {
    private static final int PARTITIONS = 8;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir Path dir;

    @Test
    @Timeout(300)
    void aSecuredClusterReplicatesAndRefusesAForgedCommit() throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path secretFile = Files.write(dir.resolve("cluster.secret"), secret);
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            List<String> common = List.of("--membership", "fast", "--secret-file", secretFile.toString());
            NodeProcess seed = NodeProcess.start("s1", dir.resolve("s1"), dir.resolve("log"),
                    concat(common, "--partitions", Integer.toString(PARTITIONS)));
            nodes.add(seed);
            seed.awaitReady(60_000);
            for (String id : List.of("s2", "s3")) {
                nodes.add(NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), concat(common, "--seeds", seed.bindAddress())));
            }
            for (NodeProcess node : nodes) node.awaitReady(60_000);
            RingworkClient first = new RingworkClient(seed.awaitReady(60_000));
            await().atMost(Duration.ofSeconds(30)).until(() -> first.cluster().path("members").size() == 3);

            List<NewRecord> records = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                records.add(new NewRecord("sec/" + i, "resource.create", null, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            first.produce(records);
            // Every node holds every key in its own replica: each got them over the peer channel or applied them itself.
            for (NodeProcess node : nodes) {
                String base = node.awaitReady(60_000);
                for (int i = 0; i < 200; i += 37) {
                    String key = "sec/" + i;
                    await().atMost(Duration.ofSeconds(60)).until(() -> status(base + "/v1/state/" + key + "?local=true") == 200);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> metric(base, "ringwork_peer_frames_received_total") > 0);
                assertThat(metric(base, "ringwork_peer_frames_dropped_total", "bad_mac")).isZero();
                assertThat(metric(base, "ringwork_peer_frames_dropped_total", "handshake")).isZero();
            }

            // Reads on any node: those of keys another node owns are relayed to it over the authenticated peer channel.
            double relayed = 0;
            double served = 0;
            for (NodeProcess node : nodes) {
                String base = node.awaitReady(60_000);
                for (int i = 0; i < 200; i += 7) assertThat(status(base + "/v1/state/sec/" + i)).as(node.nodeId() + " sec/" + i).isEqualTo(200);
            }
            for (NodeProcess node : nodes) { // after every node's reads: each counts what the others relayed to it
                String base = node.awaitReady(60_000);
                relayed += metric(base, "ringwork_peer_reads_relayed_total", "found");
                served += metric(base, "ringwork_peer_reads_served_total");
            }
            assertThat(relayed).as("reads relayed to an owner").isPositive();
            assertThat(served).as("relayed reads answered").isGreaterThanOrEqualTo(relayed);

            // A commit forged with another key, to s2's peer port: refused at the handshake's proof.
            NodeProcess target = nodes.get(1);
            String base = target.awaitReady(60_000);
            byte[] wrongKey = PeerIdentity.keyFrom("not the cluster's secret at all".getBytes(StandardCharsets.UTF_8));
            StateWrite forged = new StateWrite(0, "sec/forged", new StoredState(1, "resource", false, "{\"x\":1}".getBytes()));
            Term highTerm = new Term(1_000_000, "s1");
            try (PeerClient forger = new PeerClient("s2", target.peerAddress(), new PeerIdentity("s1", "ringwork", wrongKey),
                    PeerCodec.CURRENT, new PeerCounters())) {
                assertThatThrownBy(() -> forger.exchange(List.of(new ReplicaMessage.Hello(0, highTerm, ReplicaMessage.Role.REPLICA, 1, -1, -1),
                        ProcessingMachine.commit(0, highTerm, 1, 0, List.of(forged), List.of(), List.of())), 5000))
                        .isInstanceOf(IOException.class);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(base, "ringwork_peer_frames_dropped_total", "bad_mac") == 1);
            assertThat(status(base + "/v1/state/sec/forged?local=true")).isEqualTo(404);

            // The public port has no internal route left.
            HttpResponse<String> internal = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/internal/v1/replicate"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(internal.statusCode()).isEqualTo(404);
            assertThat(internal.body()).contains("\"error\"");
            for (NodeProcess node : nodes) assertThat(node.isAlive()).as(node.nodeId() + " up").isTrue();
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private static List<String> concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The value of a series in the node's /metrics, 0 when absent; {@code reason} picks a series of the family by its reason or outcome. */
    private static double metric(String base, String name, String... reason) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        while (m.find()) {
            if (reason.length == 0 || (m.group(1) != null && (m.group(1).contains("reason=\"" + reason[0] + "\"")
                    || m.group(1).contains("outcome=\"" + reason[0] + "\"")))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }
}
