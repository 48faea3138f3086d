package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringwork.harness.chaos.ChaosCluster.Ownership;
import io.ringwork.harness.chaos.ChaosReport.Appended;
import io.ringwork.harness.chaos.ChaosReport.Delays;
import io.ringwork.harness.chaos.ChaosReport.Failover;
import io.ringwork.harness.chaos.ChaosReport.PartitionGap;
import io.ringwork.harness.chaos.FaultSchedule.Fault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The join and failover figures on synthetic feeds and appends. */
class ChaosReportTest {
    private final FeedHistory any = new FeedHistory("any");
    private final FeedHistory n1 = new FeedHistory("n1");
    private final FeedHistory n2 = new FeedHistory("n2");
    private final FeedHistory n3 = new FeedHistory("n3");
    private final Set<Long> seen = new HashSet<>();
    private final List<Appended> appended = new ArrayList<>();
    private final Map<Long, Long> appliedAt = new HashMap<>();
    /** The nodes' scrapes, 2 partitions. */
    private final NodeScrapes scrapes = new NodeScrapes(2);

    /** {@code feed} delivers partition {@code p}'s change of version {@code v} at {@code atMs} (in time order). */
    private void deliver(FeedHistory feed, int p, long v, long atMs) {
        feed.record(-1, "k" + p + "/" + v, v, p, atMs);
        if (seen.add(ChaosReport.id(p, v))) any.record(-1, "k" + p + "/" + v, v, p, atMs);
    }

    private void append(int p, long v, long ackMs, boolean applied) {
        appended.add(new Appended(p, v, ackMs, applied));
    }

    /** {@code node}'s process 1 was scraped at {@code atMs}: partition starts and releases, collections (ms). */
    private void scrape(String node, long atMs, long[] starts, long[] releases, long collections, long gcMs) {
        scrapes.add(new NodeScrapes.Sample(node, 1, atMs, atMs, new NodeScrapes.Counters(starts, releases, collections, gcMs / 1000.0, 0)));
    }

    private ChaosReport report() {
        return report(new ByteArrayOutputStream());
    }

    private ChaosReport report(ByteArrayOutputStream bytes) {
        return new ChaosReport(new PrintStream(bytes, true, StandardCharsets.UTF_8), any, appliedAt, List.of(n2), 2, appended, scrapes);
    }

    private static final ChaosChecks.Anomalies NONE = new ChaosChecks.Anomalies(0, 0, 0, 0, List.of(), 0, List.of());

    /** The report's fault lines for {@code faults}, over n2's feed and the appends so far (2 partitions). */
    private String faultLines(ChaosReport.FaultFigures... faults) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChaosReport report = report(bytes);
        report.printFaults(report.figures(List.of(faults), NONE, true), List.of(faults));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static ChaosReport.FaultFigures join(Ownership before, Ownership after, long settledMs) {
        return new ChaosReport.FaultFigures(new Fault(5000, FaultSchedule.Kind.JOIN, "n4", 0), 5000, 6000, before, after, settledMs);
    }

    @Test
    void applyDelaysAreFirstArrivalMinusAckOverAppliedRecordsOfTheWindow() {
        append(0, 1, 100, true);
        deliver(n1, 0, 1, 110);
        deliver(n2, 0, 1, 130); // a later delivery on another feed does not count
        append(0, 2, 200, true);
        deliver(n1, 0, 2, 260);
        append(0, 3, 300, false); // a dead letter: no change, skipped
        append(0, 4, 400, true); // never delivered: missing
        append(0, 5, 1000, true); // outside the window
        deliver(n1, 0, 5, 1001);
        append(1, 1, 250, true); // another partition
        deliver(n1, 1, 1, 5000);

        Delays d = ChaosReport.applyDelays(appended, ChaosReport.firstArrivalIndex(any), Set.of(0), 0, 500);
        assertEquals(new Delays(2, 1, 60, 60), d);
        assertEquals(10, ChaosReport.applyDelays(appended, ChaosReport.firstArrivalIndex(any), Set.of(0), 0, 150).maxMs());
        assertEquals(new Delays(1, 0, 4750, 4750),
                ChaosReport.applyDelays(appended, ChaosReport.firstArrivalIndex(any), Set.of(1), 0, 500));
    }

