package io.ringwork.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.bench.GluerBench;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.harness.kafka.KafkaBrokerProcess;
import io.ringwork.runtime.node.Processors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./ringwork bench peers}: ringwork and Kafka Streams side by side on this machine, in one
 * run, on the same seeded gluer workload ({@link GluerWorkload}) through one real Kafka broker
 * process ({@link KafkaBrokerProcess}).
 *
 * <p>Systems: ringwork on Kafka with 1 and 3 node processes ({@code --kafka --topic
 * --changes-topic}); Kafka Streams 4.3.1, one instance ({@link KafkaStreamsPeer}: a RocksDB store
 * per key changed by ringwork's own applier) under {@code at_least_once} and
 * {@code exactly_once_v2}; ringwork on its embedded log with 1 and 3 nodes. Per system and run:
 * <ol>
 *   <li><b>pieces/s</b>: a rate of applying, not of producing. The system starts on an empty
 *       input, and once ready its processes are SIGSTOPped, the input filled ({@code --records})
 *       and the time taken from the SIGCONT until all is applied: no JVM start or cluster forming
 *       in the figure.</li>
 *   <li><b>latency</b> at half that rate for {@code --latency-seconds}: from handing a record to
 *       the producer (Kafka producer; for the embedded log, {@code POST /v1/events}) until its
 *       result is visible (Kafka Streams: the output topic, read_committed; ringwork on Kafka: the
 *       changes topic; embedded: node 1's change feed).</li>
 *   <li><b>documents</b>: a sample of keys ({@code --sample}) compared with the sequential fold of
 *       everything produced; any difference fails the bench.</li>
 * </ol>
 * Failover, separately: {@code --failover-rate} records/s into a fresh system; after 10 s the last
 * instance is SIGKILLed by PID; the figure is the time until every partition showed the result of a
 * record sent after the kill. Kafka Streams with two instances ({@code at_least_once}, defaults;
 * then with {@code num.standby.replicas=1}), ringwork on Kafka with 3 nodes. Documents checked
 * afterwards as well.
 *
 * <p>Every wait is bounded; the bench ends only processes it started, by PID; a temporary
 * directory holds everything and is removed at the end.
 */
public final class PeersBench {
    static final List<String> ALL_SYSTEMS = List.of("ringwork-kafka-1", "ringwork-kafka-3", "ks-alos", "ks-eos",
            "ringwork-embedded-1", "ringwork-embedded-3");
    static final List<String> ALL_FAILOVERS = List.of("ks-defaults", "ks-standby", "ringwork-kafka-3");
    static final String BASELINE = "ks-eos";
    static final String FAILOVER_BASELINE = "ks-defaults";

    /** Options; the defaults are sized for a quiet 2-core machine. */
    static final class Options {
        int runs = 3;
        int records = 200_000;
        int partitions = 12;
        int tenants = 10;
        int docs = 1000;
        int latencySeconds = 10;
        int failoverRate = 1000;
        int failoverRuns = -1; // -1: as many as --runs
        int sample = 500;
        long seed = 1;
        List<String> systems = ALL_SYSTEMS;
        List<String> failovers = ALL_FAILOVERS;
        boolean keep;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("option " + args[i] + " needs a value");
                String v = args[i + 1];
                switch (args[i]) {
                    case "--runs" -> o.runs = positive(args[i], v);
                    case "--records" -> o.records = positive(args[i], v);
                    case "--partitions" -> o.partitions = positive(args[i], v);
                    case "--tenants" -> o.tenants = positive(args[i], v);
                    case "--docs" -> o.docs = positive(args[i], v);
                    case "--latency-seconds" -> o.latencySeconds = positive(args[i], v);
                    case "--failover-rate" -> o.failoverRate = positive(args[i], v);
                    case "--failover-runs" -> o.failoverRuns = positive(args[i], v);
                    case "--sample" -> o.sample = positive(args[i], v);
                    case "--seed" -> o.seed = Long.parseLong(v);
                    case "--keep" -> o.keep = bool(args[i], v);
                    case "--systems" -> o.systems = names(v, ALL_SYSTEMS, "--systems");
                    case "--failover" -> o.failovers = v.equals("none") ? List.of() : names(v, ALL_FAILOVERS, "--failover");
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--runs --records --partitions --tenants"
                            + " --docs --latency-seconds --failover-rate --failover-runs --sample --seed --systems A,B --failover A,B|none"
                            + " --keep true|false)");
                }
            }
            return o;
        }

        private static int positive(String option, String value) {
            int n;
            try {
                n = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes a whole number, got '" + value + "'");
            }
            if (n < 1) throw new IllegalArgumentException(option + " must be at least 1, got " + n);
            return n;
        }

        private static boolean bool(String option, String value) {
            return switch (value) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(option + " takes true or false, got '" + value + "'");
            };
        }

        private static List<String> names(String value, List<String> known, String option) {
            List<String> names = List.of(value.split(","));
            for (String name : names) {
                if (!known.contains(name)) throw new IllegalArgumentException(option + ": unknown '" + name + "' (known: " + known + ")");
            }
            return names;
        }
    }

    /** One system's figures in one run. */
    record Figures(double piecesPerS, double p50Ms, double p99Ms, double achievedRate, int latencySamples, int checked) {}

    private final Options options;
    private final Path work;
    private final KafkaBrokerProcess broker;
    private int serial;

    private PeersBench(Options options, Path work, KafkaBrokerProcess broker) {
        this.options = options;
        this.work = work;
        this.broker = broker;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ringwork bench peers: " + e.getMessage());
            System.exit(2);
            return;
        }
        Result result = run(options);
        result.print();
    }

    /** What a whole bench run measured: per system its runs' figures, per failover its seconds. */
    record Result(Options options, Map<String, List<Figures>> figures, Map<String, List<Double>> failoverSeconds,
                  String loadBefore, String loadAfter) {
        double medianRate(String system) {
            return median(figures.get(system).stream().mapToDouble(Figures::piecesPerS).toArray());
        }

        void print() {
            System.out.printf("%npeers: %,d records per run, %d partitions, %d tenants x %d documents, medians of %d runs; "
                            + "load average before %s, after %s%n%n", options.records, options.partitions, options.tenants, options.docs,
                    options.runs, loadBefore, loadAfter);
            if (!figures.isEmpty()) {
                double base = figures.containsKey(BASELINE) ? medianRate(BASELINE) : Double.NaN;
                System.out.println("| system | pieces/s (applying a filled input) | vs Kafka Streams eos | p50 ms at half peak "
                        + "| p99 ms at half peak | rate offered / achieved | documents checked |");
                System.out.println("|---|---|---|---|---|---|---|");
                figures.forEach((system, runs) -> {
                    double rate = medianRate(system);
                    System.out.printf("| %s | %,.0f | %s | %.1f | %.1f | %,.0f / %,.0f | %d x %d, 0 differ |%n", system, rate,
                            Double.isNaN(base) ? "-" : String.format("%.2f", rate / base),
                            median(runs.stream().mapToDouble(Figures::p50Ms).toArray()),
                            median(runs.stream().mapToDouble(Figures::p99Ms).toArray()), rate / 2,
                            median(runs.stream().mapToDouble(Figures::achievedRate).toArray()), runs.size(), runs.getFirst().checked());
                });
                System.out.println();
            }
            if (!failoverSeconds.isEmpty()) {
                double base = failoverSeconds.containsKey(FAILOVER_BASELINE)
                        ? median(failoverSeconds.get(FAILOVER_BASELINE).stream().mapToDouble(d -> d).toArray()) : Double.NaN;
                System.out.println("| failover (SIGKILL of one instance at " + options.failoverRate
                        + " records/s) | seconds until its partitions are processed again | each run | Kafka Streams defaults / this |");
                System.out.println("|---|---|---|---|");
                failoverSeconds.forEach((system, seconds) -> {
                    double m = median(seconds.stream().mapToDouble(d -> d).toArray());
                    System.out.printf("| %s | %.2f | %s | %s |%n", system, m, seconds.stream().map(s -> String.format("%.2f", s)).toList(),
                            Double.isNaN(base) ? "-" : String.format("%.1f", base / m));
                });
            }
        }
    }

    /** Runs the bench as {@code options} say: starts a broker, measures, stops it. */
    static Result run(Options options) throws Exception {
        Path work = Files.createTempDirectory("ringwork-peers-");
        String loadBefore = loadAverage();
        System.out.printf("peers: %d cores, load average %s; work directory %s%n", Runtime.getRuntime().availableProcessors(), loadBefore, work);
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(work.resolve("broker"), "127.0.0.1", 0)) {
            System.out.println("peers: Kafka broker (pid " + broker.pid() + ") at " + broker.bootstrap());
            PeersBench bench = new PeersBench(options, work, broker);
            Map<String, List<Figures>> figures = new LinkedHashMap<>();
            Map<String, List<Double>> failovers = new LinkedHashMap<>();
            for (int run = 1; run <= options.runs; run++) {
                for (String system : options.systems) {
                    Figures f = bench.measure(system, run);
                    figures.computeIfAbsent(system, s -> new ArrayList<>()).add(f);
                }
            }
            for (int run = 1; run <= (options.failoverRuns < 0 ? options.runs : options.failoverRuns); run++) {
                for (String system : options.failovers) {
                    failovers.computeIfAbsent(system, s -> new ArrayList<>()).add(bench.failover(system, run));
                }
            }
            return new Result(options, figures, failovers, loadBefore, loadAverage());
        } catch (Exception | Error e) {
            // The work directory goes below: show the broker's last words first.
            Path brokerOut = work.resolve("broker").resolve(KafkaBrokerProcess.OUTPUT_FILE);
            if (Files.exists(brokerOut)) {
                List<String> lines = Files.readAllLines(brokerOut);
                System.out.println("peers: failed (" + e.getMessage() + "); load average " + loadAverage()
                        + "; the broker's last lines:\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            }
            throw e;
        } finally {
            // --keep true: the nodes' and the broker's logs stay, to look into a slow or failed run.
            if (options.keep) System.out.println("peers: kept the work directory " + work);
            else GluerBench.deleteTree(work);
        }
    }

    private Peer open(String system, Path dir) throws Exception {
        return switch (system) {
            case "ringwork-kafka-1" -> new RingworkSystem(system, broker, dir, 1, options.partitions);
            case "ringwork-kafka-3" -> new RingworkSystem(system, broker, dir, 3, options.partitions);
            case "ringwork-embedded-1" -> new RingworkSystem(system, null, dir, 1, options.partitions);
            case "ringwork-embedded-3" -> new RingworkSystem(system, null, dir, 3, options.partitions);
            case "ks-alos" -> new KafkaStreamsSystem(system, broker, dir, "at_least_once", 1, 0, options.partitions, sampleSet());
            case "ks-eos" -> new KafkaStreamsSystem(system, broker, dir, "exactly_once_v2", 1, 0, options.partitions, sampleSet());
            case "ks-defaults" -> new KafkaStreamsSystem(system, broker, dir, "at_least_once", 2, 0, options.partitions, sampleSet());
            case "ks-standby" -> new KafkaStreamsSystem(system, broker, dir, "at_least_once", 2, 1, options.partitions, sampleSet());
            default -> throw new IllegalArgumentException("unknown system " + system);
        };
    }

    private GluerWorkload workload() {
        return new GluerWorkload(new GluerWorkload.Config(options.seed, options.tenants, options.docs, Long.MAX_VALUE / 2, 0.005),
                new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load()))));
    }

    /** The keys whose documents are checked: the first documents of every tenant, {@code --sample} in all. */
    List<String> sampleKeys() {
        List<String> keys = new ArrayList<>();
        for (int d = 0; keys.size() < options.sample && d < options.docs; d++) {
            for (int t = 0; t < options.tenants && keys.size() < options.sample; t++) keys.add("t" + t + "/c" + d);
        }
        return keys;
    }

    private java.util.Set<String> sampleSet() {
        return new LinkedHashSet<>(sampleKeys());
    }

    private Path runDir(String system, int run) throws java.io.IOException {
        return Files.createDirectories(work.resolve(system + "-r" + run + "-" + (++serial)));
    }

    Figures measure(String system, int run) throws Exception {
        GluerWorkload workload = workload();
        Outputs outputs = new Outputs(options.partitions, Math.max(10_000, options.records * 2));
        try (Peer peer = open(system, runDir(system, run))) {
            long timeoutMs = 120_000 + options.records / 2L;
            peer.start(outputs);
            peer.awaitReady(120_000);
            peer.pause();
            long fillStart = System.nanoTime();
            fill(peer, workload);
            System.out.printf("[%s run %d] ready, paused (SIGSTOP); filled %,d records in %.1f s; resuming%n", system, run,
                    options.records, seconds(fillStart));
            peer.resume();
            long resumedNs = System.nanoTime();
            await(() -> peer.done(options.records), timeoutMs, system + " to apply " + options.records + " records", 50);
            double rate = options.records / seconds(resumedNs);
            System.out.printf("[%s run %d] applied %,d records in %.2f s from the SIGCONT: %,.0f pieces/s%n",
                    system, run, options.records, seconds(resumedNs), rate);

            long produced = options.records;
            double target = rate / 2;
            long latencyStart = System.nanoTime();
            long end = latencyStart + options.latencySeconds * 1_000_000_000L;
            long sentLive = 0;
            // 5 ms ticks: each sends what is due by then, so the rate holds whatever one send costs.
            for (long tick = latencyStart; System.nanoTime() < end; tick += 5_000_000L) {
                long due = (long) (target * (System.nanoTime() - latencyStart) / 1e9);
                if (due > sentLive) {
                    List<NewRecord> batch = workload.next((int) (due - sentLive));
                    peer.send(batch, outputs);
                    sentLive += batch.size();
                }
                LockSupport.parkNanos(Math.max(0, tick + 5_000_000L - System.nanoTime()));
            }
            double achieved = sentLive / seconds(latencyStart);
            peer.flush();
            produced += sentLive;
            long total = produced;
            await(() -> peer.done(total), 120_000, system + " to apply the latency phase's records", 50);
            long[] latencies = outputs.sortedLatencies();
            double p50 = Outputs.percentileMs(latencies, 0.50);
            double p99 = Outputs.percentileMs(latencies, 0.99);
            System.out.printf("[%s run %d] at %,.0f/s (offered %,.0f/s) for %d s: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms over %,d results%n",
                    system, run, achieved, target, options.latencySeconds, p50, p99, Outputs.percentileMs(latencies, 0.999), latencies.length);
            int checked = verify(peer, workload.fold(), system, run);
            return new Figures(rate, p50, p99, achieved, latencies.length, checked);
        }
    }

    private void fill(Peer peer, GluerWorkload workload) throws Exception {
        for (int sent = 0; sent < options.records; ) {
            List<NewRecord> batch = workload.next(Math.min(1000, options.records - sent));
            peer.fill(batch);
            sent += batch.size();
        }
        peer.filled();
    }

    double failover(String system, int run) throws Exception {
        GluerWorkload workload = workload();
        Outputs outputs = new Outputs(options.partitions, 1_000_000);
        try (Peer peer = open(system, runDir(system, run))) {
            peer.filled();
            peer.start(outputs);
            System.out.printf("[failover %s run %d] started; producing %d records/s%n", system, run, options.failoverRate);
            long start = System.nanoTime();
            long sent = 0;
            long killNs = -1;
            String victim = null;
            long boundNs = 240_000_000_000L;
            while (true) {
                long now = System.nanoTime();
                if (now - start > boundNs) {
                    throw new IllegalStateException("failover of " + system + ": some partition showed no new result within "
                            + (boundNs / 1_000_000_000L) + " s of the start");
                }
                long due = (long) (options.failoverRate * (now - start) / 1e9);
                if (due > sent) {
                    List<NewRecord> batch = workload.next((int) (due - sent));
                    peer.send(batch, outputs);
                    sent += batch.size();
                }
                if (killNs < 0 && now - start > 10_000_000_000L) {
                    victim = peer.awaitVictimReady(60_000);
                    peer.flush();
                    killNs = System.nanoTime();
                    outputs.killedAt(killNs);
                    peer.killOne();
                    // The wall-clock time too, to line the kill up with the nodes' logs (--keep true).
                    System.out.printf("[failover %s run %d] SIGKILLed %s at %s%n", system, run, victim, java.time.LocalTime.now());
                }
                if (killNs >= 0 && outputs.failoverNs() >= 0) break;
                LockSupport.parkNanos(5_000_000L);
            }
            double seconds = outputs.failoverNs() / 1e9;
            System.out.printf("[failover %s run %d] every partition processed again %.2f s after the kill%n", system, run, seconds);
            peer.flush();
            long total = sent;
            await(() -> peer.done(total), 180_000, system + " to apply everything after the failover", 100);
            verify(peer, workload.fold(), "failover " + system, run);
            return seconds;
        }
    }

    /** Compares the sampled keys' documents with the fold, waiting up to 60 s for them to converge; throws if any differ. */
    private int verify(Peer peer, SequentialFold fold, String what, int run) throws Exception {
        List<String> keys = sampleKeys();
        long deadline = System.currentTimeMillis() + 60_000;
        List<String> differ;
        while (true) {
            differ = new ArrayList<>();
            Map<String, JsonNode> documents;
            try {
                documents = peer.documents(keys);
            } catch (io.ringwork.runtime.client.RingworkClient.ApiException e) {
                // e.g. 503 while a partition's new owner catches up: ask again until the deadline
                if (e.status() != 503 || System.currentTimeMillis() > deadline) throw e;
                Thread.sleep(500);
                continue;
            }
            for (String key : keys) {
                VersionedState expected = fold.state(key);
                JsonNode want = expected.exists() ? (JsonNode) expected.value() : null;
                JsonNode got = documents.get(key);
                if (got != null && got.isNull()) got = null;
                if (want == null ? got != null : !want.equals(got)) differ.add(key + ": expected " + want + " but " + peer.name() + " has " + got);
            }
            if (differ.isEmpty() || System.currentTimeMillis() > deadline) break;
            Thread.sleep(500);
        }
        if (!differ.isEmpty()) {
            throw new IllegalStateException("FAILED: " + differ.size() + " of " + keys.size() + " sampled documents of " + what + " run " + run
                    + " differ from the sequential fold, e.g. " + differ.subList(0, Math.min(3, differ.size())));
        }
        System.out.printf("[%s run %d] %d sampled documents equal the sequential fold%n", what, run, keys.size());
        return keys.size();
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check, long timeoutMs, String what, long pollMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!check.ok()) {
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out after " + timeoutMs + " ms waiting for " + what);
            Thread.sleep(pollMs);
        }
    }

    private static double seconds(long sinceNs) {
        return (System.nanoTime() - sinceNs) / 1e9;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "unknown";
        }
    }
}
