package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.NewRecord;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.peer.PeerClient;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes with mutual TLS on the peer channel ({@code --peer-tls-cert},
 * {@code --peer-tls-key}, {@code --peer-tls-ca}; no {@code --secret-file}): they process records
 * and replicate them to every node over TLS, relay reads, and a node's peer port refuses a
 * plaintext peer (counted as {@code tls}, nothing applied, the node stays up). Certificates are made
 * with {@code openssl}; skipped where it is not installed.
 */
class PeerTlsClusterTest {
    private static final int PARTITIONS = 8;
    private static final int RECORDS = 120;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir Path dir;

    @Test
    @Timeout(300)
    void aClusterWithPeerTlsReplicatesAndItsPeerPortRefusesPlaintext() throws Exception {
        Assumptions.assumeTrue(openssl("version"), "openssl is not installed (Debian: apt-get install openssl); skipping");
        Path caKey = dir.resolve("ca.key");
        Path ca = dir.resolve("ca.pem");
        assertThat(openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey.toString())
                && openssl("req", "-x509", "-new", "-key", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=peer CA"))
                .as("openssl made the CA").isTrue();
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            NodeProcess seed = null;
            int serial = 1;
            for (String id : List.of("t1", "t2", "t3")) {
                Path key = dir.resolve(id + ".key");
                Path csr = dir.resolve(id + ".csr");
                Path cert = dir.resolve(id + ".pem");
                assertThat(openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString())
                        && openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + id)
                        && openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
                                "-set_serial", Integer.toString(serial++), "-days", "2", "-out", cert.toString()))
                        .as("openssl made " + id + "'s certificate").isTrue();
                List<String> args = new ArrayList<>(List.of("--membership", "fast", "--peer-tls-cert", cert.toString(),
                        "--peer-tls-key", key.toString(), "--peer-tls-ca", ca.toString()));
                if (seed == null) args.addAll(List.of("--partitions", Integer.toString(PARTITIONS)));
                else args.addAll(List.of("--seeds", seed.bindAddress()));
                NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
                nodes.add(node);
                if (seed == null) {
                    seed = node;
                    seed.awaitReady(60_000);
                }
            }
            for (NodeProcess node : nodes) node.awaitReady(60_000);
            RingworkClient first = new RingworkClient(seed.awaitReady(60_000));
            await().atMost(Duration.ofSeconds(30)).until(() -> first.cluster().path("members").size() == 3);

            List<NewRecord> records = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                records.add(new NewRecord("tls/" + i, "resource.create", null, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            first.produce(records);
            // Every node holds keys in its own replica (replication factor 3 of 3 nodes): all came over TLS or were applied there.
            for (NodeProcess node : nodes) {
                String base = node.awaitReady(60_000);
                for (int i = 0; i < RECORDS; i += 29) {
                    String key = "tls/" + i;
                    await().atMost(Duration.ofSeconds(60)).until(() -> status(base + "/v1/state/" + key + "?local=true") == 200);
                }
                assertThat(metric(base, "ringwork_peer_frames_received_total")).as(node.nodeId() + " took peer frames").isPositive();
                assertThat(metric(base, "ringwork_peer_frames_dropped_total", "tls")).as(node.nodeId()).isZero();
                assertThat(metric(base, "ringwork_peer_frames_dropped_total", "handshake")).as(node.nodeId()).isZero();
            }
            // Reads on any node: those of keys another node owns go to it over the TLS peer channel.
            for (NodeProcess node : nodes) {
                String base = node.awaitReady(60_000);
                for (int i = 0; i < RECORDS; i += 11) assertThat(status(base + "/v1/state/tls/" + i)).as(node.nodeId()).isEqualTo(200);
            }
            double served = 0;
            for (NodeProcess node : nodes) served += metric(node.awaitReady(60_000), "ringwork_peer_reads_served_total");
            assertThat(served).as("reads relayed over TLS and answered").isPositive();

            // A plaintext peer (a node without --peer-tls-*) at t2's peer port: refused at the TLS handshake.
            NodeProcess target = nodes.get(1);
            String base = target.awaitReady(60_000);
            try (PeerClient plaintext = new PeerClient("t2", target.peerAddress(), new PeerIdentity("t1", "ringwork", null),
                    PeerCodec.CURRENT, new PeerCounters())) {
                assertThatThrownBy(() -> plaintext.exchange(List.of(new ReplicaMessage.Hello(0, new Term(1_000_000, "t1"),
                        ReplicaMessage.Role.REPLICA, 1, -1, -1)), 5000)).isInstanceOf(IOException.class);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(base, "ringwork_peer_frames_dropped_total", "tls") == 1);
            // Bytes that are not TLS at all get no answer either.
            String[] hostPort = target.peerAddress().split(":");
            try (Socket raw = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
                raw.setSoTimeout(10_000);
                OutputStream out = raw.getOutputStream();
                out.write(new byte[] {0, 0, 0, 5, 1, 2, 3, 4, 5});
                out.flush();
                InputStream in = raw.getInputStream();
                int firstByte = in.read();
                assertThat(firstByte).as("nothing but a TLS alert (0x15) or the close").isIn(-1, 0x15);
            } catch (java.net.SocketException reset) {
                // A reset is a refusal too.
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> metric(base, "ringwork_peer_frames_dropped_total", "tls") == 2);
            assertThat(status(base + "/v1/state/tls/0?local=true")).isEqualTo(200);
            for (NodeProcess node : nodes) assertThat(node.isAlive()).as(node.nodeId() + " up").isTrue();
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The value of a series in the node's /metrics, 0 when absent; {@code reason} picks a series by its reason label. */
    private static double metric(String base, String name, String... reason) throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        while (m.find()) {
            if (reason.length == 0 || (m.group(1) != null && m.group(1).contains("reason=\"" + reason[0] + "\""))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    private static boolean openssl(String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ok = process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
            if (!ok && !args[0].equals("version")) System.err.println("openssl " + String.join(" ", args) + ": " + output);
            return ok;
        } catch (IOException e) {
            return false;
        }
    }
}