    @Test
    void p99IsNearestRankAndMaxIsTheLargest() {
        for (int i = 1; i <= 200; i++) {
            append(2, i, 1000 + i, true);
            deliver(n1, 2, i, 1000 + i + i); // delay i ms
        }
        Delays d = ChaosReport.applyDelays(appended, ChaosReport.firstArrivalIndex(any), Set.of(2), 0, 10_000);
        assertEquals(new Delays(200, 0, 200, 198), d);
    }

    @Test
    void failoverPerPartitionWaitsForARecordAppendedAfterTheKill() {
        long kill = 1000;
        // p0: v5 applied on n1 before the kill; n2 delivers it late (replication), then v6 appended after the kill.
        append(0, 5, 850, true);
        deliver(n1, 0, 5, 900);
        deliver(n2, 0, 5, 1100);
        append(0, 6, 1400, true);
        deliver(n2, 0, 6, 1500);
        // p1: v8 first arrives on the restarted n1 (its own feed does not count), then on n3.
        append(1, 8, 1150, true);
        deliver(n1, 1, 8, 1200);
        deliver(n3, 1, 8, 1250);
        // p2: only a record applied before the kill and a dead letter after it: nothing to process, skipped.
        append(2, 3, 700, true);
        deliver(n2, 2, 3, 800);
        append(2, 4, 1300, false);
        // p3: a record after the kill that no other feed ever delivers: never processed again.
        append(3, 9, 1300, true);
        // p4: v10, the dead node's last commit, which its own feed never showed, reaches n2's feed
        // 8 ms after the kill; the partition is processed again only with v11, appended after it.
        append(4, 10, 990, true);
        deliver(n2, 4, 10, 1008);
        append(4, 11, 1050, true);
        deliver(n3, 4, 11, 2150);

        Failover f = ChaosReport.failover("n1", kill, Set.of(0, 1, 2, 3, 4), List.of(n1, n2, n3),
                ChaosReport.firstArrivalIndex(any), appended);
        assertEquals(8L, f.firstMs()); // n2's late delivery of p4 v10 is the first change: the old figure
        assertEquals(List.of(new PartitionGap(0, 500), new PartitionGap(1, 250), new PartitionGap(4, 1150)), f.gaps());
        assertEquals(List.of(2), f.skipped());
        assertEquals(List.of(3), f.never());
    }

    @Test
    void movedIsOwnerBeforeVersusOwnerAfter() {
        Ownership before = new Ownership(Map.of(0, "n1", 1, "n2", 2, "n3"), Map.of());
        Ownership after = new Ownership(Map.of(0, "n4", 1, "n2", 2, "n3"), Map.of());
        assertEquals(Set.of(0), ChaosReport.moved(before, after, 3));
        assertEquals(Set.of(), ChaosReport.moved(null, after, 3));
    }

    @Test
    void joinStallIsMaxDuringMinusBaselineP99() {
        // Baseline [0, 5000): delays 10 ms; during [join 5000, settled 13000): 900 and 1000 ms delays on moved p0.
        for (int i = 0; i < 50; i++) {
            long ack = 100 + i * 100;
            append(i % 2, i, ack, true);
            deliver(n2, i % 2, i, ack + 10);
        }
        append(0, 100, 6000, true);
        deliver(n2, 0, 100, 6900);
        append(1, 101, 6000, true);
        deliver(n2, 1, 101, 6040);
        // After ready + 5 s but before the ownership settled: still in the join's window.
        append(0, 102, 12_000, true);
        deliver(n2, 0, 102, 13_000);
        Ownership before = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        Ownership after = new Ownership(Map.of(0, "n4", 1, "n2"), Map.of());
        String text = faultLines(join(before, after, 13_000));
        assertTrue(text.contains("moved    partitions [0]: apply delay join..settled max 1000 ms, p99 1000 ms (2 records);"
                + " 5 s before max 10 ms, p99 10 ms (25 records); stall 990 ms"), text);
        assertTrue(text.contains("unmoved  partitions [1]: apply delay join..settled max 40 ms"), text);
        assertTrue(text.contains("longest per partition (appended at): p0 1000 ms at t=12.0s"), text);
        assertTrue(text.contains("stall 30 ms"), text);
        assertTrue(text.contains("longest three partitions (appended at): p1 40 ms at t=6.0s"), text);
        // Ready at 6 s: the 40 ms record (appended at 6 s) falls in the joining part, the 10 ms one at 5 s in the start.
        assertTrue(text.contains("by phase: process start..ready (its JVM starting) max 10 ms, p99 10 ms (1 records), stall 0 ms;"
                + " ready..settled (joining, catching up, handoffs) max 40 ms, p99 40 ms (1 records), stall 30 ms"), text);
        assertTrue(text.contains("control: n/a"), text); // production ended with the join's window
    }

