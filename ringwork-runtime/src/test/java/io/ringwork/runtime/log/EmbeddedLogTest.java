package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.readAll;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLogTest {
    @TempDir Path dir;

    @Test
    void aRecordReadsBackWithEveryFieldAndTheAppendTime() {
        LogFixtures.ManualClock clock = new LogFixtures.ManualClock(1_700_000_000_000L);
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 4), clock)) {
            byte[] data = "{\"x\":\"é\"}".getBytes(StandardCharsets.UTF_8);
            List<AppendResult> results = log.append(List.of(
                    new NewRecord("tenant/doc-1", "gluer.merge", "piece-1", data),
                    new NewRecord("tenant/doc-1", "gluer.delete", null, new byte[0])));

            int p = log.partitionOf("tenant/doc-1");
            assertThat(results).containsExactly(new AppendResult(p, 0, false), new AppendResult(p, 1, false));
            List<Record> read = readAll(log, p);
            assertThat(read).hasSize(2);
            Record first = read.get(0);
            assertThat(first.partition()).isEqualTo(p);
            assertThat(first.offset()).isZero();
            assertThat(first.key()).isEqualTo("tenant/doc-1");
            assertThat(first.type()).isEqualTo("gluer.merge");
            assertThat(first.id()).isEqualTo("piece-1");
            assertThat(first.timestampMs()).isEqualTo(1_700_000_000_000L);
            assertThat(first.data()).isEqualTo(data);
            assertThat(read.get(1).id()).isNull();
            assertThat(read.get(1).data()).isEmpty();
        }
    }

    @Test
    void offsetsAreContiguousPerPartitionAndKeepCallOrder() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 8))) {
            List<NewRecord> batch = new ArrayList<>();
            for (int i = 0; i < 200; i++) batch.add(rec("key-" + (i % 13), "v" + i));
            List<AppendResult> results = log.append(batch);

            Map<Integer, Long> next = new HashMap<>();
            for (int i = 0; i < batch.size(); i++) {
                AppendResult r = results.get(i);
                assertThat(r.partition()).isEqualTo(log.partitionOf(batch.get(i).key()));
                assertThat(r.offset()).isEqualTo(next.getOrDefault(r.partition(), 0L));
                next.put(r.partition(), r.offset() + 1);
            }
            for (int p = 0; p < 8; p++) {
                assertThat(log.endOffset(p)).isEqualTo(next.getOrDefault(p, 0L));
                List<Record> read = readAll(log, p);
                for (int i = 0; i < read.size(); i++) assertThat(read.get(i).offset()).isEqualTo(i);
            }
        }
    }

    @Test
    void readerSeeksThroughTheIndexAcrossManySegments() throws Exception {
        LogConfig cfg = config(dir, 1).withSegmentBytes(2048).withIndexIntervalBytes(256);
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            for (int i = 0; i < 40; i++) {
                List<NewRecord> batch = new ArrayList<>();
                for (int j = 0; j < 25; j++) batch.add(rec("k" + j, "value-" + (i * 25 + j)));
                log.append(batch);
            }
            try (Stream<Path> files = Files.list(dir.resolve("p-000"))) {
                assertThat(files.filter(f -> f.toString().endsWith(".log")).count()).isGreaterThan(10);
            }
            try (PartitionReader reader = log.reader(0, 0)) {
                for (long target : new long[] {999, 0, 1, 37, 500, 501, 998, 64, 640}) {
                    reader.seek(target);
                    List<Record> one = reader.poll(1);
                    assertThat(one).extracting(Record::offset).containsExactly(target);
                    assertThat(one.get(0).dataAsString()).isEqualTo("value-" + target);
                    assertThat(reader.position()).isEqualTo(target + 1);
                }
                reader.seek(1000);
                assertThat(reader.poll(10)).isEmpty();
            }
            try (PartitionReader fresh = log.reader(0, 777)) {
                assertThat(fresh.poll(3)).extracting(Record::offset).containsExactly(777L, 778L, 779L);
            }
        }
    }

    @Test
    void aTailingReaderSeesLaterAppendsAndAwaitAppendWakesUp() throws Exception {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1)); PartitionReader reader = log.reader(0, 0)) {
            assertThat(reader.poll(10)).isEmpty();
            assertThat(log.awaitAppend(0, 0, 20)).isFalse();

            CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> log.awaitAppend(0, 0, 10_000));
            log.append(List.of(rec("a", "1")));
            assertThat(waiter.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(reader.poll(10)).extracting(LogFixtures::data).containsExactly("1");

            log.append(List.of(rec("a", "2"), rec("a", "3")));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> reader.position() == 3 || !reader.poll(1).isEmpty());
            assertThat(reader.position()).isGreaterThanOrEqualTo(2);
            assertThat(log.awaitAppend(0, 2, 1000)).isTrue();
        }
    }

    @Test
    void aReaderTailingWhileSegmentsRollSeesEveryRecordInOrder() throws Exception {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1).withSegmentBytes(4096).withIndexIntervalBytes(512))) {
            CompletableFuture<List<String>> tailed = CompletableFuture.supplyAsync(() -> {
                List<String> seen = new ArrayList<>();
                try (PartitionReader reader = log.reader(0, 0)) {
                    while (seen.size() < 3000) {
                        if (log.awaitAppend(0, reader.position(), 5000)) reader.poll(64).forEach(r -> seen.add(r.dataAsString()));
                    }
                }
                return seen;
            });
            for (int i = 0; i < 3000; i += 30) {
                List<NewRecord> batch = new ArrayList<>();
                for (int j = i; j < i + 30; j++) batch.add(rec("k" + (j % 5), "v" + j));
                log.append(batch);
            }
            List<String> seen = tailed.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < 3000; i++) assertThat(seen.get(i)).isEqualTo("v" + i);
        }
    }

    @Test
    void concurrentAppendersLoseAndDuplicateNothingAndKeepEachCallsOrder() throws Exception {
        int threads = 8;
        int calls = 150;
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 4).withAppendQueueCapacity(4))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<List<AppendResult>>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<List<AppendResult>> mine = new ArrayList<>();
                    for (int c = 0; c < calls; c++) {
                        List<NewRecord> batch = new ArrayList<>();
                        for (int j = 0; j < 5; j++) batch.add(rec("t" + thread + "-k" + (j % 3), thread + ":" + c + ":" + j));
                        mine.add(log.append(batch));
                    }
                    return mine;
                }));
            }
            Map<String, AppendResult> byData = new HashMap<>();
            for (int t = 0; t < threads; t++) {
                List<List<AppendResult>> mine = futures.get(t).get(60, TimeUnit.SECONDS);
                for (int c = 0; c < calls; c++) {
                    for (int j = 0; j < 5; j++) byData.put(t + ":" + c + ":" + j, mine.get(c).get(j));
                }
            }
            pool.shutdown();

            int total = 0;
            Map<String, Long> lastOffsetOfKey = new HashMap<>();
            for (int p = 0; p < 4; p++) {
                List<Record> read = readAll(log, p);
                total += read.size();
                for (int i = 0; i < read.size(); i++) {
                    Record r = read.get(i);
                    assertThat(r.offset()).isEqualTo(i);
                    assertThat(byData.get(r.dataAsString())).isEqualTo(new AppendResult(p, r.offset(), false));
                    // One thread's records of one key were appended in sequence, so they read back in sequence.
                    Long before = lastOffsetOfKey.put(r.key(), r.offset());
                    assertThat(before == null || before < r.offset()).isTrue();
                }
            }
            assertThat(total).isEqualTo(threads * calls * 5);
            assertThat(byData).hasSize(threads * calls * 5);
        }
    }

    @Test
    void appendsAfterCloseFailAndNoThreadIsLeft() {
        EmbeddedLog log = EmbeddedLog.open(config(dir, 2).withFsyncPolicy(FsyncPolicy.INTERVAL).withRetentionBytes(1 << 20));
        log.append(List.of(rec("a", "1")));
        assertThat(liveLogThreads()).isPositive();
        log.close();
        assertThatThrownBy(() -> log.append(List.of(rec("a", "2")))).isInstanceOf(LogException.class).hasMessageContaining("closed");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> liveLogThreads() == 0);

        try (EmbeddedLog reopened = EmbeddedLog.open(config(dir, 2))) {
            assertThat(readAll(reopened, reopened.partitionOf("a"))).extracting(LogFixtures::data).containsExactly("1");
        }
    }

    @Test
    void badConfigAndBadRecordsAreRejectedClearly() {
        assertThatThrownBy(() -> LogConfig.defaults(dir).withPartitionCount(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitionCount");
        assertThatThrownBy(() -> LogConfig.defaults(dir).withRetentionBytes(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retentionBytes");
        assertThatThrownBy(() -> LogConfig.defaults(dir).withSegmentBytes(10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("segmentBytes");

        EmbeddedLog.open(config(dir, 4)).close();
        assertThatThrownBy(() -> EmbeddedLog.open(config(dir, 8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("created with 4 partitions");

        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 4).withMaxRecordBytes(100))) {
            assertThatThrownBy(() -> log.append(List.of(rec("k", "x".repeat(200)))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRecordBytes");
            assertThatThrownBy(() -> log.append(List.of(rec("", "x")))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> log.reader(4, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThat(log.endOffset(0) + log.endOffset(1) + log.endOffset(2) + log.endOffset(3)).isZero();
        }
    }

    static long liveLogThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("ringwork-log-")).count();
    }
}
