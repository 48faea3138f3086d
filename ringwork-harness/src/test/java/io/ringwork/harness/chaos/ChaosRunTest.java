package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short chaos run with real processes: 3 nodes, 15 s, one kill and one join; about 45 s in all. */
@Tag("slow")
class ChaosRunTest {
    @Test
    void threeNodesWithAKillAndAJoinEndWithZeroAnomalies(@TempDir Path work) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ChaosRun.Config config = new ChaosRun.Config(3, 15_000, FaultSchedule.parseFaults("kill,join"), 7, 1000,
                8, 4, 100, 0.005, 100, 60_000);
        int code = new ChaosRun(config, work, out).run();
        String report = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(report);
        assertTrue(report.contains("KILL n") && report.contains("JOIN n4"), report);
        assertTrue(report.contains("detection over 1 kills: every survivor listed the killed node dead after"), report);
        assertTrue(report.contains("anomalies: lost 0, duplicated 0, reordered 0, divergent 0"), report);
        assertEquals(0, code, report);
        assertTrue(ProcessHandle.current().children().noneMatch(ProcessHandle::isAlive), "a node process outlived the run");
    }
}
