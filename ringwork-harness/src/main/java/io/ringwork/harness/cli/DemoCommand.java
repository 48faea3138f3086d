package io.ringwork.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.cli.Progress;
import io.ringwork.runtime.cli.WorkloadOptions;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.harness.process.FeedTracker;
import io.ringwork.harness.process.GluerVerifier;
import io.ringwork.harness.process.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ringwork demo}: the main job on one machine. By default it is a 3-node chaos run
 * ({@link ChaosCommand}) with one kill and one join and a fixed seed. With {@code --nodes 1} or
 * {@code --single} it is the single-node flow, whose throughput figures the project quotes: it
 * starts a real node process on loopback with
 * the embedded log, produces a seeded gluer workload through the HTTP API while following the
 * change feed, waits until everything is applied, checks every document against the sequential
 * fold and prints a report. Exit code 0 only with zero anomalies.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run 3 nodes with a kill and a join (or one node with --single), glue a seeded workload, verify, report.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--pieces", defaultValue = "200000", description = "pieces to produce (default ${DEFAULT-VALUE})") long pieces;
    @Mixin WorkloadOptions workloadOptions;
    @Option(names = "--batch", defaultValue = "1000", description = "pieces per HTTP request (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--producers", defaultValue = "4", description = "concurrent HTTP connections; a key always uses the same one (default ${DEFAULT-VALUE})") int producers;
    @Option(names = "--rate", description = "pieces per second to produce at (default: as fast as possible); "
            + "latency is only meaningful below the peak") Long rate;
    @Option(names = "--dir", description = "working directory (default: a new temporary one, deleted afterwards)") Path dir;
    @Option(names = "--keep", description = "after the run, keep the nodes running (and their working directory) until Ctrl-C,"
            + " to look around in the console") boolean keep;
    @Option(names = "--verbose", description = "print the full technical report as the run goes (by default it goes to a file"
            + " and the terminal gets a few plain lines and a summary)") boolean verbose;
    @Option(names = "--timeout-s", defaultValue = "300", description = "give up after this long (default ${DEFAULT-VALUE})") long timeoutS;
    @Option(names = "--nodes", defaultValue = "3", description = "nodes; 1 runs the single-node flow (default ${DEFAULT-VALUE})") int nodes;
    @Option(names = "--single", description = "the single-node flow (same as --nodes 1)") boolean single;
    @Option(names = "--duration", defaultValue = "35s", description = "with several nodes: producing phase (default ${DEFAULT-VALUE})") String duration;
    @Option(names = "--faults", defaultValue = "kill,join", description = "with several nodes: faults to inject (default ${DEFAULT-VALUE})") String faults;
    @Option(names = "--partitions", defaultValue = "16", description = "with several nodes: partitions of the shared log (default ${DEFAULT-VALUE})") int partitions;
    @Option(names = "--kafka", arity = "0..1", paramLabel = "BOOTSTRAP", description = ChaosCommand.KAFKA_HELP) String kafka;

    @Override
    public Integer call() throws Exception {
        if (kafka != null && (single || nodes < 2)) {
            throw new IllegalArgumentException("--kafka runs the demo's cluster (2 nodes or more); the single-node flow uses the embedded log");
        }
        if (!single && nodes > 1) return cluster();
        return singleNode();
    }

    /** The 3-node chaos run; --pieces, --batch and --producers apply to the single-node flow only. */
    private int cluster() throws Exception {
        WorkloadOptions w = workloadOptions;
        io.ringwork.harness.chaos.ChaosRun.Config config = new io.ringwork.harness.chaos.ChaosRun.Config(nodes,
                ChaosCommand.durationMs(duration), io.ringwork.harness.chaos.FaultSchedule.parseFaults(faults), w.seed,
                rate == null ? 2000 : rate, partitions, w.tenants, w.docs, w.invalid, 500, timeoutS * 1000);
        if (partitions < 1) throw new IllegalArgumentException("--partitions must be positive");
        long startNs = System.nanoTime();
        String wall = kafka != null && kafka.isBlank() ? " (the broker's start and stop included)" : "";
        if (verbose) {
            System.out.println("ringwork demo: " + nodes + " node processes, " + (kafka == null ? "shared embedded log" : "the log on Kafka")
                    + ", faults " + faults + " (--single for the one-node throughput run)");
            int code = ChaosCommand.run(config, dir, keep, kafka, "ringwork-demo", System.out,
                    (run, where) -> keep ? run.keepRunning() : run);
            System.out.printf("  wall time %.0f s%s%n", (System.nanoTime() - startNs) / 1e9, wall);
            return code;
        }
        // The newcomer's view: a few plain lines and a summary here, the technical report in a file.
        Path reportFile = Files.createTempFile("ringwork-demo-report-", ".txt");
        System.out.println("ringwork demo: a cluster on this machine that loses a node and gains one while it works"
                + " (about a minute; --verbose for the technical report as it goes)");
        int code;
        try (java.io.PrintStream report = new java.io.PrintStream(Files.newOutputStream(reportFile), true, java.nio.charset.StandardCharsets.UTF_8)) {
            code = ChaosCommand.run(config, dir, keep, kafka, "ringwork-demo", report, (run, where) -> {
                run.withBrief(System.out, where);
                return keep ? run.keepRunning() : run;
            });
            report.printf("  wall time %.0f s%s%n", (System.nanoTime() - startNs) / 1e9, wall);
        } catch (Exception e) {
            System.out.println("The run stopped before its end; its technical report so far: " + reportFile);
            throw e;
        }
        System.out.printf("  took          %.0f s%s%n", (System.nanoTime() - startNs) / 1e9, wall);
        System.out.println("The full technical report of this run: " + reportFile + " (or run again with --verbose)");
        // Scripts grep the report's last line; it is the same in both views.
        List<String> lines = Files.readAllLines(reportFile);
        lines.stream().filter(l -> l.startsWith("RESULT:")).reduce((a, b) -> b).ifPresent(System.out::println);
        return code;
    }

    private int singleNode() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("ringwork-demo-");
        System.out.println("ringwork demo: one node, embedded log, seeded gluer workload");
        try (NodeProcess node = NodeProcess.start("demo-1", work.resolve("demo-1"), work.resolve("log"), List.of())) {
            String url = node.awaitReady(60_000);
            System.out.printf("  node demo-1 (pid %d) at %s, working directory %s%n", node.pid(), url, work);
            int code = run(new RingworkClient(url));
            if (keep) {
                io.ringwork.harness.process.HoldOpen.untilStopped(System.out, List.of("The node keeps running for you to look around:",
                        "  console " + url + "/   cluster JSON " + url + "/v1/cluster   working directory " + work), () -> node.stop());
            } else {
                node.stop();
            }
            return code;
        } finally {
            if (dir == null && !keep) deleteTree(work);
        }
    }

    private int run(RingworkClient client) throws Exception {
        GluerWorkload workload = workloadOptions.workload(pieces);
        SequentialFold fold = workload.fold();
        WorkloadOptions w = workloadOptions;
        System.out.printf("  workload: seed %d, %d tenants x %d documents, %,d pieces (about %.1f%% invalid on purpose)%n",
                w.seed, w.tenants, w.docs, pieces, w.invalid * 100);
        // Generate (and fold) every piece before the clock starts: the figures are the system's, not the generator's.
        List<NewRecord> stream = workload.next((int) Math.min(Integer.MAX_VALUE - 8, pieces));
        try (FeedTracker feed = FeedTracker.follow(client, "now")) {
            Thread.sleep(200); // let the feed subscription open before the first piece
            long[][] sent = produce(client, stream);
            long appliedStartNs = System.nanoTime();
            boolean applied = GluerVerifier.awaitApplied(client, pieces, timeoutS * 1000);
            long doneNs = System.nanoTime();
            long expectedChanges = fold.recordCount() - fold.rejectedCount();
            awaitFeed(feed, expectedChanges);
            feed.stop();
            GluerVerifier.Result check = GluerVerifier.verify(client, fold);
            return report(client, fold, feed, sent, check, applied, (doneNs - sent[0][0]) / 1e9,
                    (doneNs - appliedStartNs) / 1e9);
        }
    }

    /**
     * Sends the workload in rounds of {@code producers x batch} pieces; within a round each key's
     * pieces go, in order, over the same connection, and a round ends before the next starts, so
     * every key reaches the log in generation order. Returns {startNs}, then {partition, offset,
     * sendNs} per piece.
     */
    private long[][] produce(RingworkClient client, List<NewRecord> stream) throws Exception {
        if (producers < 1 || batch < 1) throw new IllegalArgumentException("--producers and --batch must be positive");
        List<long[]> sent = new ArrayList<>(stream.size() + 1);
        sent.add(new long[] {System.nanoTime()});
        Progress progress = new Progress(System.out, "pieces", stream.size());
        if (rate != null && rate <= 0) throw new IllegalArgumentException("--rate must be positive");
        long startNs = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(producers)) {
            for (int start = 0; start < stream.size(); start += producers * batch) {
                if (rate != null) {
                    // Pace: this round may start once the previous pieces are due at the given rate.
                    long dueNs = startNs + (long) (start * 1e9 / rate);
                    long waitNs = dueNs - System.nanoTime();
                    if (waitNs > 0) Thread.sleep(waitNs / 1_000_000, (int) (waitNs % 1_000_000));
                }
                List<List<NewRecord>> lanes = new ArrayList<>();
                for (int l = 0; l < producers; l++) lanes.add(new ArrayList<>(batch));
                for (NewRecord record : stream.subList(start, Math.min(stream.size(), start + producers * batch))) {
                    lanes.get(Math.floorMod(record.key().hashCode(), producers)).add(record);
                }
                List<Future<long[][]>> answers = new ArrayList<>();
                for (List<NewRecord> lane : lanes) if (!lane.isEmpty()) answers.add(pool.submit(() -> send(client, lane)));
                for (Future<long[][]> answer : answers) sent.addAll(Arrays.asList(answer.get()));
                progress.update(sent.size() - 1);
            }
        }
        progress.finish(sent.size() - 1);
        return sent.toArray(new long[0][]);
    }

    private static long[][] send(RingworkClient client, List<NewRecord> records) throws Exception {
        long sendNs = System.nanoTime();
        JsonNode results = client.produce(records);
        long[][] sent = new long[results.size()][];
        for (int i = 0; i < sent.length; i++) {
            JsonNode r = results.get(i);
            sent[i] = new long[] {r.path("partition").asLong(), r.path("offset").asLong(), sendNs};
        }
        return sent;
    }

    private static void awaitFeed(FeedTracker feed, long expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (feed.changes() < expected && System.currentTimeMillis() < deadline) Thread.sleep(20);
    }

    private int report(RingworkClient client, SequentialFold fold, FeedTracker feed, long[][] sent,
                       GluerVerifier.Result check, boolean applied, double totalSeconds, double drainSeconds) throws Exception {
        List<Long> latenciesUs = new ArrayList<>();
        for (int i = 1; i < sent.length; i++) {
            Long arrival = feed.arrivalNs((int) sent[i][0], sent[i][1]);
            if (arrival != null) latenciesUs.add((arrival - sent[i][2]) / 1000);
        }
        latenciesUs.sort(Comparator.naturalOrder());
        long lost = 0;
        for (String key : fold.states().keySet()) lost += Math.max(0, fold.appliedCount(key) - feed.distinctChanges(key));
        long deadLetters = client.cluster().path("totals").path("rejected").asLong();
        long anomalies = lost + feed.duplicated() + feed.reordered() + check.divergent();

        System.out.println();
        System.out.println("Report");
        row("pieces produced", String.format("%,d", pieces));
        row("throughput (first send to all applied)", String.format("%,.0f pieces/s (%.2f s; drain after last send %.2f s)",
                pieces / totalSeconds, totalSeconds, drainSeconds));
        row("end-to-end latency p50 / p99 / max", String.format("%s / %s / %s ms (send of the batch to the change on the feed, %s)",
                percentile(latenciesUs, 0.50), percentile(latenciesUs, 0.99), percentile(latenciesUs, 1.0),
                rate == null ? "at full load, so mostly queueing; use --rate for latency below the peak"
                        : String.format("producing at %,d pieces/s", rate)));
        row("inside the node p50 / p99", nodeLatency(client) + " ms (append to durable commit, node's own timer)");
        row("changes on the feed", String.format("%,d (expected %,d)", feed.changes(), fold.recordCount() - fold.rejectedCount()));
        row("dead letters", String.format("%,d (expected %,d)", deadLetters, fold.rejectedCount()));
        row("documents checked", String.format("%,d (%,d present, %,d absent or deleted)", check.checked(), check.present(), check.absent()));
        row("anomalies", String.format("lost %d, duplicated %d, reordered %d, divergent %d", lost, feed.duplicated(),
                feed.reordered(), check.divergent()));
        check.examples().forEach(e -> System.out.println("    divergent: " + e));
        if (feed.failure() != null) System.out.println("    change feed failed: " + feed.failure());
        boolean ok = applied && anomalies == 0 && deadLetters == fold.rejectedCount() && feed.failure() == null;
        if (!applied) System.out.println("    not everything was applied within " + timeoutS + " s");
        System.out.println(ok ? "RESULT: OK, 0 anomalies" : "RESULT: FAILED");
        return ok ? 0 : 1;
    }

    /** The node's own recent append-to-commit percentiles, from {@code GET /v1/cluster}. */
    private static String nodeLatency(RingworkClient client) {
        try {
            JsonNode latency = client.cluster().path("totals").path("endToEndLatencyMs");
            return String.format("%.1f / %.1f", latency.path("p50").asDouble(Double.NaN), latency.path("p99").asDouble(Double.NaN));
        } catch (Exception e) {
            return "unavailable (" + e.getMessage() + ")";
        }
    }

    private static void row(String name, String value) {
        System.out.printf("  %-40s %s%n", name, value);
    }

    private static String percentile(List<Long> sortedUs, double q) {
        if (sortedUs.isEmpty()) return "-";
        int index = (int) Math.min(sortedUs.size() - 1, Math.ceil(q * sortedUs.size()) - 1);
        return String.format("%.1f", sortedUs.get(Math.max(0, index)) / 1000.0);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }

}
