package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.readAll;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.log.AppendResult;
import io.ringwork.core.record.NewRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idempotent ingest: a repeated id within the window is not appended again. */
class LogDedupeTest {
    @TempDir Path dir;

    @Test
    void aSecondCopyInTheSameBatchIsADuplicateOfTheFirst() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1))) {
            List<AppendResult> results = log.append(List.of(
                    rec("k", "x", "first"), rec("k", "y", "other"), rec("k2", "x", "second copy")));

            assertThat(results).containsExactly(
                    new AppendResult(0, 0, false), new AppendResult(0, 1, false), new AppendResult(0, 0, true));
            assertThat(readAll(log, 0)).extracting(LogFixtures::data).containsExactly("first", "other");
        }
    }

    @Test
    void aRepeatInALaterBatchNamesTheEarlierOffset() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 4))) {
            AppendResult first = log.append(List.of(rec("k", "id-1", "a"))).get(0);
            log.append(List.of(rec("k", "b"), rec("k", "c")));

            assertThat(log.append(List.of(rec("k", "id-1", "again")))).containsExactly(
                    new AppendResult(first.partition(), first.offset(), true));
            assertThat(log.endOffset(first.partition())).isEqualTo(3);
        }
    }

    @Test
    void theWindowIsPerPartition() {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 8))) {
            String k1 = "key-a";
            String k2 = otherPartitionKey(log, k1);
            List<AppendResult> results = log.append(List.of(rec(k1, "same-id", "1"), rec(k2, "same-id", "2")));
            assertThat(results).extracting(AppendResult::duplicate).containsExactly(false, false);
        }
    }

    @Test
    void theWindowSurvivesARestart() {
        AppendResult first;
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 2))) {
            first = log.append(List.of(rec("k", "id-1", "a"))).get(0);
            log.append(List.of(rec("k", "b")));
        }
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 2))) {
            assertThat(log.append(List.of(rec("k", "id-1", "again")))).containsExactly(
                    new AppendResult(first.partition(), first.offset(), true));
            assertThat(log.endOffset(first.partition())).isEqualTo(2);
        }
    }

    @Test
    void theWindowHoldsAtMostTheConfiguredNumberOfIdsAcrossRestarts() {
        LogConfig cfg = config(dir, 1).withDedupeWindowIds(5);
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            List<NewRecord> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) batch.add(rec("k", "id-" + i, "v" + i));
            log.append(batch);
            assertThat(log.append(List.of(rec("k", "id-0", "again")))).extracting(AppendResult::duplicate).containsExactly(false);
        }
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            // The window was rebuilt from the last five records: offsets 6..10.
            List<AppendResult> results = log.append(List.of(rec("k", "id-9", "x"), rec("k", "id-4", "y")));
            assertThat(results).containsExactly(new AppendResult(0, 9, true), new AppendResult(0, 11, false));
        }
    }

    @Test
    void anIdOlderThanTheWindowAgeIsAppendedAgain() {
        LogFixtures.ManualClock clock = new LogFixtures.ManualClock(1_000_000);
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1).withDedupeWindowMs(60_000), clock)) {
            log.append(List.of(rec("k", "id-1", "a")));
            clock.advance(59_000);
            assertThat(log.append(List.of(rec("k", "id-1", "b")))).containsExactly(new AppendResult(0, 0, true));
            clock.advance(2_000);
            assertThat(log.append(List.of(rec("k", "id-1", "c")))).containsExactly(new AppendResult(0, 1, false));
            assertThat(log.append(List.of(rec("k", "id-1", "d")))).containsExactly(new AppendResult(0, 1, true));
        }
    }

    private static String otherPartitionKey(EmbeddedLog log, String key) {
        for (int i = 0; ; i++) {
            if (log.partitionOf("other-" + i) != log.partitionOf(key)) return "other-" + i;
        }
    }
}
