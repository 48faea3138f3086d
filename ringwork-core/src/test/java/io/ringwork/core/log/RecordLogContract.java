package io.ringwork.core.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RecordLog} promises, run against each implementation by a subclass: the
 * embedded log and the in-memory test log (runtime), the simulator's log (sim) and Kafka
 * (runtime, on an in-process broker). It asserts only what the interface says: offsets strictly
 * increase (never that they are contiguous), the next offset is the reader's position, ids are
 * not promised to deduplicate, and retention is each log's own (not tested here).
 */
public abstract class RecordLogContract {
    protected static final int PARTITIONS = 4;
    private static final long READ_DEADLINE_MS = 10_000;

    /** A new, empty log of {@code partitions} partitions; the test closes it. */
    protected abstract RecordLog newLog(int partitions);

    /** Whether {@link RecordLog#awaitAppend} blocks (runtime logs) or answers at once (the simulator's). */
    protected boolean awaitBlocks() {
        return true;
    }

    protected RecordLog log;

    @BeforeEach
    void openLog() {
        log = newLog(PARTITIONS);
    }

    @AfterEach
    void closeLog() {
        if (log != null) log.close();
    }

    @Test
    void partitionCountIsTheLogs() {
        assertThat(log.partitionCount()).isEqualTo(PARTITIONS);
    }

