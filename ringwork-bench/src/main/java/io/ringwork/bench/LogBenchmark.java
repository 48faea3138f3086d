package io.ringwork.bench;

import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.runtime.log.EmbeddedLog;
import io.ringwork.runtime.log.FsyncPolicy;
import io.ringwork.runtime.log.LogConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The embedded log's hot paths. One operation is one record, so the scores are records/s; with
 * {@value #PAYLOAD_BYTES}-byte payloads, payload MB/s = score × {@value #PAYLOAD_BYTES} / 10^6.
 *
 * <ul>
 *   <li>{@code append}: one thread appends batches of {@value #BATCH} records under {@code INTERVAL}
 *       fsync (the default), with keys spread over all 64 partitions ({@code spread}) or one key
 *       ({@code single}).</li>
 *   <li>{@code appendFourThreads}: the same from four threads, where group commit merges batches.</li>
 *   <li>{@code read}: sequential {@code poll(100)} over a pre-filled partition, wrapping around.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogBenchmark {
    public static final int BATCH = 100;
    public static final int PAYLOAD_BYTES = 200;
    private static final int READ_RECORDS = 200_000;

    /** A log to append to, and a ring of pre-built batches. */
    @State(Scope.Benchmark)
    public static class AppendState {
        @Param({"spread", "single"})
        public String keys;

        /** The brief's figure is for INTERVAL; {@code -p fsync=NEVER|ALWAYS} on the JMH command line compares. */
        @Param({"INTERVAL"})
        public String fsync;

        Path dir;
        EmbeddedLog log;
        List<List<NewRecord>> batches;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("ringwork-logbench-append");
            log = EmbeddedLog.open(LogConfig.defaults(dir).withFsyncPolicy(FsyncPolicy.valueOf(fsync)));
            batches = batches(keys.equals("single"), 64);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            log.close();
            deleteRecursively(dir);
        }
    }

    /** Which pre-built batch a thread appends next. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    /** A partition pre-filled with {@value #READ_RECORDS} records and a reader over it. */
    @State(Scope.Thread)
    public static class ReadState {
        Path dir;
        EmbeddedLog log;
        PartitionReader reader;

        @Setup(Level.Trial)
        public void fill() throws IOException {
            dir = Files.createTempDirectory("ringwork-logbench-read");
            log = EmbeddedLog.open(LogConfig.defaults(dir).withPartitionCount(1).withFsyncPolicy(FsyncPolicy.NEVER));
            List<List<NewRecord>> batches = batches(false, 16);
            for (int i = 0; i < READ_RECORDS / BATCH; i++) log.append(batches.get(i % batches.size()));
            reader = log.reader(0, 0);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            reader.close();
            log.close();
            deleteRecursively(dir);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<AppendResult> append(AppendState state, Cursor cursor) {
        return state.log.append(state.batches.get(cursor.next++ & 63));
    }

    @Benchmark
    @Threads(4)
    @OperationsPerInvocation(BATCH)
    public List<AppendResult> appendFourThreads(AppendState state, Cursor cursor) {
        return state.log.append(state.batches.get(cursor.next++ & 63));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long read(ReadState state) {
        List<Record> records = state.reader.poll(BATCH);
        if (records.size() < BATCH) {
            state.reader.seek(0);
            records = new ArrayList<>(records);
            records.addAll(state.reader.poll(BATCH - records.size()));
        }
        return records.get(records.size() - 1).offset();
    }

    /** {@code count} batches of {@value #BATCH} records with {@value #PAYLOAD_BYTES}-byte JSON payloads. */
    static List<List<NewRecord>> batches(boolean singleKey, int count) {
        SplittableRandom random = new SplittableRandom(42);
        List<List<NewRecord>> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            List<NewRecord> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                String key = singleKey ? "tenant/doc-0" : "tenant/doc-" + random.nextInt(100_000);
                batch.add(new NewRecord(key, "gluer.merge", null, payload(random)));
            }
            batches.add(batch);
        }
        return batches;
    }

    private static byte[] payload(SplittableRandom random) {
        StringBuilder json = new StringBuilder("{\"v\":\"");
        while (json.length() < PAYLOAD_BYTES - 2) json.append((char) ('a' + random.nextInt(26)));
        return json.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
