package io.ringwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.node.Processors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./ringwork bench scale-out}: the same workload at the same rate on clusters of N = 3, 5
 * and 7 real node processes with three replicas. Per node: the partitions its store holds, the
 * workload keys it holds a local copy of, and the changes it applied (as owner, plus those it
 * took from owners' commits); for the cluster: the CPU seconds of all node processes (from
 * {@code /proc/PID/stat}, over producing and draining) per 100,000 records, and for every workload
 * key that exists at the end (at most {@value #SAMPLED_KEYS}) how many nodes hold a local copy (must be exactly 3).
 * Bounded: each N runs one fixed workload ({@code --records}, default 20,000, at {@code --rate}
 * records/s, default 2,000) and waits at most 120 s to settle and 120 s to drain.
 *
 * <p>Options: {@code --nodes 3,5,7 --records N --rate R --partitions P (16)}.
 */
public final class ScaleOutBench {
    private static final int SAMPLED_KEYS = 200;
    private static final long CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

    private ScaleOutBench() {}

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = List.of(3, 5, 7);
        int records = 20_000;
        int rate = 2_000;
        int partitions = 16;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--nodes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--rate" -> rate = Integer.parseInt(args[i + 1]);
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--nodes --records --rate --partitions)");
            }
        }
        System.out.printf("scale-out: %d records at %d records/s, %d partitions, 3 replicas%n%n", records, rate, partitions);
        List<String> summary = new ArrayList<>();
        for (int n : sizes) summary.add(run(n, records, rate, partitions));
        System.out.println("| N | CPU s of all nodes per 100,000 records | the same, less the idle cluster's | idle cluster, CPU s/s "
                + "| changes applied per node (mean, share of all) | nodes per sampled key |");
        System.out.println("|---|---|---|---|---|---|");
        summary.forEach(System.out::println);
    }

    private static String run(int n, int records, int rate, int partitions) throws Exception {
        Path dir = Files.createTempDirectory("ringwork-scale-out-");
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(partitions));
            nodes.add(NodeProcess.start("n1", dir.resolve("n1"), dir.resolve("log"), base));
            List<RingworkClient> clients = new ArrayList<>();
            clients.add(new RingworkClient(nodes.get(0).awaitReady(60_000)));
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", nodes.get(0).bindAddress()));
            for (int i = 2; i <= n; i++) nodes.add(NodeProcess.start("n" + i, dir.resolve("n" + i), dir.resolve("log"), seeded));
            for (int i = 1; i < n; i++) clients.add(new RingworkClient(nodes.get(i).awaitReady(60_000)));
            waitFor(120_000, () -> settled(clients.get(0), partitions), "the cluster of " + n + " to settle");

            // The cluster's own cost (membership, relay polls, JIT, GC) over as long as the workload
            // takes, idle: subtracted below, so the figure is what the records cost.
            long idleStart = cpuTicks(nodes);
            long idleStartNs = System.nanoTime();
            Thread.sleep(1_000L * records / rate);
            double idlePerS = (cpuTicks(nodes) - idleStart) / (double) CLOCK_TICKS_PER_S / ((System.nanoTime() - idleStartNs) / 1e9);
            long cpuBefore = cpuTicks(nodes);
            long busyStartNs = System.nanoTime();
            RecordApplier applier = new RecordApplier(new ProcessorRegistry(Processors.load()));
            SequentialFold fold = new SequentialFold(applier);
            GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(1, 4, SAMPLED_KEYS / 4 + 10, records, 0.0), fold);
            long startNs = System.nanoTime();
            int sent = 0;
            int batch = 100;
            while (sent < records) {
                long dueNs = startNs + (long) sent * 1_000_000_000L / rate;
                long waitNs = dueNs - System.nanoTime();
                if (waitNs > 0) Thread.sleep(waitNs / 1_000_000, (int) (waitNs % 1_000_000));
                List<NewRecord> next = workload.next(Math.min(batch, records - sent));
                clients.get(sent / batch % n).produce(next);
                sent += next.size();
            }
            waitFor(120_000, () -> drained(clients), "the cluster of " + n + " to drain");
            double cpuSeconds = (cpuTicks(nodes) - cpuBefore) / (double) CLOCK_TICKS_PER_S;
            double netSeconds = cpuSeconds - idlePerS * (System.nanoTime() - busyStartNs) / 1e9;

            System.out.printf("N = %d%n| node | partitions held | keys held | changes applied (own + replicated) | relayed to its feed |%n", n);
            System.out.println("|---|---|---|---|---|");
            List<String> keys = new ArrayList<>();
            fold.states().forEach((key, state) -> {
                if (state.exists() && keys.size() < SAMPLED_KEYS) keys.add(key); // a deleted key is held nowhere
            });
            int[] copies = new int[keys.size()];
            long appliedSum = 0;
            for (int i = 0; i < n; i++) {
                RingworkClient client = clients.get(i);
                String metrics = client.get("/metrics").asText();
                long own = metric(metrics, "ringwork_records_applied_total");
                long replicated = metric(metrics, "ringwork_replication_changes_fed_total");
                appliedSum += own + replicated;
                int held = 0;
                for (int k = 0; k < keys.size(); k++) {
                    try {
                        client.get("/v1/state/" + RingworkClient.encodeKey(keys.get(k)) + "?local=true");
                        copies[k]++;
                        held++;
                    } catch (RingworkClient.ApiException notHere) {
                        if (notHere.status() != 404) throw notHere;
                    }
                }
                System.out.printf("| n%d | %d of %d | %d of %d | %,d (%,d + %,d) | %,d |%n", i + 1, metric(metrics, "ringwork_store_partitions_held"),
                        partitions, held, keys.size(), own + replicated, own, replicated, metric(metrics, "ringwork_replication_changes_relayed_total"));
            }
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int c : copies) {
                min = Math.min(min, c);
                max = Math.max(max, c);
            }
            double perNode = appliedSum / (double) n;
            double total = appliedSum / 3.0; // every change is applied by its three replicas
            System.out.printf("CPU %.1f s over %d records (idle cluster: %.2f CPU s/s); copies per key %d..%d%n%n", cpuSeconds, records,
                    idlePerS, min, max);
            return String.format("| %d | %.1f | %.1f | %.2f | %,.0f (%.2f; 3/N = %.2f) | %s |", n, cpuSeconds * 100_000 / records,
                    netSeconds * 100_000 / records, idlePerS, perNode, perNode / total, 3.0 / n, min == max ? Integer.toString(min) : min + ".." + max);
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    /** Utime + stime of every node process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long cpuTicks(List<NodeProcess> nodes) throws Exception {
        long ticks = 0;
        for (NodeProcess node : nodes) {
            String stat = Files.readString(Path.of("/proc/" + node.pid() + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        return ticks;
    }

    private static long metric(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static boolean settled(RingworkClient client, int partitions) throws Exception {
        JsonNode parts = client.cluster().path("ownership").path("partitions");
        if (parts.size() != partitions) return false;
        for (JsonNode p : parts) {
            if (!p.path("owner").asText().equals(p.path("target").asText())) return false;
            for (JsonNode replica : p.path("replicas")) {
                boolean ready = false;
                for (JsonNode r : p.path("ready")) ready |= r.asText().equals(replica.asText());
                if (!ready) return false;
            }
        }
        return true;
    }

    /** Every node applied the whole log (no lag) and holds three replicas in all of each partition. */
    private static boolean drained(List<RingworkClient> clients) throws Exception {
        long held = 0;
        for (RingworkClient client : clients) {
            String metrics = client.get("/metrics").asText();
            if (metric(metrics, "ringwork_partitions_lag") != 0) return false;
            held += metric(metrics, "ringwork_store_partitions_held");
        }
        JsonNode parts = clients.get(0).cluster().path("ownership").path("partitions");
        return held == 3L * parts.size();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(long timeoutMs, Check check, String what) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!check.ok()) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out waiting for " + what);
            Thread.sleep(250);
        }
        Thread.sleep(1_000); // the last relayed pages and replicated commits
    }
}
