package io.ringwork.runtime.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ringwork.runtime.chaos.ChaosReport.RunnerChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Partition starts and releases read back from node logs in the nodes' own format. */
class NodeLogsTest {
    private static final String STARTED = "10:00:01.250 INFO  [ringwork-cluster] i.r.r.c.ClusterService"
            + " - partition 7 started under term 3/n4 (checkpoint 1200)";
    private static final String RELEASED = "10:00:02.000 INFO  [ringwork-stop-7] i.r.r.c.ClusterService"
            + " - partition 12 released at checkpoint 99 (deposed) (stopping took 4 ms)";

    @Test
    void startsAndReleasesAreTimedFromTheRunsStart() {
        LocalTime start = LocalTime.parse("10:00:00.000");
        assertEquals(new RunnerChange("n4", 1_250, 7, true), NodeLogs.runnerChange("n4", STARTED, start));
        assertEquals(new RunnerChange("n1", 2_000, 12, false), NodeLogs.runnerChange("n1", RELEASED, start));
        // Logged before the run started (a node starting up): negative.
        assertEquals(-500, NodeLogs.runnerChange("n4", STARTED, LocalTime.parse("10:00:01.750")).atMs());
    }

    @Test
    void aRunAcrossMidnightStaysInOrder() {
        String line = "00:00:00.500 INFO  [ringwork-cluster] i.r.r.c.ClusterService - partition 1 started under term 2/n2 (checkpoint 5)";
        assertEquals(1_000, NodeLogs.runnerChange("n2", line, LocalTime.parse("23:59:59.500")).atMs());
    }

    @Test
    void otherLinesAreNotChanges() {
        LocalTime start = LocalTime.parse("10:00:00.000");
        assertNull(NodeLogs.runnerChange("n1", "10:00:01.000 INFO  [x] y - partition 3: first commit 40 ms after its start", start));
        assertNull(NodeLogs.runnerChange("n1", "ringwork node n1 ready http=127.0.0.1:1234 bind=127.0.0.1:1235", start));
        assertNull(NodeLogs.runnerChange("n1", "garbage line - partition 3 started under term 1/n1 (checkpoint 0)", start));
    }

    @Test
    void everyNodesLogIsRead(@TempDir Path work) throws Exception {
        Files.createDirectories(work.resolve("n1"));
        Files.createDirectories(work.resolve("n4"));
        Files.createDirectories(work.resolve("log")); // the shared log's directory: no node.out
        Files.write(work.resolve("n1").resolve("node.out"), List.of(RELEASED, "10:00:02.100 WARN  [x] y - partition 3:"
                + " anti-entropy digest differs from the owner n2; asking for a repair"));
        Files.write(work.resolve("n4").resolve("node.out"), List.of("some start-up line", STARTED));
        long startEpochMs = LocalDateTime.parse("2026-11-22T10:00:00").toInstant(ZoneOffset.UTC).toEpochMilli();
        assertEquals(List.of(new RunnerChange("n1", 2_000, 12, false), new RunnerChange("n4", 1_250, 7, true)),
                NodeLogs.runnerChanges(work, startEpochMs, ZoneOffset.UTC));
        assertEquals(1, NodeLogs.repairs(work));
        assertNull(NodeLogs.runnerChanges(work.resolve("missing"), startEpochMs, ZoneOffset.UTC));
        assertEquals(-1, NodeLogs.repairs(work.resolve("missing")));
    }
}