    @Test
    void theUnmovedWindowSplitsAtReady() {
        // Baseline [0, 5 s): 10 ms. Join at 5 s, ready at 6 s, settled at 9 s: 200 ms at 5.5 s (start), 25 ms at 7 s.
        for (int i = 0; i < 90; i++) {
            long ack = i * 100L;
            append(1, i, ack, true);
            long delay = ack == 5_500 ? 200 : ack == 7_000 ? 25 : 10;
            deliver(n2, 1, i, ack + delay);
        }
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("apply delay join..settled max 200 ms, p99 200 ms (40 records);"
                + " 5 s before max 10 ms, p99 10 ms (50 records); stall 190 ms"), text);
        assertTrue(text.contains("by phase: process start..ready (its JVM starting) max 200 ms, p99 200 ms (10 records), stall 190 ms;"
                + " ready..settled (joining, catching up, handoffs) max 25 ms, p99 25 ms (30 records), stall 15 ms"), text);
        assertTrue(text.contains("p1's on each feed (ms after its acknowledgement): n2 200"), text);
    }

    @Test
    void theLongestUnmovedRecordIsShownOnEachFeed() {
        append(1, 7, 1000, true);
        deliver(n1, 1, 7, 1040); // the first arrival: 40 ms
        deliver(n3, 1, 7, 1090);
        deliver(n3, 1, 7, 1500); // delivered again after a reconnect: the first delivery counts
        append(1, 8, 1100, true);
        deliver(n1, 1, 8, 1110);
        ChaosReport.Worst w = ChaosReport.worst(appended, ChaosReport.firstArrivalIndex(any), 1, 0, 2000);
        assertEquals(new ChaosReport.Worst(1, 40, 1000, 7), w);
        assertEquals("n1 40, n2 -, n3 90", ChaosReport.perFeed(List.of(n3, n2, n1), w));
    }

    @Test
    void aJoinsControlIsTheSameMeasureOverAQuietStretchAsLongAsItsWindow() {
        // Join at 5 s, settled at 9 s (a 4 s window); control from 11 s: baseline [11, 16), window [16, 20).
        for (int i = 0; i < 250; i++) {
            long ack = i * 100L;
            append(1, i, ack, true);
            long delay = ack == 17_000 ? 90 : ack == 21_000 ? 500 : 10; // 21 s: after the control, not in it
            deliver(n2, 1, i, ack + delay);
        }
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("control, no fault, t=16.0s..20.0s: apply delay max 90 ms, p99 90 ms (40 records);"
                + " 5 s before max 10 ms, p99 10 ms (50 records); stall 80 ms; join max minus control max -80 ms"), text);
        // The next fault starts before the control would end: no control.
        String cut = faultLines(join(owners, owners, 9_000),
                new ChaosReport.FaultFigures(new Fault(19_000, FaultSchedule.Kind.LEAVE, "n4", 0), 19_000, 20_000, owners, owners, 20_000));
        assertTrue(cut.contains("control: n/a"), cut);
    }

    @Test
    void theNodesClockLinesTimeAChangeByItsFirstLiveEventOnAnyFeed() {
        // Join at 5 s, settled at 9 s; control from 11 s. Every change is applied 10 ms after its ack
        // (the nodes' fedAtMs), but the feeds deliver the one acked at 7 s 300 ms late (a pause of
        // this JVM or of a feed), and the one acked at 17 s (in the control) 120 ms late.
        for (int i = 0; i < 250; i++) {
            long ack = i * 100L;
            append(1, i, ack, true);
            long seenAfter = ack == 7_000 ? 300 : ack == 17_000 ? 120 : 10;
            deliver(n2, 1, i, ack + seenAfter);
            if (ack != 8_000) appliedAt.put(ChaosReport.id(1, i), ack + (ack == 6_000 ? 30 : 10));
            // the change acked at 8 s came only replayed (no fedAtMs): not seen live
        }
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("apply delay join..settled max 300 ms, p99 300 ms (40 records);"
                + " 5 s before max 10 ms, p99 10 ms (50 records); stall 290 ms"), text);
        assertTrue(text.contains("on the nodes' clock (applied: first put on a node's feed): join..settled max 30 ms, p99 30 ms"
                + " (39 records, 1 not seen live); 5 s before max 10 ms, p99 10 ms (50 records); stall 20 ms"), text);
        assertTrue(text.contains("control on the nodes' clock: max 10 ms, p99 10 ms (40 records); 5 s before max 10 ms, p99 10 ms"
                + " (50 records); stall 0 ms; join max minus control max +20 ms"), text);
        assertTrue(text.contains("control, no fault, t=16.0s..20.0s: apply delay max 120 ms"), text);
    }

    @Test
    void withoutLiveEventsThereIsNoNodesClockLine() {
        append(1, 1, 6000, true);
        deliver(n2, 1, 1, 6010);
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("apply delay join..settled max 10 ms"), text);
        assertTrue(!text.contains("nodes' clock"), text);
    }

    @Test
    void quietWindowsLieEndToEndAwayFromEveryFault() {
        // [5 s, 40 s) with faults at [12, 15] and [30, 31], 2 s margin: free [5, 10), [17, 28), [33, 40).
        List<long[]> windows = ChaosReport.quietWindows(3_000, 5_000, 40_000,
                List.of(new long[] {30_000, 31_000}, new long[] {12_000, 15_000}), 2_000);
        List<String> text = windows.stream().map(w -> w[0] + ".." + w[1]).toList();
        assertEquals(List.of("5000..8000", "17000..20000", "20000..23000", "23000..26000", "33000..36000", "36000..39000"), text);
        assertTrue(ChaosReport.quietWindows(3_000, 5_000, 7_000, List.of(), 2_000).isEmpty());
    }

    @Test
    void theExcessOverTheMedianHalvesAnEvenCount() {
        assertEquals("+32", ChaosReport.overMedian(66, List.of(44L, 37L, 34L, 32L, 30L)));
        assertEquals("-2.5", ChaosReport.overMedian(40, List.of(50L, 35L)));
        assertEquals("+0", ChaosReport.overMedian(10, List.of(10L)));
    }

    @Test
    void aTieRanksTheJoinFirst() {
        assertEquals(1, ChaosReport.rank(50, List.of(50L, 40L)));
        assertEquals(2, ChaosReport.rank(45, List.of(50L, 40L)));
        assertEquals(3, ChaosReport.rank(10, List.of(50L, 40L)));
        assertEquals(1, ChaosReport.rank(10, List.of()));
    }

    @Test
    void theJoinWindowIsRankedAmongTheRunsQuietStretches() {
        // Join at 5 s, settled at 9 s (4 s window), production until 29.9 s: quiet stretches from
        // 5 s on, 2 s away from [5, 9]: [11, 15), [15, 19), [19, 23), [23, 27). Delays: 40 ms in the
        // join, 60 ms at 12 s, 30 ms at 16 s; on the nodes' clock 20 ms in the join, 10 ms elsewhere.
        for (int i = 0; i < 300; i++) {
            long ack = i * 100L;
            append(1, i, ack, true);
            long delay = ack == 6_000 ? 40 : ack == 12_000 ? 60 : ack == 16_000 ? 30 : 10;
            deliver(n2, 1, i, ack + delay);
            appliedAt.put(ChaosReport.id(1, i), ack + (ack == 6_000 ? 20 : 10));
        }
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("quiet stretches as long as the window (4, no fault within 2 s): longest delay each 60, 30, 10, 10 ms,"
                + " the join's 40 ms ranks 2 of 5, +20 ms over their median; on the nodes' clock 10, 10, 10, 10 ms, the join's 20 ms"
                + " ranks 1 of 5, +10 ms over their median (1 = longest)"), text);
    }

    @Test
    void theNodesCollectionsAreCountedInTheJoinWindowAndEachQuietStretch() {
        for (int i = 0; i < 300; i++) {
            append(1, i, i * 100L, true);
            deliver(n2, 1, i, i * 100L + 10);
        }
        // The join's window is [5 s, 9 s]; the quiet stretches [11, 15), [15, 19), [19, 23), [23, 27).
        long[] none = new long[2];
        scrape("n1", 5_000, none, none, 10, 100);
        scrape("n2", 5_000, none, none, 20, 200);
        scrape("n1", 9_000, none, none, 12, 140); // 2 in the join's window, 40 ms
        scrape("n2", 9_000, none, none, 21, 212); // 1, 12 ms
        scrape("n1", 11_000, none, none, 12, 140);
        scrape("n2", 11_000, none, none, 21, 212);
        scrape("n1", 15_000, none, none, 13, 160); // [11, 15): 1, 20 ms
        scrape("n2", 15_000, none, none, 21, 212);
        scrape("n1", 19_000, none, none, 13, 160);
        scrape("n2", 23_000, none, none, 22, 242); // [19, 23): 1, 30 ms; n2 not scraped at 19 s: from its 15 s scrape
        scrape("n1", 27_000, none, none, 13, 160);
        scrape("n2", 27_000, none, none, 22, 242);
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("nodes' collections (their /metrics): the join's window 3, 52 ms;"
                + " quiet stretches 1, 1, 1, 0 (median 1), each 20, 30, 30, 0 ms"), text);
    }

    @Test
    void withoutScrapesTheCollectionsLineSaysSo() {
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        append(1, 1, 6_000, true);
        deliver(n2, 1, 1, 6_010);
        String text = faultLines(join(owners, owners, 9_000));
        assertTrue(text.contains("nodes' collections: n/a"), text);
    }

    /** From /metrics: an unmoved partition released in the join's window is counted and named; changes outside the window are not. */
    @Test
    void runnerChangesInTheJoinWindowAreCountedByMovedAndUnmoved() {
        Ownership before = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        Ownership after = new Ownership(Map.of(0, "n4", 1, "n2"), Map.of());
        scrape("n1", 4_000, new long[] {1, 0}, new long[] {0, 0}, 0, 0);
        scrape("n2", 4_000, new long[] {0, 1}, new long[] {0, 0}, 0, 0); // p1 started before the join: not counted
        scrapes.started("n4", 1, 5_000); // the joiner counts from zero
        scrape("n1", 9_500, new long[] {1, 0}, new long[] {1, 0}, 0, 0);
        scrape("n2", 9_500, new long[] {0, 1}, new long[] {0, 1}, 0, 0); // an unmoved partition released in the window
        scrape("n4", 9_500, new long[] {1, 0}, new long[] {0, 0}, 0, 0);
        ChaosFigures.Runners runners = report().figures(List.of(join(before, after, 9_000)), NONE, true).joins().get(0).runners();
        assertEquals(new ChaosFigures.Runners(0, 1, Set.of(1), 1, 1, true), runners);
        assertTrue(faultLines(join(before, after, 9_000)).contains("runner changes join..settled (the nodes' /metrics): unmoved partitions"
                + " started 0, released 1 [1]; moved partitions started 1, released 1"));
    }

    /** A node killed in the window counts up to its last scrape, and its restarted process from zero. */
    @Test
    void aKilledProcessCountsToItsLastScrapeAndItsSuccessorFromZero() {
        scrape("n1", 1_000, new long[] {1, 1}, new long[] {0, 0}, 0, 0);
        scrape("n1", 2_000, new long[] {1, 2}, new long[] {0, 0}, 0, 0); // its last scrape: killed at 2.5 s
        scrapes.started("n1", 2, 3_000);
        scrapes.add(new NodeScrapes.Sample("n1", 2, 4_000, 4_000, new NodeScrapes.Counters(new long[] {1, 0}, new long[] {0, 0}, 0, 0, 3)));
        NodeScrapes.PartitionChanges changes = scrapes.partitionChanges(1_500, 5_000);
        assertEquals(List.of(1L, 1L), List.of(changes.started()[0], changes.started()[1]));
        assertTrue(changes.exact());
        assertEquals(0, scrapes.partitionChanges(4_000, 5_000).started(Set.of(0, 1)));
        // A window before any scrape of an old process: counted from its first scrape, and flagged.
        assertEquals(false, scrapes.partitionChanges(500, 2_000).exact());
        assertEquals(3, scrapes.repairs());
    }

    @Test
    void withoutPartitionCountersRunnerChangesAreNotAvailable() {
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n2"), Map.of());
        scrapes.add(new NodeScrapes.Sample("n1", 1, 0, 0, new NodeScrapes.Counters(null, null, 0, 0, 0))); // an older node
        assertTrue(faultLines(join(owners, owners, 9_000)).contains("runner changes join..settled: n/a"));
    }

    /** The headline figures, as values, before any line is printed. */
    @Test
    void theFiguresHoldTheFailoverSpreadsTheJoinStallsAndTheAnomaliesByName() {
        long kill = 1_000;
        append(0, 1, 1_100, true);
        deliver(n2, 0, 1, 1_300); // p0 processed again 300 ms after the kill
        append(1, 1, 1_200, true);
        deliver(n2, 1, 1, 1_900); // p1 900 ms after it
        Ownership owners = new Ownership(Map.of(0, "n1", 1, "n1"), Map.of());
        ChaosReport.FaultFigures killed = new ChaosReport.FaultFigures(new Fault(kill, FaultSchedule.Kind.KILL, "n1", 500), kill, 1_500,
                owners, owners, 4_000);
        // A join at 15 s: p1 moves to n4 and is applied 400 ms late, against 10 ms before; p0 stays and is 20 ms late, against 10 ms.
        append(0, 2, 14_500, true);
        deliver(n2, 0, 2, 14_510);
        append(1, 2, 14_600, true);
        deliver(n2, 1, 2, 14_610);
        append(0, 3, 16_000, true);
        deliver(n2, 0, 3, 16_020);
        append(1, 3, 16_100, true);
        deliver(n2, 1, 3, 16_500);
        Ownership after = new Ownership(Map.of(0, "n1", 1, "n4"), Map.of());
        ChaosReport.FaultFigures joined = new ChaosReport.FaultFigures(new Fault(15_000, FaultSchedule.Kind.JOIN, "n4", 0), 15_000, 16_000,
                owners, after, 19_000);
        ChaosFigures figures = report().figures(List.of(killed, joined),
                new ChaosChecks.Anomalies(2, 0, 1, 0, List.of(), 0, List.of()), true);

        assertEquals(Map.of("lost", 2L, "duplicated", 0L, "reordered", 1L, "divergent", 0L), figures.anomalies());
        assertEquals("lost 2, duplicated 0, reordered 1, divergent 0", figures.anomalyLine());
        assertEquals("RESULT: FAILED, 3 anomalies", figures.resultLine());
        assertEquals(new ChaosFigures.Spread(2, 300, 900, 900), figures.failoverPerPartition());
        ChaosFigures.Join j = figures.joins().get(0);
        assertEquals(Set.of(1), j.moved());
        assertEquals(Set.of(0), j.unmoved());
        assertEquals(390L, j.movedStallMs());
        assertEquals(10L, j.unmovedStallMs());
        assertEquals(null, j.runners()); // no scrape: not available, rather than zero
        assertEquals(-1, figures.repairs());
        assertTrue(new ChaosFigures(Map.of("lost", 0L), List.of(), null, null, List.of(), null, List.of(), 0, true).ok());
        assertEquals("RESULT: FAILED, 0 anomalies, not drained",
                new ChaosFigures(Map.of("lost", 0L), List.of(), null, null, List.of(), null, List.of(), 0, false).resultLine());
    }

    /** A partition's failover is measured as a kill's, and kept apart from the kills'. */
    @Test
    void aPartitionsFailoverIsItsOwnFigure() {
        long cut = 2_000;
        append(0, 1, 2_100, true);
        deliver(n2, 0, 1, 3_200); // p0, owned by the cut-off n1, processed again by n2 1,200 ms after the cut
        Ownership owners = new Ownership(Map.of(0, "n1"), Map.of());
        ChaosReport.FaultFigures partitioned = new ChaosReport.FaultFigures(new Fault(cut, FaultSchedule.Kind.PARTITION, "n1", 5_000),
                cut, 7_000, owners, owners, 10_000);
        ChaosFigures figures = report().figures(List.of(partitioned), new ChaosChecks.Anomalies(0, 0, 0, 0, List.of(), 0, List.of()), true);
        assertEquals(List.of(), figures.kills());
        assertEquals(1, figures.cuts().size());
        assertEquals(new ChaosFigures.Spread(1, 1_200, 1_200, 1_200), figures.cutFailoverPerPartition());
        assertTrue(faultLines(partitioned).contains("partition n1 at t=2.0s: failover first change 1200 ms"),
                faultLines(partitioned));
    }
}
