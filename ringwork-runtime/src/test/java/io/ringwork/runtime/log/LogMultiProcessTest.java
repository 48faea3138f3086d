package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.readAll;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.Record;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs on one log directory: serialised appends, shared dedupe, visible records, crash safety. */
class LogMultiProcessTest {
    private static final int PARTITIONS = 4;
    private static final int K = 2000;
    private static final int SHARED = 50;

    @TempDir Path dir;
    @TempDir Path scratch;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoProcessesAppendingTogetherGetEveryRecordOnceWithContiguousOffsets() throws Exception {
        long segmentBytes = 16 * 1024; // small, so both processes roll segments under each other
        LogConfig cfg = config(dir, PARTITIONS).withSegmentBytes(segmentBytes);
        try (EmbeddedLog log = EmbeddedLog.open(cfg);
             ChildJvm child = ChildJvm.start(scratch.resolve("child.err"), "append", dir.toString(),
                     String.valueOf(PARTITIONS), String.valueOf(segmentBytes), String.valueOf(K), "child", String.valueOf(SHARED))) {
            child.awaitLine("ready"::equals, Duration.ofSeconds(30));
            Tailer tailer = new Tailer(log, 0);
            tailer.start();
            child.send("go");
            // Start once the child is appending, so that the two really append at the same time.
            child.awaitLine("started"::equals, Duration.ofSeconds(30));
            List<String> parentShared = LogChildProcess.appendWorkload(log, "parent", K, SHARED, () -> {});
            List<String> childLines = child.remainingLines(Duration.ofSeconds(40));
            assertThat(childLines).as("child stderr: %s", child.stderrText()).contains("done");
            List<String> childShared = childLines.stream().filter(l -> l.startsWith("shared ")).toList();

            assertEveryRecordOnceWithContiguousOffsets(log);
            assertSharedIdsAppendedOnce(parentShared, childShared);
            // A reader that tailed the partition while both wrote saw exactly what is in it.
            assertThat(tailer.stopAt(log.endOffset(0))).isEqualTo(readAll(log, 0).stream().map(Record::dataAsString).toList());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyAcknowledgedRecordSurvivesTheWriterBeingKilled() throws Exception {
        LogConfig cfg = config(dir, PARTITIONS);
        Map<String, AppendResult> acked = new HashMap<>();
        try (EmbeddedLog observer = EmbeddedLog.open(cfg);
             ChildJvm child = ChildJvm.start(scratch.resolve("child.err"), "crash", dir.toString(), String.valueOf(PARTITIONS))) {
            // Another process's appends wake awaitAppend (by polling the files).
            assertThat(observer.awaitAppend(0, 0, 30_000)).as("child stderr: %s", child.stderrText()).isTrue();
            for (int i = 0; i < 300; i++) parseAck(child.awaitLine(l -> l.startsWith("acked "), Duration.ofSeconds(30)), acked);
            child.kill();
            for (String line : child.remainingLines(Duration.ofSeconds(10))) parseAck(line, acked);
        }
        assertThat(acked).hasSizeGreaterThanOrEqualTo(300);

        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            Map<String, Record> byData = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                List<Record> records = readAll(log, p);
                for (int i = 0; i < records.size(); i++) {
                    assertThat(records.get(i).offset()).isEqualTo(i);
                    byData.put(records.get(i).dataAsString(), records.get(i));
                }
            }
            acked.forEach((data, at) -> {
                Record r = byData.get(data);
                assertThat(r).as("acknowledged record %s", data).isNotNull();
                assertThat(new AppendResult(r.partition(), r.offset(), false)).isEqualTo(at);
            });
            int p = log.partitionOf("k-0");
            long end = log.endOffset(p);
            assertThat(log.append(List.of(rec("k-0", "after-crash"))).get(0).offset()).isEqualTo(end);
        }
    }

    private void assertEveryRecordOnceWithContiguousOffsets(EmbeddedLog log) {
        Set<String> seen = new HashSet<>();
        Set<String> writers = new HashSet<>();
        Map<String, Integer> lastIndexOfWriterKey = new HashMap<>();
        int total = 0;
        int switches = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            List<Record> records = readAll(log, p);
            for (int i = 1; i < records.size(); i++) {
                if (records.get(i).dataAsString().charAt(0) != records.get(i - 1).dataAsString().charAt(0)) switches++;
            }
            assertThat(log.endOffset(p)).isEqualTo(records.size());
            for (int i = 0; i < records.size(); i++) {
                Record r = records.get(i);
                assertThat(r.offset()).isEqualTo(i);
                assertThat(seen.add(r.dataAsString())).as("duplicate %s", r.dataAsString()).isTrue();
                String writer = r.dataAsString().substring(0, r.dataAsString().indexOf('-'));
                writers.add(writer);
                if (!r.key().startsWith("shared")) {
                    // Each process appends one key's records in order: they read back in order.
                    int n = Integer.parseInt(r.dataAsString().substring(writer.length() + 1));
                    Integer before = lastIndexOfWriterKey.put(writer + "/" + r.key(), n);
                    assertThat(before == null || before < n).isTrue();
                }
                total++;
            }
        }
        assertThat(switches).as("records of the two processes interleave").isPositive();
        assertThat(writers).containsExactlyInAnyOrder("parent", "child");
        assertThat(total).isEqualTo(2 * K + SHARED);
        for (int i = 0; i < K; i++) assertThat(seen).contains("parent-" + i, "child-" + i);
    }

    private static void assertSharedIdsAppendedOnce(List<String> parentShared, List<String> childShared) {
        assertThat(parentShared).hasSize(SHARED);
        assertThat(childShared).hasSize(SHARED);
        for (int j = 0; j < SHARED; j++) {
            String[] a = parentShared.get(j).split(" ");
            String[] b = childShared.get(j).split(" ");
            assertThat(a[1]).isEqualTo("shared-" + j);
            assertThat(b[1]).isEqualTo("shared-" + j);
            assertThat(List.of(a[2], a[3])).as("shared-%s lands at one position for both", j).isEqualTo(List.of(b[2], b[3]));
            assertThat(Set.of(a[4], b[4])).as("exactly one of the two appended shared-%s", j).containsExactlyInAnyOrder("true", "false");
        }
    }

    /** Tails a partition with awaitAppend and poll on its own thread. */
    private static final class Tailer extends Thread {
        private final EmbeddedLog log;
        private final int partition;
        private final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile Throwable failure;

        Tailer(EmbeddedLog log, int partition) {
            super("test-tailer");
            this.log = log;
            this.partition = partition;
            setDaemon(true);
        }

        @Override
        public void run() {
            try (PartitionReader reader = log.reader(partition, 0)) {
                while (!isInterrupted()) {
                    if (log.awaitAppend(partition, reader.position(), 100)) {
                        for (Record r : reader.poll(100)) seen.add(r.dataAsString());
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** What it saw, once it reached {@code end}. */
        List<String> stopAt(long end) throws InterruptedException {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() >= end || failure != null);
            interrupt();
            join(5000);
            if (failure != null) throw new AssertionError("tailer failed", failure);
            return List.copyOf(seen);
        }
    }

    private static void parseAck(String line, Map<String, AppendResult> acked) {
        String[] f = line.split(" ");
        if (f.length != 4 || !f[0].equals("acked")) return; // a line cut short by the kill
        acked.put(f[3], new AppendResult(Integer.parseInt(f[1]), Long.parseLong(f[2]), false));
    }
}
