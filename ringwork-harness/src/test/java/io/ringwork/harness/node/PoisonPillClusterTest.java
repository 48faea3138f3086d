package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.NewRecord;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.log.EmbeddedLog;
import io.ringwork.runtime.log.LogConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's poison pills sent to a 3-node cluster of real processes. Those the API can refuse
 * are refused (4xx); those that pass the API, or reach the log by another path (a record written
 * straight into the shared log, as any producer of a shared log could), are dead-lettered where
 * they are applied. Every node stays up, the rest keeps flowing, and a cluster started afresh over
 * the same log, which replays every pill from offset 0, stays up too.
 */
class PoisonPillClusterTest {
    private static final int PARTITIONS = 8;
    private static final int GOOD = 300;
    @TempDir Path dir;

    @Test
    @Timeout(300)
    void pillsAreRefusedOrDeadLetteredAndNoNodeFallsOverEvenOnReplay() throws Exception {
        List<NodeProcess> nodes = startCluster("a");
        try {
            RingworkClient first = client(nodes.get(0));
            RingworkClient second = client(nodes.get(1));
            List<String> good = new ArrayList<>();
            produceGood(first, good, "before");

            // (a) depth: 900 levels are refused at ingest; 90 + 90 pass it and are stopped at apply.
            assertThat(status(() -> second.post("/v1/gluer/acme/deep900?op=put", "application/json", nested(900))))
                    .isEqualTo(400);
            second.post("/v1/gluer/acme/deep?op=put", "application/json", nested(90));
            second.post("/v1/gluer/acme/deep", "application/json-patch+json",
                    ("[{\"op\":\"add\",\"path\":\"" + "/a".repeat(89) + "/x\",\"value\":" + new String(nested(90)) + "}]")
                            .getBytes(StandardCharsets.UTF_8));
            // (b) a key past 65,535 bytes: refused by the API, so it goes into the log directly.
            assertThat(status(() -> second.post("/v1/gluer/acme/" + "k".repeat(70_000) + "?op=put", "application/json",
                    "{}".getBytes(StandardCharsets.UTF_8)))).isEqualTo(414);
            String longKey = "acme/" + "k".repeat(70_000);
            try (EmbeddedLog log = EmbeddedLog.open(LogConfig.defaults(dir.resolve("log")).withPartitionCount(PARTITIONS))) {
                log.append(List.of(new NewRecord(longKey, "gluer.put", null, "{\"a\":1}".getBytes(StandardCharsets.UTF_8))));
            }
            // (c) a copy bomb: 22 copies of the root double a 1 KB document towards 4 GB.
            second.post("/v1/gluer/acme/bomb?op=put", "application/json", ("{\"s\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8));
            StringBuilder bomb = new StringBuilder("[");
            for (int i = 0; i < 22; i++) bomb.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c").append(i).append("\"}");
            second.post("/v1/gluer/acme/bomb", "application/json-patch+json", bomb.append(']').toString().getBytes(StandardCharsets.UTF_8));
            // (d) an unbounded document: 50 merges of 50 KB each would build 2.5 MB.
            for (int i = 0; i < 50; i++) {
                second.post("/v1/gluer/acme/big", "application/merge-patch+json",
                        ("{\"f" + i + "\":\"" + "y".repeat(50_000) + "\"}").getBytes(StandardCharsets.UTF_8));
            }
            produceGood(client(nodes.get(2)), good, "after");

            awaitGood(nodes, good);
            assertDeadLettered(first, "acme/deep", 1);
            assertDeadLettered(first, "acme/bomb", 1);
            assertDeadLettered(first, "acme/big", 1);
            JsonNode big = first.state("acme/big");
            assertThat(big.toString().length()).as("the document stays within 1 MiB").isLessThan(1 << 20);
            assertThat(first.get("/v1/dead-letters?prefix=acme/kkkk&limit=10").path("count").asInt())
                    .as("the long key's record is a dead letter").isEqualTo(1);
            for (NodeProcess node : nodes) assertThat(node.isAlive()).as(node.nodeId() + " up").isTrue();

            // A fresh cluster over the same log replays every pill from offset 0.
            for (NodeProcess node : nodes) node.kill();
            for (String name : List.of("a1", "a2", "a3")) deleteTree(dir.resolve(name));
            nodes = startCluster("b");
            awaitGood(nodes, good);
            assertDeadLettered(client(nodes.get(0)), "acme/deep", 1);
            Thread.sleep(3_000); // a node that fails on a replayed pill dies about a second after it is ready
            for (NodeProcess node : nodes) assertThat(node.isAlive()).as(node.nodeId() + " up after the replay").isTrue();
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private List<NodeProcess> startCluster(String prefix) throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        NodeProcess seed = NodeProcess.start(prefix + "1", dir.resolve(prefix + "1"), dir.resolve("log"),
                List.of("--partitions", Integer.toString(PARTITIONS), "--membership", "fast"));
        nodes.add(seed);
        seed.awaitReady(60_000);
        for (int i = 2; i <= 3; i++) {
            nodes.add(NodeProcess.start(prefix + i, dir.resolve(prefix + i), dir.resolve("log"),
                    List.of("--membership", "fast", "--seeds", seed.bindAddress())));
        }
        for (NodeProcess node : nodes) node.awaitReady(60_000);
        RingworkClient any = client(seed);
        await().atMost(Duration.ofSeconds(30)).until(() -> any.cluster().path("members").size() == 3);
        return nodes;
    }

    private static RingworkClient client(NodeProcess node) throws Exception {
        return new RingworkClient(node.awaitReady(60_000));
    }

    private static void produceGood(RingworkClient client, List<String> good, String tag) throws Exception {
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            String key = "good/" + tag + "-" + i;
            records.add(new NewRecord(key, "resource.create", null, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            good.add(key);
        }
        client.produce(records);
    }

    /** Every node has applied its partitions to the end of the log, and every good key is readable. */
    private static void awaitGood(List<NodeProcess> nodes, List<String> good) throws Exception {
        for (NodeProcess node : nodes) {
            RingworkClient client = client(node);
            await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/v1/cluster").path("totals").path("lag").asLong() == 0);
        }
        RingworkClient client = client(nodes.get(0));
        List<String> missing = new ArrayList<>(good);
        // One wait for all keys: a wait per key would cost Awaitility's first poll delay each time.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            missing.removeIf(key -> {
                try {
                    return status(() -> client.state(key)) == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            return missing.isEmpty();
        });
    }

    private static void assertDeadLettered(RingworkClient client, String key, int atLeast) throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/v1/dead-letters?key=" + key + "&limit=100").path("count").asInt() >= atLeast);
    }

    private static byte[] nested(int levels) {
        return ("{\"a\":".repeat(levels - 1) + "{}" + "}".repeat(levels - 1)).getBytes(StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    interface Call {
        Object call() throws Exception;
    }

    /** The HTTP status of a call: 200 when it returns, the API error's status when it fails. */
    private static int status(Call call) throws Exception {
        try {
            call.call();
            return 200;
        } catch (RingworkClient.ApiException e) {
            return e.status();
        }
    }

    private static void deleteTree(Path root) throws Exception {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }
}
