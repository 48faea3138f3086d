package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.readAll;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention trims whole sealed segments by size and age, never past the lowest checkpoint. */
class LogRetentionTest {
    private static final long RETENTION_BYTES = 3000;

    @TempDir Path dir;

    @Test
    void sizeRetentionTrimsOldSegmentsButNeverPastTheLowestCheckpoint() throws IOException {
        try (EmbeddedLog log = EmbeddedLog.open(smallSegments().withRetentionBytes(RETENTION_BYTES))) {
            append(log, 0, 200);
            assertThat(segmentCount()).isGreaterThan(6);

            assertThat(log.runRetention()).as("no group has a checkpoint yet").isZero();
            log.commitCheckpoints("slow", new long[] {-1});
            log.commitCheckpoints("fast", new long[] {199});
            assertThat(log.runRetention()).as("one group has none for the partition").isZero();

            log.commitCheckpoints("slow", new long[] {49});
            assertThat(log.runRetention()).isPositive();
            long start = log.startOffset(0);
            assertThat(start).isBetween(1L, 50L);
            assertThat(readAll(log, 0)).extracting(Record::offset).first().isEqualTo(start);
            assertThat(readAll(log, 0)).hasSize((int) (200 - start));

            log.commitCheckpoints("slow", new long[] {199});
            assertThat(log.runRetention()).isPositive();
            assertThat(partitionBytes()).isLessThanOrEqualTo(RETENTION_BYTES);
            assertThat(log.endOffset(0)).isEqualTo(200);
        }
    }

    @Test
    void aReaderBelowTheStartMovesToTheStart() {
        try (EmbeddedLog log = EmbeddedLog.open(smallSegments().withRetentionBytes(RETENTION_BYTES))) {
            append(log, 0, 200);
            PartitionReader early = log.reader(0, 0);
            log.commitCheckpoints("g", new long[] {199});
            log.runRetention();
            long start = log.startOffset(0);
            assertThat(start).isPositive();

            assertThat(log.reader(0, 0).position()).isEqualTo(start);
            early.seek(0);
            assertThat(early.position()).isEqualTo(start);
            assertThat(early.poll(1)).extracting(Record::offset).containsExactly(start);
        }
    }

    @Test
    void ageRetentionTrimsSegmentsWhoseNewestRecordIsTooOld() {
        LogFixtures.ManualClock clock = new LogFixtures.ManualClock(1_000_000);
        try (EmbeddedLog log = EmbeddedLog.open(smallSegments().withRetentionMs(60_000), clock)) {
            append(log, 0, 100);
            log.commitCheckpoints("g", new long[] {1000});
            assertThat(log.runRetention()).as("nothing is old yet").isZero();

            clock.advance(61_000);
            append(log, 100, 100);
            assertThat(log.runRetention()).isPositive();
            long start = log.startOffset(0);
            assertThat(start).isBetween(1L, 100L);
            // Only segments made entirely of old records went: every new record is still there.
            List<Record> left = readAll(log, 0);
            assertThat(left).extracting(Record::dataAsString).contains("v100", "v199");
            assertThat(left.stream().filter(r -> r.timestampMs() == clock.nowMs())).hasSize(100);
        }
    }

    @Test
    void retentionAlsoRunsInTheBackground() {
        LogConfig cfg = smallSegments().withRetentionBytes(RETENTION_BYTES).withRetentionCheckIntervalMs(20);
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            append(log, 0, 200);
            log.commitCheckpoints("g", new long[] {199});
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log.startOffset(0) > 0);
        }
    }

    @Test
    void checkpointsAreStoredAtomicallyPerGroupAndValidated() throws IOException {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 3))) {
            assertThat(log.checkpoints("g")).containsExactly(-1, -1, -1);
            log.commitCheckpoints("g", new long[] {5, -1, 7});
            log.commitCheckpoints("g", new long[] {6, 0, 7});
            assertThat(log.checkpoints("g")).containsExactly(6, 0, 7);
            try (Stream<Path> files = Files.list(dir.resolve("checkpoints"))) {
                assertThat(files.map(f -> f.getFileName().toString())).containsExactly("g.ckpt");
            }
            assertThatThrownBy(() -> log.commitCheckpoints("g", new long[] {1})).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> log.commitCheckpoints("../x", new long[] {1, 2, 3})).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> log.commitCheckpoints("g", new long[] {1, -2, 3})).isInstanceOf(IllegalArgumentException.class);
        }
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 3))) {
            assertThat(log.checkpoints("g")).containsExactly(6, 0, 7);
        }
    }

    private LogConfig smallSegments() {
        return config(dir, 1).withSegmentBytes(1024);
    }

    private static void append(EmbeddedLog log, int from, int count) {
        for (int i = from; i < from + count; i += 10) {
            List<NewRecord> batch = new ArrayList<>();
            for (int j = i; j < i + 10; j++) batch.add(rec("k", "v" + j));
            log.append(batch);
        }
    }

    private long segmentCount() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("p-000"))) {
            return files.filter(f -> f.toString().endsWith(".log")).count();
        }
    }

    private long partitionBytes() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("p-000"))) {
            return files.filter(f -> f.toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
