package io.ringwork.bench;

import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.log.EmbeddedLog;
import io.ringwork.runtime.log.FsyncPolicy;
import io.ringwork.runtime.log.LogConfig;
import io.ringwork.runtime.node.Processors;
import io.ringwork.runtime.processing.EngineConfig;
import io.ringwork.runtime.processing.EngineListener;
import io.ringwork.runtime.processing.ProcessingEngine;
import io.ringwork.runtime.store.RocksStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Gluer throughput and latency on one node with durable state, against the ceiling of the same
 * pieces folded in memory on one thread, measured in the same run.
 *
 * <ul>
 *   <li><b>in-memory fold</b>: {@link SequentialFold} over the pieces on one thread: parse,
 *       apply, encode, in a HashMap. No log, no store, no threads.
 *   <li><b>log append</b>: the pieces appended to a fresh embedded log (64 partitions, interval
 *       fsync) by one thread in batches of 1000.
 *   <li><b>engine</b>: the processing engine over that log with RocksDB state, from an empty
 *       store until every partition's durable checkpoint reaches the log's end (the log is
 *       filled first, so this is the apply rate, not the ingest rate).
 *   <li><b>live peak</b>: one producer thread appends flat out while the engine runs on a fresh
 *       log (both share the machine), until everything is applied.
 *   <li><b>latency</b>: the producer appends at half the live peak in 1 ms batches while the
 *       engine runs; latency is from the append call to the durable commit of the change.
 * </ul>
 * Usage: {@code ./ringwork bench gluer [--pieces N] [--runs R] [--latency-seconds S]}.
 */
public final class GluerBench {
    private long pieces = 1_000_000;
    private int runs = 3;
    private int tenants = 10;
    private int docs = 1000;
    private long latencySeconds = 10;
    private static FsyncPolicy fsync = FsyncPolicy.INTERVAL;

