package io.ringwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * N real node processes on the embedded log, started one after the other and waited for until
 * every partition is owned by its target and ready on every member. Closing stops each node by
 * its PID.
 */
final class BenchNodes implements AutoCloseable {
    final List<NodeProcess> nodes = new ArrayList<>();
    final List<String> urls = new ArrayList<>();

    private BenchNodes() {}

    static BenchNodes start(int n, String prefix) throws Exception {
        Path dir = Files.createTempDirectory(prefix);
        BenchNodes cluster = new BenchNodes();
        try {
            List<String> base = List.of("--membership", "fast", "--partitions", "16");
            cluster.nodes.add(NodeProcess.start("n1", dir.resolve("n1"), dir.resolve("log"), base));
            cluster.urls.add(cluster.nodes.get(0).awaitReady(60_000));
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", cluster.nodes.get(0).bindAddress()));
            for (int i = 2; i <= n; i++) cluster.nodes.add(NodeProcess.start("n" + i, dir.resolve("n" + i), dir.resolve("log"), seeded));
            for (int i = 1; i < n; i++) cluster.urls.add(cluster.nodes.get(i).awaitReady(60_000));
            RingworkClient first = new RingworkClient(cluster.urls.get(0));
            long deadline = System.currentTimeMillis() + 120_000;
            while (!settled(first, n)) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("the cluster of " + n + " did not settle in 120 s");
                Thread.sleep(200);
            }
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static boolean settled(RingworkClient client, int members) throws Exception {
        JsonNode partitions = client.cluster().path("ownership").path("partitions");
        if (partitions.isEmpty()) return false;
        for (JsonNode p : partitions) {
            if (p.path("ready").size() != members || !p.path("owner").asText().equals(p.path("target").asText())) return false;
        }
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        for (NodeProcess node : nodes) node.close();
    }
}