    @Test
    void appendPlacesEachKeyOnItsPartitionInCallOrder() {
        List<NewRecord> records = records("place", 40, 200);
        List<AppendResult> results = log.append(records);

        assertThat(results).hasSize(records.size());
        Partitioner partitioner = new Partitioner(PARTITIONS);
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            AppendResult result = results.get(i);
            assertThat(result.partition()).as("partition of %s", records.get(i).key()).isEqualTo(partitioner.partitionOf(records.get(i).key()));
            assertThat(result.duplicate()).isFalse();
            Long before = lastOffset.put(result.partition(), result.offset());
            if (before != null) assertThat(result.offset()).as("offsets of one partition rise in call order").isGreaterThan(before);
            assertThat(result.offset()).isGreaterThanOrEqualTo(log.startOffset(result.partition()));
        }
        lastOffset.forEach((p, last) -> assertThat(log.endOffset(p)).as("end of %s", p).isGreaterThan(last));
    }

    @Test
    void readersReturnTheAppendedRecordsIntactInOffsetOrder() {
        List<NewRecord> records = records("read", 30, 150);
        List<AppendResult> results = log.append(records);

        for (int p = 0; p < PARTITIONS; p++) {
            List<Integer> expected = indexesOf(results, p);
            try (PartitionReader reader = log.reader(p, log.startOffset(p))) {
                List<Record> read = readAtLeast(reader, p, expected.size());
                assertThat(read).hasSize(expected.size());
                for (int i = 0; i < read.size(); i++) {
                    NewRecord sent = records.get(expected.get(i));
                    Record got = read.get(i);
                    assertThat(got.partition()).isEqualTo(p);
                    assertThat(got.offset()).isEqualTo(results.get(expected.get(i)).offset());
                    assertThat(got.key()).isEqualTo(sent.key());
                    assertThat(got.type()).isEqualTo(sent.type());
                    assertThat(got.id()).isEqualTo(sent.id());
                    assertThat(got.dataAsString()).isEqualTo(new String(sent.data(), StandardCharsets.UTF_8));
                    assertThat(got.timestampMs()).isPositive();
                }
                if (!read.isEmpty()) {
                    long last = read.get(read.size() - 1).offset();
                    assertThat(reader.position()).as("the next offset to read").isGreaterThan(last).isLessThanOrEqualTo(log.endOffset(p));
                }
                assertThat(reader.poll(100)).as("nothing after the last record").isEmpty();
            }
        }
    }

    @Test
    void aReaderStartsAtItsOffsetAndSeeksBothWays() {
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) records.add(record("same-key", i, null));
        List<AppendResult> results = log.append(records);
        int p = results.get(0).partition();

        try (PartitionReader reader = log.reader(p, results.get(5).offset())) {
            List<Record> read = readAtLeast(reader, p, 15);
            assertThat(read).extracting(Record::offset).containsExactlyElementsOf(offsets(results.subList(5, 20)));

            reader.seek(results.get(2).offset());
            assertThat(readAtLeast(reader, p, 18)).extracting(Record::offset).containsExactlyElementsOf(offsets(results.subList(2, 20)));

            reader.seek(results.get(17).offset());
            assertThat(readAtLeast(reader, p, 3)).extracting(Record::offset).containsExactlyElementsOf(offsets(results.subList(17, 20)));
        }
    }

    @Test
    void pollReturnsAtMostMaxRecords() {
        List<AppendResult> results = log.append(recordsOfOneKey("max", 10));
        int p = results.get(0).partition();
        try (PartitionReader reader = log.reader(p, log.startOffset(p))) {
            List<Record> all = new ArrayList<>();
            long deadline = System.currentTimeMillis() + READ_DEADLINE_MS;
            while (all.size() < 10 && System.currentTimeMillis() < deadline) {
                List<Record> batch = reader.poll(3);
                assertThat(batch.size()).isLessThanOrEqualTo(3);
                all.addAll(batch);
                if (batch.isEmpty()) log.awaitAppend(p, reader.position(), 20);
            }
            assertThat(all).extracting(Record::offset).containsExactlyElementsOf(offsets(results));
        }
    }

    @Test
    void anEmptyPartitionReadsNothing() {
        for (int p = 0; p < PARTITIONS; p++) {
            try (PartitionReader reader = log.reader(p, log.startOffset(p))) {
                assertThat(reader.poll(10)).isEmpty();
                assertThat(reader.position()).isLessThanOrEqualTo(log.endOffset(p));
            }
        }
    }

    @Test
    void awaitAppendTimesOutWithoutAnAppendAndWakesForOne() throws Exception {
        List<AppendResult> first = log.append(recordsOfOneKey("wake", 1));
        int p = first.get(0).partition();
        long end = log.endOffset(p);
        assertThat(log.awaitAppend(p, first.get(0).offset(), 1_000)).as("the end is past an appended record").isTrue();

        long startNs = System.nanoTime();
        assertThat(log.awaitAppend(p, end, 100)).isFalse();
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        if (awaitBlocks()) assertThat(waitedMs).as("waited for its timeout").isBetween(90L, 2_000L);

        if (!awaitBlocks()) {
            log.append(recordsOfOneKey("wake", 1));
            assertThat(log.awaitAppend(p, end, 0)).isTrue();
            return;
        }
        ExecutorService appender = Executors.newSingleThreadExecutor();
        try {
            Future<?> append = appender.submit(() -> {
                Thread.sleep(200);
                return log.append(recordsOfOneKey("wake", 1));
            });
            long waitNs = System.nanoTime();
            assertThat(log.awaitAppend(p, end, 10_000)).isTrue();
            long wokeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waitNs);
            append.get(10, TimeUnit.SECONDS);
            assertThat(wokeMs).as("woke soon after the append (at 200 ms)").isLessThan(2_000);
        } finally {
            appender.shutdownNow();
        }
    }

    @Test
    void concurrentAppendsGetDistinctOffsetsAndAllReadBack() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<List<AppendResult>>> futures = new ArrayList<>();
        List<List<NewRecord>> sent = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            List<NewRecord> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) batch.add(record("t" + t + "-k" + (i % 7), i, null));
            sent.add(batch);
            futures.add(threads.submit(() -> {
                List<AppendResult> all = new ArrayList<>();
                for (int i = 0; i < batch.size(); i += 10) all.addAll(log.append(batch.subList(i, i + 10)));
                return all;
            }));
        }
        Map<Integer, Set<Long>> offsets = new HashMap<>();
        int total = 0;
        try {
            for (Future<List<AppendResult>> future : futures) {
                for (AppendResult result : future.get(30, TimeUnit.SECONDS)) {
                    assertThat(offsets.computeIfAbsent(result.partition(), k -> new HashSet<>()).add(result.offset()))
                            .as("offset %s of partition %s given once", result.offset(), result.partition()).isTrue();
                    total++;
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(total).isEqualTo(200);
        for (var entry : offsets.entrySet()) {
            int p = entry.getKey();
            try (PartitionReader reader = log.reader(p, log.startOffset(p))) {
                assertThat(readAtLeast(reader, p, entry.getValue().size())).extracting(Record::offset)
                        .containsExactlyInAnyOrderElementsOf(entry.getValue()).isSorted();
            }
        }
    }

    @Test
    void aRepeatedIdIsEitherAppendedAgainOrNamedADuplicateOfTheFirst() {
        NewRecord once = new NewRecord("dup-key", "gluer.merge", "id-1", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        AppendResult first = log.append(List.of(once)).get(0);
        AppendResult second = log.append(List.of(once)).get(0);

        assertThat(second.partition()).isEqualTo(first.partition());
        if (second.duplicate()) assertThat(second.offset()).isEqualTo(first.offset());
        else assertThat(second.offset()).isGreaterThan(first.offset());
        try (PartitionReader reader = log.reader(first.partition(), log.startOffset(first.partition()))) {
            int expected = second.duplicate() ? 1 : 2;
            assertThat(readAtLeast(reader, first.partition(), expected)).hasSize(expected).allSatisfy(r -> assertThat(r.id()).isEqualTo("id-1"));
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Polls until {@code count} records came or the deadline passed, then once more to catch extras. */
    protected List<Record> readAtLeast(PartitionReader reader, int partition, int count) {
        List<Record> read = new ArrayList<>();
        long deadline = System.currentTimeMillis() + READ_DEADLINE_MS;
        while (read.size() < count && System.currentTimeMillis() < deadline) {
            List<Record> batch = reader.poll(64);
            read.addAll(batch);
            if (batch.isEmpty()) log.awaitAppend(partition, reader.position(), 20);
        }
        read.addAll(reader.poll(64));
        for (int i = 1; i < read.size(); i++) {
            assertThat(read.get(i).offset()).as("offsets strictly increase").isGreaterThan(read.get(i - 1).offset());
        }
        return read;
    }

    protected static NewRecord record(String key, int i, String id) {
        return new NewRecord(key, "gluer.merge", id, ("{\"n\":" + i + ",\"s\":\"é\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static List<NewRecord> records(String prefix, int keys, int count) {
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) records.add(record(prefix + "/k" + (i % keys), i, i % 3 == 0 ? prefix + "-id-" + i : null));
        return records;
    }

    private static List<NewRecord> recordsOfOneKey(String key, int count) {
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) records.add(record(key, i, null));
        return records;
    }

    private static List<Integer> indexesOf(List<AppendResult> results, int partition) {
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) if (results.get(i).partition() == partition) indexes.add(i);
        return indexes;
    }

    private static List<Long> offsets(List<AppendResult> results) {
        return results.stream().map(AppendResult::offset).toList();
    }
}
