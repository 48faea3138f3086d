package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ringwork.harness.chaos.ChaosReport.GcPause;
import io.ringwork.harness.chaos.ChaosReport.RunnerChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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

    /** Lines as JDK 25's {@code -Xlog:gc:file=F:time} writes them for G1. */
    private static final List<String> GC_LOG = List.of(
            "[2026-11-22T06:41:55.387+0000] Using G1",
            "[2026-11-22T06:42:07.389+0000] GC(3) Pause Young (Concurrent Start) (CodeCache GC Threshold) 59M->13M(380M) 37.127ms",
            "[2026-11-22T06:42:07.393+0000] GC(4) Concurrent Mark Cycle",
            "[2026-11-22T06:42:07.448+0000] GC(4) Pause Remark 19M->19M(50M) 8.766ms",
            "[2026-11-22T06:42:07.454+0000] GC(4) Concurrent Mark Cycle 61.027ms",
            "[2026-11-22T08:42:09.233+0200] GC(6) Pause Young (Mixed) (G1 Evacuation Pause) 39M->14M(50M) 19.650ms");

    @Test
    void gcPausesAreTimedFromTheRunsStartByTheirEnd() {
        long start = Instant.parse("2026-11-22T06:42:00Z").toEpochMilli();
        assertNull(NodeLogs.gcPause("n1", GC_LOG.get(0), start));
        assertEquals(new GcPause("n1", 7_389, 37.127),
                NodeLogs.gcPause("n1", GC_LOG.get(1), start));
        assertNull(NodeLogs.gcPause("n1", GC_LOG.get(2), start)); // concurrent work: no pause
        assertEquals(new GcPause("n1", 7_448, 8.766), NodeLogs.gcPause("n1", GC_LOG.get(3), start));
        assertNull(NodeLogs.gcPause("n1", GC_LOG.get(4), start));
        // Another offset, the same instant on the machine's clock.
        assertEquals(9_233, NodeLogs.gcPause("n1", GC_LOG.get(5), start).endMs());
    }

    @Test
    void everyProcessOfEveryNodeHasItsGcLogRead(@TempDir Path work) throws Exception {
        Files.createDirectories(work.resolve("n1"));
        Files.createDirectories(work.resolve("n2"));
        Files.createDirectories(work.resolve("log"));
        Files.write(work.resolve("n1").resolve("gc-100.log"), GC_LOG.subList(0, 2));
        Files.write(work.resolve("n1").resolve("gc-200.log"), GC_LOG.subList(3, 4)); // n1 restarted after a kill
        Files.write(work.resolve("n2").resolve("gc-150.log"), GC_LOG.subList(5, 6));
        Files.write(work.resolve("n2").resolve("node.out"), GC_LOG.subList(1, 2)); // not a GC log
        long start = Instant.parse("2026-11-22T06:42:00Z").toEpochMilli();
        List<GcPause> pauses = NodeLogs.gcPauses(work, start);
        assertEquals(List.of("n1 7389", "n1 7448", "n2 9233"), pauses.stream().map(p -> p.node() + " " + p.endMs()).toList());
        assertNull(NodeLogs.gcPauses(work.resolve("missing"), start));
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
