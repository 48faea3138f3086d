package io.ringwork.runtime.log;

import static io.ringwork.runtime.log.LogFixtures.config;
import static io.ringwork.runtime.log.LogFixtures.rec;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bell that tells a log's other instances (processes) that a partition grew. Two instances
 * in one JVM stand for two processes: each has its own tails and watcher, and they share only
 * the directory. The rescan is set to an hour after the first look, so what wakes a waiter here
 * can only be the bell.
 */
class AppendBellTest {
    private static final long NO_RESCAN_MS = TimeUnit.HOURS.toMillis(1);

    @TempDir Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anotherInstancesAppendWakesAWaiterThroughTheBell() throws Exception {
        try (EmbeddedLog writer = EmbeddedLog.open(config(dir, 4), System::currentTimeMillis, NO_RESCAN_MS);
             EmbeddedLog watcher = EmbeddedLog.open(config(dir, 4), System::currentTimeMillis, NO_RESCAN_MS)) {
            int p = writer.partitionOf("k");
            for (int round = 0; round < 3; round++) {
                long offset = round;
                CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> watcher.awaitAppend(p, offset, 30_000));
                Thread.sleep(50); // the waiter is waiting (a later start returns at once: also fine)
                writer.append(List.of(rec("k", "v" + round)));
                assertThat(woke.get(40, TimeUnit.SECONDS)).as("round %d: woken before the 30 s timeout", round).isTrue();
            }
            assertThat(AppendBell.open(dir, 4).rings(p)).isEqualTo(3);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anIdleWaiterDoesNotReadTheFiles() throws Exception {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 4), System::currentTimeMillis, NO_RESCAN_MS)) {
            PartitionTail tail = log.tail(0);
            long before = afterTheFirstLook(tail);
            assertThat(log.awaitAppend(0, 0, 300)).isFalse();
            Thread.sleep(100);
            // Before the bell, the waiter re-read the files every 3 ms: about a hundred times here.
            assertThat(tail.refreshes() - before).isZero();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void thisInstancesOwnAppendsDoNotMakeTheWatcherReadTheFiles() throws Exception {
        try (EmbeddedLog log = EmbeddedLog.open(config(dir, 1), System::currentTimeMillis, NO_RESCAN_MS)) {
            PartitionTail tail = log.tail(0);
            long before = afterTheFirstLook(tail);
            for (int i = 0; i < 40; i++) {
                log.append(List.of(rec("k", "v" + i)));
                Thread.sleep(5); // several looks of the watcher between appends
            }
            assertThat(log.awaitAppend(0, 39, 0)).isTrue();
            // A look that lands between an append's ring and its bookkeeping reads once more; rare.
            assertThat(tail.refreshes() - before).isLessThanOrEqualTo(4);
        }
    }

    /** The tail's reads once the watcher's first look (which reads every partition once) is done. */
    private static long afterTheFirstLook(PartitionTail tail) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (tail.refreshes() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        return tail.refreshes();
    }
}
