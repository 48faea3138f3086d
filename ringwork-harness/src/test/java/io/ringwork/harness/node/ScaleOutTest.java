package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.node.Processors;
import io.ringwork.harness.process.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on five real node processes with three replicas: a key's state is kept by exactly
 * three of them (a local read elsewhere answers 404 {@code not_a_replica}), a read on any node is
 * answered by the key's owner, and every node's change feed carries every key's changes, in
 * order, up to its last (the partitions a node does not replicate come through its feed relay).
 */
class ScaleOutTest {
    private static final int PARTITIONS = 8;
    private static final int NODES = 5;
    @TempDir Path dir;

    @Test
    @Timeout(240)
    void eachKeyIsHeldByItsThreeReplicasAndEveryFeedCarriesEveryChange() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        List<Thread> followers = new ArrayList<>();
        try {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(PARTITIONS));
            NodeProcess first = start(nodes, "n1", base);
            List<RingworkClient> clients = new ArrayList<>();
            clients.add(new RingworkClient(first.awaitReady(60_000)));
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", first.bindAddress()));
            for (int i = 2; i <= NODES; i++) start(nodes, "n" + i, seeded);
            for (int i = 1; i < NODES; i++) clients.add(new RingworkClient(nodes.get(i).awaitReady(60_000)));
            RingworkClient c1 = clients.get(0);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> settled(c1));

            // Every node's feed, followed from the start: the highest version per key, and any key
            // that went back (a repeat or a regression).
            List<Map<String, Long>> fed = new ArrayList<>();
            AtomicReference<String> regression = new AtomicReference<>();
            for (int i = 0; i < NODES; i++) {
                Map<String, Long> last = new ConcurrentHashMap<>();
                fed.add(last);
                RingworkClient client = clients.get(i);
                String node = "n" + (i + 1);
                followers.add(Thread.ofVirtual().start(() -> {
                    try {
                        client.changes("0", change -> {
                            String key = change.path("key").asText();
                            long version = change.path("version").asLong();
                            Long before = last.put(key, version);
                            if (before != null && before >= version) regression.compareAndSet(null, node + ": " + key + "@" + version + " after " + before);
                        });
                    } catch (Exception e) {
                        // interrupted at the end of the test
                    }
                }));
            }

            RecordApplier applier = new RecordApplier(new ProcessorRegistry(Processors.load()));
            SequentialFold fold = new SequentialFold(applier);
            // No invalid records: every record makes a change, so a key's last change is at its state's version.
            GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(11, 3, 30, 3_000, 0.0), fold);
            int sent = 0;
            while (sent < 1_500) {
                List<NewRecord> batch = workload.next(100);
                clients.get(sent / 100 % NODES).produce(batch);
                sent += batch.size();
            }
            Map<String, VersionedState> expected = fold.states();

            // Exactly three local copies per key, equal to the fold; 404 not_a_replica on the other two.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> copiesWrong(clients, expected) == 0);
            // The stores hold exactly that: three replicas of each partition in all, once the nodes that
            // held a partition while the cluster formed have dropped it.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        long held = 0;
                        StringBuilder each = new StringBuilder();
                        for (RingworkClient client : clients) {
                            long mine = metric(client, "ringwork_store_partitions_held");
                            held += mine;
                            each.append(String.format(" %s held %d dropped %d relayed %d;", client.base(), mine,
                                    metric(client, "ringwork_replication_partitions_dropped_total"), metric(client, "ringwork_replication_changes_relayed_total")));
                        }
                        assertThat(held).as("partitions held over all nodes:%s", each).isEqualTo(3L * PARTITIONS);
                    });
            // Any node answers any key (relayed to its owner).
            for (RingworkClient client : clients) {
                for (var e : expected.entrySet()) {
                    if (e.getValue().exists()) assertThat(client.state(e.getKey()).path("value")).isEqualTo(e.getValue().value());
                }
            }
            // A key's version is its log offset (the fold counts otherwise): as the owner serves it.
            Map<String, Long> versions = new java.util.TreeMap<>();
            for (var e : expected.entrySet()) {
                if (e.getValue().exists()) versions.put(e.getKey(), c1.state(e.getKey()).path("version").asLong());
            }
            // Every feed reaches every key's last change, and no feed ever went back on a key.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (int i = 0; i < NODES; i++) {
                    for (var e : versions.entrySet()) {
                        assertThat(fed.get(i).getOrDefault(e.getKey(), -1L)).as("n%d's feed: the last change of %s (%d keys fed)",
                                i + 1, e.getKey(), fed.get(i).size()).isEqualTo(e.getValue());
                    }
                }
            });
            assertThat(regression.get()).isNull();
            long relayed = 0;
            for (RingworkClient client : clients) relayed += metric(client, "ringwork_replication_changes_relayed_total");
            assertThat(relayed).as("the nodes outside a partition's replica set got its changes by relay").isPositive();
        } finally {
            followers.forEach(Thread::interrupt);
            for (NodeProcess node : nodes) node.close();
        }
    }

    /** A gauge's or counter's value from the node's /metrics (Prometheus text), summed over its series. */
    static long metric(RingworkClient client, String name) throws Exception {
        return client.get("/metrics").asText().lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
        nodes.add(node);
        return node;
    }

    /** Settled: all five members, every partition on its target and its three replicas ready. */
    private static boolean settled(RingworkClient client) throws Exception {
        JsonNode cluster = client.cluster();
        JsonNode partitions = cluster.path("ownership").path("partitions");
        if (partitions.size() != PARTITIONS) return false;
        for (JsonNode p : partitions) {
            if (p.path("replicas").size() != 3 || !p.path("owner").asText().equals(p.path("target").asText())) return false;
            for (JsonNode replica : p.path("replicas")) {
                boolean ready = false;
                for (JsonNode r : p.path("ready")) ready |= r.asText().equals(replica.asText());
                if (!ready) return false;
            }
        }
        return true;
    }

    /** Keys not held by exactly three nodes at the fold's state, or whose other nodes do not say not_a_replica. */
    private static long copiesWrong(List<RingworkClient> clients, Map<String, VersionedState> expected) throws Exception {
        long wrong = 0;
        for (var e : expected.entrySet()) {
            if (!e.getValue().exists()) continue; // a deleted key answers 404 everywhere
            int copies = 0;
            int refusals = 0;
            for (RingworkClient client : clients) {
                try {
                    JsonNode served = client.get("/v1/state/" + RingworkClient.encodeKey(e.getKey()) + "?local=true");
                    if (served.path("value").equals(e.getValue().value())) copies++;
                } catch (RingworkClient.ApiException refused) {
                    if (refused.status() != 404) throw refused;
                    if (refused.getMessage().contains("not_a_replica")) refusals++;
                }
            }
            if (copies != 3 || refusals != NODES - 3) wrong++;
        }
        return wrong;
    }
}
