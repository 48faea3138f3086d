package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes on loopback find each other through a seed. Any node's
 * {@code GET /v1/cluster} shows every member with its state, incarnation, address and metadata;
 * a SIGKILLed node is declared dead by the others, and a node stopped with SIGTERM is seen as left.
 */
class ClusterMembershipTest {
    @TempDir Path dir;

    private static String state(RingworkClient client, String id) throws Exception {
        for (JsonNode m : client.cluster().path("members")) if (m.path("id").asText().equals(id)) return m.path("state").asText();
        return "unknown";
    }

    @Test
    @Timeout(120)
    void membersJoinThroughASeedAndSeeAKillAndALeave() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            NodeProcess n1 = start(nodes, "n1", List.of("--membership", "fast"));
            RingworkClient c1 = new RingworkClient(n1.awaitReady(60_000));
            List<String> seeded = List.of("--membership", "fast", "--seeds", n1.bindAddress());
            NodeProcess n2 = start(nodes, "n2", seeded);
            NodeProcess n3 = start(nodes, "n3", seeded);
            n2.awaitReady(60_000);
            RingworkClient c3 = new RingworkClient(n3.awaitReady(60_000));

            await().atMost(Duration.ofSeconds(20)).until(() -> c3.cluster().path("members").size() == 3
                    && state(c3, "n1").equals("alive") && state(c3, "n2").equals("alive") && state(c3, "n3").equals("alive"));
            JsonNode fromN3 = c3.cluster().path("members");
            for (JsonNode m : fromN3) {
                assertThat(m.path("address").asText()).startsWith("127.0.0.1:");
                assertThat(m.path("metadata").path("http").asText()).startsWith("127.0.0.1:");
                assertThat(m.has("incarnation")).isTrue();
            }

            n2.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> state(c1, "n2").equals("dead") && state(c3, "n2").equals("dead"));

            assertThat(n3.stop()).as("exit code of a graceful leave on SIGTERM").isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> state(c1, "n3").equals("left"));
            assertThat(state(c1, "n1")).isEqualTo("alive");

            String metrics = c1.get("/metrics").asText();
            assertThat(metrics).contains("ringwork_membership_probes_total").contains("ringwork_membership_deaths_total");
            // Values, not just names: these read 0 and NaN once a GC had collected what the meters read.
            assertThat(sample(metrics, "ringwork_membership_probes_total")).isPositive();
            assertThat(sample(metrics, "ringwork_membership_acks_total")).isPositive();
            assertThat(sample(metrics, "ringwork_membership_deaths_total")).isGreaterThanOrEqualTo(1);
            assertThat(sample(metrics, "ringwork_membership_gossip_bytes_received_total")).isPositive();
            assertThat(sample(metrics, "ringwork_membership_members_active")).isEqualTo(1.0);
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    /**
     * Issue 18: a second process given a live node's id (other address, other data dir) refuses
     * to start with a message naming the holder, exits non-zero, and the first is unaffected.
     */
    @Test
    @Timeout(120)
    void aSecondNodeWithALiveNodesIdRefusesToStartAndTheFirstIsUnaffected() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            NodeProcess n1 = start(nodes, "n1", List.of("--membership", "fast"));
            RingworkClient c1 = new RingworkClient(n1.awaitReady(60_000));
            List<String> seeded = List.of("--membership", "fast", "--seeds", n1.bindAddress());
            NodeProcess n2 = start(nodes, "n2", seeded);
            RingworkClient c2 = new RingworkClient(n2.awaitReady(60_000));
            await().atMost(Duration.ofSeconds(20)).until(() -> state(c1, "n2").equals("alive"));
            // A node's first incarnation is its start's wall-clock ms: anything from the twin is above this.
            long twinStartedAtMs = System.currentTimeMillis();
            NodeProcess twin = NodeProcess.start("n2", dir.resolve("n2-twin"), dir.resolve("log-n2-twin"), seeded);
            nodes.add(twin);
            String expected = "node id n2 is already alive at " + n2.bindAddress() + "; pick another --node-id";
            assertThatThrownBy(() -> twin.awaitReady(60_000)).isInstanceOf(java.io.IOException.class).hasMessageContaining(expected);
            int exitCode = twin.stop();
            assertThat(exitCode).as("exit code of the refused twin").isNotZero();

            // The first n2 keeps its address and its own incarnations (metadata updates raise them), and keeps serving.
            Thread.sleep(2_000); // a few probe periods (200 ms) for any fallout to show
            JsonNode seen = member(c1, "n2");
            assertThat(seen.path("state").asText()).isEqualTo("alive");
            assertThat(seen.path("address").asText()).isEqualTo(n2.bindAddress());
            assertThat(seen.path("incarnation").asLong()).isLessThan(twinStartedAtMs);
            assertThat(state(c2, "n1")).isEqualTo("alive");
            assertThat(n2.isAlive()).isTrue();
            assertThat(sample(c1.get("/metrics").asText(), "ringwork_membership_id_conflicts_total")).isPositive();
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private static JsonNode member(RingworkClient client, String id) throws Exception {
        for (JsonNode m : client.cluster().path("members")) if (m.path("id").asText().equals(id)) return m;
        throw new AssertionError(id + " not in the view");
    }

    private static double sample(String scrape, String name) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(
                "(?m)^" + java.util.regex.Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        assertThat(matcher.find()).as("%s in the scrape", name).isTrue();
        return Double.parseDouble(matcher.group(2));
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log-" + id), args);
        nodes.add(node);
        return node;
    }
}