    public static void main(String[] args) throws Exception {
        GluerBench bench = new GluerBench();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--pieces" -> bench.pieces = Long.parseLong(value);
                case "--runs" -> bench.runs = Integer.parseInt(value);
                case "--tenants" -> bench.tenants = Integer.parseInt(value);
                case "--docs" -> bench.docs = Integer.parseInt(value);
                case "--latency-seconds" -> bench.latencySeconds = Long.parseLong(value);
                case "--fsync" -> fsync = FsyncPolicy.valueOf(value.toUpperCase());
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--pieces, --runs, --tenants, --docs, --latency-seconds, --fsync always|interval|never)");
            }
        }
        bench.run();
    }

    private RecordApplier applier() {
        return new RecordApplier(new ProcessorRegistry(Processors.load()), Limits.DEFAULT);
    }

    private void run() throws Exception {
        System.out.printf("gluer benchmark: %,d pieces over %d tenants x %d documents, %d runs, %d cores, log fsync %s%n",
                pieces, tenants, docs, runs, Runtime.getRuntime().availableProcessors(), fsync);
        List<NewRecord> workload = new GluerWorkload(new GluerWorkload.Config(1, tenants, docs, pieces, 0.005),
                new SequentialFold(applier())).next((int) pieces);
        double[] fold = new double[runs];
        double[] append = new double[runs];
        double[] engine = new double[runs];
        for (int r = 0; r < runs; r++) {
            fold[r] = foldRate(workload);
            Path dir = Files.createTempDirectory("ringwork-bench-");
            try {
                append[r] = fillLog(dir, workload);
                engine[r] = engineRate(dir);
            } finally {
                deleteTree(dir);
            }
            System.out.printf("  run %d: in-memory fold %,.0f/s, log append %,.0f/s, engine (durable) %,.0f/s%n",
                    r + 1, fold[r], append[r], engine[r]);
        }
        double foldMedian = median(fold);
        double engineMedian = median(engine);
        System.out.printf("%nmedians of %d runs%n", runs);
        System.out.printf("  %-44s %,12.0f pieces/s%n", "in-memory fold, one thread (ceiling)", foldMedian);
        System.out.printf("  %-44s %,12.0f records/s%n", "embedded log append (" + fsync.name().toLowerCase() + " fsync)", median(append));
        System.out.printf("  %-44s %,12.0f pieces/s%n", "engine, durable state (RocksDB)", engineMedian);
        System.out.printf("  %-44s %12.2f%n", "engine / in-memory fold", engineMedian / foldMedian);
        System.out.println();
        latency(workload);
    }

    private double foldRate(List<NewRecord> workload) {
        SequentialFold fold = new SequentialFold(applier());
        long start = System.nanoTime();
        for (NewRecord piece : workload) fold.apply(piece);
        return workload.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static EmbeddedLog openLog(Path dir) {
        return EmbeddedLog.open(LogConfig.defaults(dir.resolve("log")).withPartitionCount(64)
                .withFsyncPolicy(fsync).withFsyncIntervalMs(100));
    }

    private double fillLog(Path dir, List<NewRecord> workload) {
        try (EmbeddedLog log = openLog(dir)) {
            long start = System.nanoTime();
            for (int i = 0; i < workload.size(); i += 1000) log.append(workload.subList(i, Math.min(workload.size(), i + 1000)));
            return workload.size() / ((System.nanoTime() - start) / 1e9);
        }
    }

    private double engineRate(Path dir) {
        try (EmbeddedLog log = openLog(dir);
             RocksStateStore store = new RocksStateStore(dir.resolve("state"), 64, 1_000_000, 1_000_000)) {
            ProcessingEngine engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier(), EngineListener.NONE, "bench");
            long start = System.nanoTime();
            for (int p = 0; p < 64; p++) engine.startPartition(p);
            while (!caughtUp(engine, log)) LockSupport.parkNanos(1_000_000);
            double rate = pieces / ((System.nanoTime() - start) / 1e9);
            engine.close();
            return rate;
        }
    }

    private static boolean caughtUp(ProcessingEngine engine, EmbeddedLog log) {
        if (engine.failure() != null) throw new IllegalStateException("the engine failed: " + engine.failure(), engine.failure());
        for (int p = 0; p < log.partitionCount(); p++) {
            if (!engine.status(p).caughtUp(log.endOffset(p))) return false;
        }
        return true;
    }

    /** Production and processing at once: the producer's rate, the latencies and the time until all was applied. */
    private record LiveRun(long produced, double produceSeconds, double appliedSeconds, long[] sortedLatenciesNs) {}

    /**
     * Runs the engine on a fresh log while one producer thread appends {@code workload} in 1 ms
     * ticks: as fast as it can when {@code ratePerSecond} is infinite (once through the workload),
     * otherwise at that rate for {@code seconds}. Latency is from the append call to the durable
     * commit of the record's change.
     */
    private LiveRun live(List<NewRecord> workload, double ratePerSecond, long seconds) throws Exception {
        Path dir = Files.createTempDirectory("ringwork-bench-live-");
        ConcurrentHashMap<Long, Long> appendNs = new ConcurrentHashMap<>();
        long[] latenciesNs = new long[Math.min(Integer.MAX_VALUE - 8, Math.max(workload.size(),
                (int) Math.min(Integer.MAX_VALUE - 8, (long) (ratePerSecond * seconds))) + 10_000)];
        int[] count = {0};
        EngineListener listener = (changes, deadLetters, skipped) -> {
            long now = System.nanoTime();
            for (FeedEntry entry : changes) {
                Long sent = appendNs.remove((long) entry.change().partition() << 40 | entry.change().version());
                if (sent != null && count[0] < latenciesNs.length) latenciesNs[count[0]++] = now - sent;
            }
        };
        boolean flatOut = Double.isInfinite(ratePerSecond);
        try (EmbeddedLog log = openLog(dir);
             RocksStateStore store = new RocksStateStore(dir.resolve("state"), 64, 1_000_000, 1_000_000)) {
            ProcessingEngine engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier(), listener, "bench");
            for (int p = 0; p < 64; p++) engine.startPartition(p);
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long produced = 0;
            int next = 0;
            for (long tick = start; flatOut ? produced < workload.size() : tick < end; tick += 1_000_000) {
                long due = flatOut ? produced + 1000 : (long) (ratePerSecond * (tick - start + 1_000_000) / 1e9);
                int n = (int) Math.min(due - produced, workload.size() - next);
                if (n > 0) {
                    List<NewRecord> batch = workload.subList(next, next + n);
                    long sentNs = System.nanoTime();
                    for (AppendResult r : log.append(batch)) appendNs.put((long) r.partition() << 40 | r.offset(), sentNs);
                    next = (next + n) % workload.size();
                    produced += n;
                }
                if (!flatOut) LockSupport.parkNanos(Math.max(0, tick + 1_000_000 - System.nanoTime()));
            }
            double produceSeconds = (System.nanoTime() - start) / 1e9;
            while (!caughtUp(engine, log)) LockSupport.parkNanos(1_000_000);
            double appliedSeconds = (System.nanoTime() - start) / 1e9;
            engine.close();
            long[] sorted = Arrays.copyOf(latenciesNs, count[0]);
            Arrays.sort(sorted);
            return new LiveRun(produced, produceSeconds, appliedSeconds, sorted);
        } finally {
            deleteTree(dir);
        }
    }

    private void latency(List<NewRecord> workload) throws Exception {
        double[] peaks = new double[runs];
        for (int r = 0; r < runs; r++) {
            LiveRun peak = live(workload, Double.POSITIVE_INFINITY, 0);
            peaks[r] = peak.produced() / peak.appliedSeconds();
            System.out.printf("  live run %d: producer and engine together, flat out: %,.0f pieces/s applied "
                    + "(p99 %.1f ms while saturated)%n", r + 1, peaks[r], pct(peak.sortedLatenciesNs(), 0.99));
        }
        double peak = median(peaks);
        LiveRun half = live(workload, peak / 2, latencySeconds);
        long[] sorted = half.sortedLatenciesNs();
        System.out.printf("%n  %-44s %,12.0f pieces/s (median of %d)%n", "peak with production in the same run", peak, runs);
        System.out.printf("latency at half that peak (target %,.0f/s, achieved %,.0f/s over %.1f s, %,d samples)%n",
                peak / 2, half.produced() / half.produceSeconds(), half.produceSeconds(), sorted.length);
        System.out.printf("  append call to durable commit: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 0.999), pct(sorted, 1.0));
    }

    private static double pct(long[] sortedNs, double q) {
        if (sortedNs.length == 0) return Double.NaN;
        int index = (int) Math.min(sortedNs.length - 1, Math.max(0, Math.ceil(q * sortedNs.length) - 1));
        return sortedNs[index] / 1e6;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

}
