package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringwork.harness.chaos.ChaosCluster.Ownership;
import io.ringwork.harness.chaos.ChaosReport.Appended;
import io.ringwork.harness.chaos.FaultSchedule.Fault;
import io.ringwork.harness.chaos.JoinRanks.Ranked;
import io.ringwork.harness.chaos.JoinRanks.Summary;
import io.ringwork.harness.cli.RingworkHarnessCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joins read back from the chaos report's own lines, and summed up as a rank test. */
class JoinRanksTest {
    /**
     * A report of one join (at 5 s, settled at 9 s) with four quiet stretches: by the feed readers
     * the join's 40 ms ranks 2 of 5, +20 ms over their median; on the nodes' clock 20 ms ranks 1 of
     * 5, +10 ms (as in ChaosReportTest).
     */
    private static String report() {
        FeedHistory any = new FeedHistory("any");
        FeedHistory n2 = new FeedHistory("n2");
        Set<Long> seen = new HashSet<>();
        List<Appended> appended = new ArrayList<>();
        Map<Long, Long> appliedAt = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            long ack = i * 100L;
            appended.add(new Appended(1, i, ack, true));
            long delay = ack == 6_000 ? 40 : ack == 12_000 ? 60 : ack == 16_000 ? 30 : 10;
            n2.record(-1, "k" + i, i, 1, ack + delay);
            if (seen.add(ChaosReport.id(1, i))) any.record(-1, "k" + i, i, 1, ack + delay);
            appliedAt.put(ChaosReport.id(1, i), ack + (ack == 6_000 ? 20 : 10));
        }
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChaosReport report = new ChaosReport(new PrintStream(bytes, true, StandardCharsets.UTF_8), any, appliedAt, List.of(n2), 2, appended,
                new NodeScrapes(2));
        List<ChaosReport.FaultFigures> faults = List.of(new ChaosReport.FaultFigures(new Fault(5000, FaultSchedule.Kind.JOIN, "n4", 0),
                5000, 6000, owners, owners, 9_000));
        report.printFaults(report.figures(faults, new ChaosChecks.Anomalies(0, 0, 0, 0, List.of(), 0, List.of()), true), faults);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theReportsLineReadsBackOnBothClocks() {
        String text = report();
        assertEquals(List.of(new Ranked(2, 5, 20.0)), JoinRanks.parse(text, false));
        assertEquals(List.of(new Ranked(1, 5, 10.0)), JoinRanks.parse(text, true));
        assertEquals(List.of(), JoinRanks.parse("RESULT: OK, 0 anomalies\n      quiet stretches as long as the window: none in this run", true));
    }

    @Test
    void aSetIsSummedUpAsARankTest() {
        // Seeds 11-20 of the session that introduced the ranking (docs/TESTING.md), on the nodes' clock.
        int[] ranks = {1, 2, 3, 1, 4, 4, 1, 1, 2, 1};
        int[] of = {6, 6, 6, 7, 6, 6, 6, 6, 7, 5};
        double[] over = {29, 3, 1, 35, -4, -7, 2, 35, 21, 19.5};
        List<Ranked> joins = new ArrayList<>();
        for (int i = 0; i < ranks.length; i++) joins.add(new Ranked(ranks[i], of[i], over[i]));
        Summary s = JoinRanks.summarize(joins);
        assertEquals(10, s.joins());
        assertEquals(5, s.longest());
        assertEquals(1.65, s.expectedLongest(), 0.01); // 7/6 + 2/7 + 1/5
        assertEquals(20, s.rankSum());
        assertEquals(35.5, s.expectedRankSum(), 1e-9);
        assertEquals(2.81, s.z(), 0.01);
        assertEquals(-7, s.minOverMs(), 1e-9);
        assertEquals(11.25, s.medianOverMs(), 1e-9); // the mean of the middle two of ten
        assertEquals(35, s.maxOverMs(), 1e-9);
        assertNull(JoinRanks.summarize(List.of()));
    }

    @Test
    void theCommandSumsUpSavedReportsAndRefusesAMissingOne(@TempDir Path dir) throws Exception {
        Path one = Files.writeString(dir.resolve("one.txt"), report());
        Path two = Files.writeString(dir.resolve("two.txt"), report());
        Path none = Files.writeString(dir.resolve("none.txt"), "RESULT: OK, 0 anomalies\n");
        PrintStream was = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = RingworkHarnessCli.run("chaos-ranks", one.toString(), two.toString(), none.toString());
        } finally {
            System.setOut(was);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(text.contains("nodes' clock: over 2 joins the join's window held its run's longest unmoved delay in 2 (0.4 expected"
                + " if joins added nothing); rank sum 2 (6.0 expected), z = 2.00"), text);
        assertTrue(text.contains("feed readers: over 2 joins the join's window held its run's longest unmoved delay in 0"), text);
        assertTrue(text.contains("none.txt: no join ranked among quiet stretches"), text);
        assertEquals(2, RingworkHarnessCli.run("chaos-ranks", dir.resolve("missing.txt").toString()));
    }
}
