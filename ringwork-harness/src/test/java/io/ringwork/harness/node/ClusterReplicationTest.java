package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.node.Processors;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real node processes share one embedded log. Each runs its share of the partitions and
 * replicates to the others; every replica ends equal to the sequential fold. Then the node that
 * owns some partitions is SIGKILLed: the survivors take its partitions over from their replicas
 * and apply what is produced next, and reads on any node are answered by the key's owner.
 */
class ClusterReplicationTest {
    private static final int PARTITIONS = 8;
    @TempDir Path dir;

    @Test
    @Timeout(180)
    void replicasConvergeAndSurviveTheOwnersDeath() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(PARTITIONS));
            List<String> heavier = new ArrayList<>(base);
            heavier.addAll(List.of("--weight", "3")); // n1 has three times the capacity of the others
            NodeProcess n1 = start(nodes, "n1", heavier);
            RingworkClient c1 = new RingworkClient(n1.awaitReady(60_000));
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            NodeProcess n2 = start(nodes, "n2", seeded);
            NodeProcess n3 = start(nodes, "n3", seeded);
            RingworkClient c2 = new RingworkClient(n2.awaitReady(60_000));
            RingworkClient c3 = new RingworkClient(n3.awaitReady(60_000));
            List<RingworkClient> all = List.of(c1, c2, c3);

            // Settled: every partition runs on its target and all three hold it in sync.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> settled(c1, 3));
            Map<String, Integer> owned = new java.util.TreeMap<>();
            for (JsonNode p : c1.cluster().path("ownership").path("partitions")) owned.merge(p.path("owner").asText(), 1, Integer::sum);
            assertThat(owned).as("the partitions are spread over the nodes").hasSizeGreaterThan(1);
            assertThat(owned.get("n1")).as("weight 3 takes the larger share: %s", owned)
                    .isGreaterThan(owned.getOrDefault("n2", 0)).isGreaterThan(owned.getOrDefault("n3", 0));

            RecordApplier applier = new RecordApplier(new ProcessorRegistry(Processors.load()));
            SequentialFold fold = new SequentialFold(applier);
            GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(7, 2, 40, 4_000, 0.02), fold);
            produce(List.of(c1, c2, c3), workload, 2_000);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> mismatches(all, fold, true) == 0);

            // Kill a node that owns partitions; produce through the others.
            String victim = c1.cluster().path("ownership").path("partitions").get(0).path("owner").asText();
            int index = List.of("n1", "n2", "n3").indexOf(victim);
            nodes.get(index).kill();
            List<RingworkClient> survivors = new ArrayList<>(all);
            survivors.remove(index);
            produce(survivors, workload, 2_000);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> mismatches(survivors, fold, true) == 0);
            // Reads without local=true are answered by each key's owner, whichever node is asked.
            assertThat(mismatches(survivors, fold, false)).isZero();
            for (JsonNode p : survivors.get(0).cluster().path("ownership").path("partitions")) {
                assertThat(p.path("owner").asText()).isNotEqualTo(victim);
            }
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
        nodes.add(node);
        return node;
    }

    private static boolean settled(RingworkClient client, int members) throws Exception {
        JsonNode cluster = client.cluster();
        for (JsonNode p : cluster.path("ownership").path("partitions")) {
            if (p.path("ready").size() != members || !p.path("owner").asText().equals(p.path("target").asText())) return false;
        }
        return cluster.path("ownership").path("partitions").size() == PARTITIONS;
    }

    private static void produce(List<RingworkClient> clients, GluerWorkload workload, int count) throws Exception {
        int i = 0;
        while (count > 0) {
            List<NewRecord> batch = workload.next(Math.min(200, count));
            clients.get(i++ % clients.size()).produce(batch);
            count -= batch.size();
        }
    }

    /** Keys whose state on some node (its replica, or as served) differs from the fold. */
    private static long mismatches(List<RingworkClient> clients, SequentialFold fold, boolean local) throws Exception {
        long bad = 0;
        for (RingworkClient client : clients) {
            for (Map.Entry<String, VersionedState> e : fold.states().entrySet()) {
                JsonNode expected = e.getValue().exists() ? (JsonNode) e.getValue().value() : null;
                JsonNode actual;
                try {
                    JsonNode served = client.get("/v1/state/" + RingworkClient.encodeKey(e.getKey()) + (local ? "?local=true" : ""));
                    actual = served.get("value");
                } catch (RingworkClient.ApiException notFound) {
                    if (notFound.status() != 404) throw notFound;
                    actual = null;
                }
                if (expected == null ? actual != null : !expected.equals(actual)) bad++;
            }
        }
        return bad;
    }
}
