package io.ringwork.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./ringwork bench latency}: end-to-end latency of the gluer workload on real node
 * processes (embedded log), measured by a {@link LoadGenerator} in a process of its own. For each
 * cluster size it first measures the peak (flat out), waits until the nodes have applied what that
 * phase left in the log (printed), then runs the generator at a fraction of that peak ({@code --fraction}, default 0.5) {@code --runs} times and prints the median of the
 * runs' p50 and p99 for the whole path and for each part of it: due → appended, appended → fed
 * (the engine), fed → received (the feed's stream), and the append's answer.
 *
 * <p>Options: {@code --nodes 1,3 --runs 3 --seconds 20 --warmup 5 --fraction 0.5 --rate R (skips
 * the peak) --batch 10 --connections 8 --peak-seconds 10 --node-arg ARG (repeatable)}.
 */
public final class LatencyBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] PARTS = {"endToEnd", "toAppend", "engine", "delivery", "ack"};
    private static final String[] PART_NAMES = {"due → received (end to end)", "due → appended", "appended → fed (engine)",
            "fed → received (feed stream)", "due → append answered"};

    private List<Integer> sizes = List.of(1, 3);
    private int runs = 3;
    private int seconds = 20;
    private int warmup = 5;
    private double fraction = 0.5;
    private double fixedRate = -1;
    private int batch = 10;
    private int connections = 8;
    private int peakSeconds = 10;
    private final List<String> nodeArgs = new ArrayList<>();
    /** Keep the nodes' directories (their logs) after the run and print where they are. */
    private boolean keepLogs;

    public static void main(String[] args) throws Exception {
        LatencyBench bench = new LatencyBench();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--nodes" -> bench.sizes = Arrays.stream(value.split(",")).map(Integer::parseInt).toList();
                case "--runs" -> bench.runs = Integer.parseInt(value);
                case "--seconds" -> bench.seconds = Integer.parseInt(value);
                case "--warmup" -> bench.warmup = Integer.parseInt(value);
                case "--fraction" -> bench.fraction = Double.parseDouble(value);
                case "--rate" -> bench.fixedRate = Double.parseDouble(value);
                case "--batch" -> bench.batch = Integer.parseInt(value);
                case "--connections" -> bench.connections = Integer.parseInt(value);
                case "--peak-seconds" -> bench.peakSeconds = Integer.parseInt(value);
                case "--node-arg" -> bench.nodeArgs.add(value);
                case "--keep-logs" -> {
                    bench.keepLogs = true;
                    i--; // a flag without a value
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--nodes --runs --seconds --warmup"
                        + " --fraction --rate --batch --connections --peak-seconds --node-arg --keep-logs)");
            }
        }
        for (int n : bench.sizes) bench.run(n);
    }

    private void run(int n) throws Exception {
        Path dir = Files.createTempDirectory("ringwork-latency-bench-");
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            List<String> base = new ArrayList<>(List.of("--membership", "fast", "--partitions", "16"));
            base.addAll(nodeArgs);
            nodes.add(NodeProcess.start("n1", dir.resolve("n1"), dir.resolve("log"), base));
            List<String> urls = new ArrayList<>();
            urls.add(nodes.get(0).awaitReady(60_000));
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", nodes.get(0).bindAddress()));
            for (int i = 2; i <= n; i++) nodes.add(NodeProcess.start("n" + i, dir.resolve("n" + i), dir.resolve("log"), seeded));
            for (int i = 1; i < n; i++) urls.add(nodes.get(i).awaitReady(60_000));
            awaitSettled(new RingworkClient(urls.get(0)), n);
            String urlList = String.join(",", urls);
            double rate = fixedRate;
            if (rate <= 0) {
                System.err.printf("latency, %d node(s): measuring the peak for %d s...%n", n, peakSeconds);
                JsonNode peak = generator(urlList, 0, peakSeconds, 3, 1);
                double peakRate = peak.path("changesPerSecond").asDouble();
                System.out.printf("%d node(s): peak %,.0f changes/s (flat out, %d connections, batches of %d; %d errors)%n",
                        n, peakRate, connections, batch, peak.path("errors").asLong());
                rate = peakRate * fraction;
                // Flat out, appends run ahead of processing (an append is answered once it is in the
                // log), and the generator stops waiting for changes after 10 s: the backlog left
                // would be measured as the first run's latency, a cost of the peak phase, not of the
                // rate measured. The runs start once every node has applied its partitions' logs.
                long drainedMs = awaitDrained(urls);
                System.out.printf("%d node(s): the peak's backlog applied %,d ms after the peak phase ended%n", n, drainedMs);
            }
            List<JsonNode> results = new ArrayList<>();
            for (int r = 1; r <= runs; r++) {
                System.err.printf("latency, %d node(s): run %d of %d at %,.0f records/s for %d s...%n", n, r, runs, rate, seconds);
                double[] before = scrape(urls);
                JsonNode result = generator(urlList, rate, seconds, warmup, 100 + r);
                double[] after = scrape(urls);
                results.add(result);
                long changes = result.path("sentRecords").asLong();
                System.out.printf("  run %d, nodes: %,.0f bytes allocated per record, %,.0f young collections, %,.0f ms in them%n", r,
                        (after[0] - before[0]) / Math.max(1, changes), after[1] - before[1], (after[2] - before[2]) * 1000);
                System.out.printf("  run %d: %,.0f changes/s; end to end p50 %.1f / p99 %.1f ms; engine p99 %.0f ms; "
                                + "due→appended p99 %.1f ms; feed p99 %.1f ms; %d errors, %d without a change; client GC %d ms%n",
                        r, result.path("changesPerSecond").asDouble(), ms(result, "endToEnd", "p50"), ms(result, "endToEnd", "p99"),
                        ms(result, "engine", "p99"), ms(result, "toAppend", "p99"), ms(result, "delivery", "p99"),
                        result.path("errors").asLong(), result.path("noChangeSeen").asLong(), result.path("clientGcMs").asLong());
            }
            System.out.printf("%n%d node(s) at %,.0f records/s (batches of %d), medians of %d runs:%n", n, rate, batch, runs);
            System.out.println("| part | p50 ms | p99 ms |");
            System.out.println("|---|---|---|");
            for (int i = 0; i < PARTS.length; i++) {
                System.out.printf("| %s | %.1f | %.1f |%n", PART_NAMES[i], median(results, PARTS[i], "p50"), median(results, PARTS[i], "p99"));
            }
            System.out.println();
        } finally {
            for (NodeProcess node : nodes) node.close();
            if (keepLogs) System.out.println("the nodes' directories and logs are kept in " + dir);
            else deleteTree(dir);
        }
    }

    /**
     * Sums, over the nodes' {@code /metrics}: bytes allocated, and the young collections and their
     * seconds (G1's "G1 Young Generation", ZGC's "ZGC Minor Pauses"/"ZGC Minor Cycles" and the like).
     */
    private static double[] scrape(List<String> urls) throws IOException, InterruptedException {
        double[] sums = new double[3];
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String url : urls) {
            String text = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith("#")) continue;
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                boolean young = line.contains("Young") || line.contains("Minor") || line.contains("Scavenge");
                if (line.startsWith("ringwork_jvm_allocated_bytes_total")) sums[0] += value;
                else if (young && line.startsWith("ringwork_jvm_gc_collections_total")) sums[1] += value;
                else if (young && line.startsWith("ringwork_jvm_gc_seconds_total")) sums[2] += value;
            }
        }
        return sums;
    }

    private static double ms(JsonNode result, String part, String field) {
        return result.path(part).path(field).asDouble(Double.NaN);
    }

    private static double median(List<JsonNode> results, String part, String field) {
        double[] values = results.stream().mapToDouble(r -> ms(r, part, field)).sorted().toArray();
        return values.length == 0 ? Double.NaN : values[values.length / 2];
    }

    /** Runs the generator in a JVM of its own, and returns its RESULT. */
    private JsonNode generator(String urls, double rate, int measureSeconds, int warmupSeconds, long seed)
            throws IOException, InterruptedException {
        // G1 with a 5 ms pause goal: with SerialGC in 256 MB the generator's own collections (0.7 s
        // in a 25 s run at 5,000 records/s) held its sends and showed up as the node's p99.
        List<String> command = List.of(NodeProcess.javaBinary(), "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=5", "-cp",
                System.getProperty("java.class.path"), LoadGenerator.class.getName(), "--url", urls,
                "--rate", Double.toString(rate), "--seconds", Integer.toString(measureSeconds), "--warmup",
                Integer.toString(warmupSeconds), "--batch", Integer.toString(batch), "--connections",
                Integer.toString(connections), "--seed", Long.toString(seed));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("RESULT ")) result = line.substring(7);
            }
        } finally {
            if (!process.waitFor(measureSeconds + warmupSeconds + 60L, TimeUnit.SECONDS)) process.destroyForcibly();
        }
        if (result == null) throw new IllegalStateException("the load generator printed no RESULT (exit " + process.exitValue() + ")");
        return JSON.readTree(result);
    }

    /**
     * Waits until no node has records of its partitions left to apply ({@code totals.lag} of
     * {@code /v1/cluster}, 0 on every node twice in a row); returns how long that took. At most
     * 120 s, then it fails: a cluster that cannot catch up at all has no latency to measure.
     */
    private static long awaitDrained(List<String> urls) throws Exception {
        long startMs = System.currentTimeMillis();
        List<RingworkClient> clients = urls.stream().map(RingworkClient::new).toList();
        int quiet = 0;
        while (quiet < 2) {
            long lag = 0;
            for (RingworkClient client : clients) lag += client.cluster().path("totals").path("lag").asLong();
            quiet = lag == 0 ? quiet + 1 : 0;
            if (System.currentTimeMillis() - startMs > 120_000) {
                throw new IllegalStateException("the nodes still had " + lag + " records to apply 120 s after the peak phase");
            }
            if (quiet < 2) Thread.sleep(250);
        }
        return System.currentTimeMillis() - startMs;
    }

    private static void awaitSettled(RingworkClient client, int members) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            JsonNode partitions = client.cluster().path("ownership").path("partitions");
            boolean settled = !partitions.isEmpty();
            for (JsonNode p : partitions) {
                if (p.path("ready").size() != members || !p.path("owner").asText().equals(p.path("target").asText())) settled = false;
            }
            if (settled) return;
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("the cluster of " + members + " did not settle in 120 s");
            Thread.sleep(200);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
    }
}
