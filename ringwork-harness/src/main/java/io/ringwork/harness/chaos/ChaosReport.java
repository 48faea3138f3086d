package io.ringwork.harness.chaos;

import io.ringwork.harness.chaos.ChaosCluster.Ownership;
import io.ringwork.harness.chaos.FaultSchedule.Fault;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The figures of a chaos run, measured on the feeds after it: the failover gaps of every kill, the
 * apply delays of moved and unmoved partitions around every join, and the throughput timeline.
 * Times are ms since the run started. A change is identified by its partition and version (the
 * record's log offset), which the producer learns from the append's response.
 */
final class ChaosReport {
    /** A join's window: from the join until its ownership settled, and at least this long after the node is ready. */
    static final long STALL_AFTER_MS = 5_000;
    /** The baseline window: this long before the join. */
    static final long BASELINE_MS = 5_000;
    /**
     * A join's control starts this long after the join's window: the same figures over a stretch
     * in which nothing happens, so a reader sees what the measure reads with no join at all.
     */
    static final long CONTROL_AFTER_MS = 2_000;

    /** What a missing record is by first arrival: no feed delivered its change. */
    private static final String NEVER_ARRIVED = "never arrived";
    /** What it is on the nodes' clock: no live event of it on any feed (only replayed, e.g. after a reconnect). */
    private static final String NOT_LIVE = "not seen live";

    record FaultFigures(Fault fault, long startMs, long readyMs, Ownership before, Ownership after, long afterMs) {}

    /**
     * One record the producer appended: its partition and offset from the append's response, when
     * its batch was acknowledged, and whether the fold applies it (false: a dead letter, no change).
     */
    record Appended(int partition, long offset, long ackMs, boolean applied) {}

    /** Apply delays of the records appended in a window: how many, how many never arrived, max and p99. */
    record Delays(int records, int missing, long maxMs, long p99Ms) {}

    /** The time from a kill until a partition was processed again. */
    record PartitionGap(int partition, long gapMs) {}

    /**
     * One kill's failover: {@code firstMs} until the first change of any partition the node owned
     * (null if none), the per-partition gaps (sorted by partition), the owned partitions that got
     * no record to process after the kill (skipped), and those that got some but no other node's
     * feed ever delivered one (never).
     */
    record Failover(Long firstMs, List<PartitionGap> gaps, List<Integer> skipped, List<Integer> never) {}

    private final PrintStream out;
    private final FeedHistory firstArrivals;
    /** Per change, when a node first put it on its feed (ms since the run's start), from live events. */
    private final Map<Long, Long> appliedAt;
    private final List<FeedHistory> feeds;
    private final int partitions;
    private final List<Appended> appended;
    /** The nodes' counters from their /metrics: partition starts and releases, collections, repairs. */
    private final NodeScrapes scrapes;
    private Map<Long, Long> firstArrivalIndex;

    ChaosReport(PrintStream out, FeedHistory firstArrivals, Map<Long, Long> appliedAt, List<FeedHistory> feeds, int partitions,
                List<Appended> appended, NodeScrapes scrapes) {
        this.out = out;
        this.firstArrivals = firstArrivals;
        this.appliedAt = appliedAt;
        this.feeds = feeds;
        this.partitions = partitions;
        this.appended = appended;
        this.scrapes = scrapes;
    }

    /**
     * The run's headline figures from the feeds, the appends and the nodes' scrapes: every kill's
     * failover and their spreads, every join's moved and unmoved stalls and partition changes,
     * with {@code anomalies}, the repairs and whether the run {@code drained}.
     */
    ChaosFigures figures(List<FaultFigures> faults, ChaosChecks.Anomalies anomalies, boolean drained) {
        List<ChaosFigures.Kill> kills = new ArrayList<>();
        List<ChaosFigures.Join> joins = new ArrayList<>();
        List<Long> firstMs = new ArrayList<>();
        List<Long> partitionGapsMs = new ArrayList<>();
        List<ChaosFigures.Kill> cuts = new ArrayList<>();
        List<Long> cutGapsMs = new ArrayList<>();
        for (FaultFigures f : faults) {
            switch (f.fault().kind()) {
                case PARTITION, PARTITION_ONEWAY -> {
                    // The cut-off node's partitions, measured as a kill's: processed again on the others' feeds.
                    Failover failover = f.before() == null ? null
                            : failover(f.fault().node(), f.startMs(), f.before().ownedBy(f.fault().node()), feeds, firstArrivals(), appended);
                    cuts.add(new ChaosFigures.Kill(f.fault().node(), f.startMs(), failover));
                    if (failover != null) failover.gaps().forEach(g -> cutGapsMs.add(g.gapMs()));
                }
                case KILL -> {
                    Failover failover = f.before() == null ? null
                            : failover(f.fault().node(), f.startMs(), f.before().ownedBy(f.fault().node()), feeds, firstArrivals(), appended);
                    kills.add(new ChaosFigures.Kill(f.fault().node(), f.startMs(), failover));
                    if (failover == null) continue;
                    if (failover.firstMs() != null) firstMs.add(failover.firstMs());
                    failover.gaps().forEach(g -> partitionGapsMs.add(g.gapMs()));
                }
                case JOIN -> joins.add(join(f));
                default -> { }
            }
        }
        Map<String, Long> byName = new LinkedHashMap<>();
        byName.put("lost", anomalies.lost());
        byName.put("duplicated", anomalies.duplicated());
        byName.put("reordered", anomalies.reordered());
        byName.put("divergent", anomalies.divergent());
        return new ChaosFigures(byName, kills, ChaosFigures.Spread.of(firstMs), ChaosFigures.Spread.of(partitionGapsMs), cuts,
                ChaosFigures.Spread.of(cutGapsMs), joins, scrapes.repairs(), drained);
    }

    /** A join's figures over its window [start, settled] and the {@link #BASELINE_MS} before it. */
    private ChaosFigures.Join join(FaultFigures f) {
        Set<Integer> moved = moved(f.before(), f.after(), partitions);
        Set<Integer> unmoved = new TreeSet<>();
        for (int p = 0; p < partitions; p++) if (!moved.contains(p)) unmoved.add(p);
        long windowEnd = f.afterMs(); // the chaos run reads the ownership after a join once it settled
        long baselineFrom = Math.max(0, f.startMs() - BASELINE_MS);
        Delays movedDuring = applyDelays(appended, firstArrivals(), moved, f.startMs(), windowEnd);
        Delays movedBaseline = applyDelays(appended, firstArrivals(), moved, baselineFrom, f.startMs());
        Delays unmovedDuring = applyDelays(appended, firstArrivals(), unmoved, f.startMs(), windowEnd);
        Delays unmovedBaseline = applyDelays(appended, firstArrivals(), unmoved, baselineFrom, f.startMs());
        ChaosFigures.Runners runners = null;
        if (scrapes.reportsPartitionChanges()) {
            NodeScrapes.PartitionChanges changes = scrapes.partitionChanges(f.startMs(), windowEnd);
            runners = new ChaosFigures.Runners(changes.started(unmoved), changes.released(unmoved), changes.changed(unmoved),
                    changes.started(moved), changes.released(moved), changes.exact());
        }
        int owns = f.after() == null ? 0 : f.after().ownedBy(f.fault().node()).size();
        return new ChaosFigures.Join(f.fault().node(), f.startMs(), f.readyMs(), windowEnd, owns, f.before() != null, moved, unmoved,
                movedDuring, movedBaseline, stallMs(movedDuring, movedBaseline), unmovedDuring, unmovedBaseline,
                stallMs(unmovedDuring, unmovedBaseline), runners);
    }

    /** max(0, the window's max − the baseline's p99), or null when either has no record. */
    static Long stallMs(Delays during, Delays baseline) {
        return during.records() == 0 || baseline.records() == 0 ? null : Math.max(0, during.maxMs() - baseline.p99Ms());
    }

    /**
     * Prints each fault's lines and the failover spreads from {@code figures} (computed by
     * {@link #figures} over the same {@code faults}), with each join's details beside them.
     */
    void printFaults(ChaosFigures figures, List<FaultFigures> faults) {
        int kill = 0;
        int cut = 0;
        int join = 0;
        int skipped = 0;
        int never = 0;
        for (int i = 0; i < faults.size(); i++) {
            FaultFigures f = faults.get(i);
            switch (f.fault().kind()) {
                case KILL -> {
                    Failover failover = figures.kills().get(kill++).failover();
                    printKill(f, failover);
                    if (failover == null) continue;
                    skipped += failover.skipped().size();
                    never += failover.never().size();
                }
                case PARTITION, PARTITION_ONEWAY -> printKill(f, figures.cuts().get(cut++).failover());
                case JOIN -> printJoin(figures.joins().get(join++), f, i + 1 < faults.size() ? faults.get(i + 1).startMs() : Long.MAX_VALUE, faults);
                default -> out.printf("  %s %s at t=%.1fs, back or gone at t=%.1fs%n", f.fault().kind().label(),
                        f.fault().node(), f.startMs() / 1000.0, f.readyMs() / 1000.0);
            }
        }
        ChaosFigures.Spread first = figures.failoverFirst();
        if (first != null) {
            out.printf("  failover over %d kills: first change p50 %d ms, p99 %d ms, max %d ms%n", figures.kills().size(),
                    first.p50Ms(), first.p99Ms(), first.maxMs());
        }
        ChaosFigures.Spread perPartition = figures.failoverPerPartition();
        if (perPartition != null) {
            out.printf("  failover per partition over %d kills, %d partitions: p50 %d ms, p99 %d ms, max %d ms"
                            + " (%d skipped: no record to process; %d never processed again)%n", figures.kills().size(), perPartition.count(),
                    perPartition.p50Ms(), perPartition.p99Ms(), perPartition.maxMs(), skipped, never);
        }
        ChaosFigures.Spread cutPerPartition = figures.cutFailoverPerPartition();
        if (cutPerPartition != null) {
            out.printf("  failover across a partition over %d cuts, %d partitions: p50 %d ms, p99 %d ms, max %d ms%n", figures.cuts().size(),
                    cutPerPartition.count(), cutPerPartition.p50Ms(), cutPerPartition.p99Ms(), cutPerPartition.maxMs());
        }
    }

    private void printKill(FaultFigures f, Failover failover) {
        String head = String.format("  %s %s at t=%.1fs: ", f.fault().kind() == FaultSchedule.Kind.KILL ? "kill" : f.fault().kind().label(),
                f.fault().node(), f.startMs() / 1000.0);
        if (failover == null) {
            out.println(head + "failover n/a (no ownership in /v1/cluster)");
            return;
        }
        int owned = failover.gaps().size() + failover.skipped().size() + failover.never().size();
        out.println(head + "failover first change " + (failover.firstMs() == null
                ? "n/a (no change of its partitions on another node's feed)" : failover.firstMs() + " ms")
                + String.format("; %d partitions owned", owned));
        if (!failover.gaps().isEmpty()) {
            List<PartitionGap> bySize = new ArrayList<>(failover.gaps());
            bySize.sort(Comparator.comparingLong(PartitionGap::gapMs));
            List<Long> sorted = bySize.stream().map(PartitionGap::gapMs).toList();
            PartitionGap worst = bySize.get(bySize.size() - 1);
            StringBuilder each = new StringBuilder();
            for (PartitionGap g : failover.gaps()) each.append(each.isEmpty() ? "" : ", ").append('p').append(g.partition())
                    .append(' ').append(g.gapMs());
            out.printf("    processed again per partition: p50 %d ms, max %d ms (partition %d); each (ms): %s%n",
                    percentile(sorted, 0.50), worst.gapMs(), worst.partition(), each);
        }
        if (!failover.skipped().isEmpty() || !failover.never().isEmpty()) {
            out.printf("    skipped (no record to process after the kill): %s; never processed again: %s%n",
                    failover.skipped().isEmpty() ? "none" : failover.skipped(), failover.never().isEmpty() ? "none" : failover.never());
        }
    }

    /**
     * The failover of a kill at {@code killMs} of {@code dead}, which owned {@code owned}. First:
     * from the kill to the first change of any owned partition on another node's feed. Per owned
     * partition: from the kill to the first change of it, on another node's feed, of a record
     * acknowledged after the kill and first arriving on any feed after it: the partition is being
     * processed again. A partition with no applied record acknowledged after the kill is skipped
     * (nothing to process); one with some but none delivered by another node is never processed
     * again. (A record acknowledged a moment after the kill may have been appended, and even
     * applied by the dead node, just before it: the figure then reads low. It reads a little high
     * by the time the new owner takes to apply the records left from before the kill.)
     */
    static Failover failover(String dead, long killMs, Set<Integer> owned, List<FeedHistory> feeds,
                             Map<Long, Long> firstArrival, List<Appended> appended) {
        long first = Long.MAX_VALUE;
        Map<Integer, Long> gap = new TreeMap<>();
        // Only a record appended after the kill is surely processed by another node: a change of a
        // record from before it may be the dead node's last commit, fed by a replica after the kill
        // while the dead node's own feed never showed it (a demo reported 8 ms for every partition).
        Map<Long, Long> ackedAt = new HashMap<>();
        for (Appended a : appended) ackedAt.put(id(a.partition(), a.offset()), a.ackMs());
        for (FeedHistory feed : feeds) {
            if (feed.node().equals(dead)) continue;
            for (int p : owned) {
                long[] at = feed.arrivals(p);
                long[] versions = feed.versionsIn(p);
                boolean firstSeen = false;
                for (int i = 0; i < at.length; i++) {
                    if (at[i] <= killMs) continue;
                    if (!firstSeen) {
                        first = Math.min(first, at[i]);
                        firstSeen = true;
                    }
                    Long anywhere = firstArrival.get(id(p, versions[i]));
                    Long acked = ackedAt.get(id(p, versions[i]));
                    if (anywhere != null && anywhere > killMs && acked != null && acked > killMs) {
                        gap.merge(p, at[i] - killMs, Math::min);
                        break;
                    }
                }
            }
        }
        Set<Integer> toProcess = new TreeSet<>();
        for (Appended a : appended) {
            if (!a.applied() || !owned.contains(a.partition()) || a.ackMs() <= killMs) continue;
            toProcess.add(a.partition());
        }
        List<PartitionGap> gaps = new ArrayList<>();
        List<Integer> skipped = new ArrayList<>();
        List<Integer> never = new ArrayList<>();
        for (int p : new TreeSet<>(owned)) {
            if (gap.containsKey(p)) gaps.add(new PartitionGap(p, gap.get(p)));
            else if (toProcess.contains(p)) never.add(p);
            else skipped.add(p);
        }
        return new Failover(first == Long.MAX_VALUE ? null : first - killMs, gaps, skipped, never);
    }

    /**
     * The apply delays of the applied records of {@code partitions} whose batch was acknowledged in
     * [fromMs, toMs): the first arrival of the record's change on any feed minus the acknowledgement.
     * Dead letters produce no change and are skipped; records whose change never arrived count as missing.
     */
    static Delays applyDelays(List<Appended> appended, Map<Long, Long> firstArrival, Set<Integer> partitions,
                              long fromMs, long toMs) {
        List<Long> delays = new ArrayList<>();
        int missing = 0;
        for (Appended a : appended) {
            if (!a.applied() || a.ackMs() < fromMs || a.ackMs() >= toMs || !partitions.contains(a.partition())) continue;
            Long at = firstArrival.get(id(a.partition(), a.offset()));
            if (at == null) missing++;
            else delays.add(at - a.ackMs());
        }
        if (delays.isEmpty()) return new Delays(0, missing, 0, 0);
        delays.sort(null);
        return new Delays(delays.size(), missing, delays.get(delays.size() - 1), percentile(delays, 0.99));
    }

    /**
     * The longest apply delay of one partition's records acknowledged in [fromMs, toMs), when that
     * record was acknowledged, and its offset (-1 with no such record).
     */
    record Worst(int partition, long maxMs, long ackMs, long offset) {}

    static Worst worst(List<Appended> appended, Map<Long, Long> firstArrival, int partition, long fromMs, long toMs) {
        Worst worst = new Worst(partition, 0, -1, -1);
        for (Appended a : appended) {
            if (!a.applied() || a.partition() != partition || a.ackMs() < fromMs || a.ackMs() >= toMs) continue;
            Long at = firstArrival.get(id(a.partition(), a.offset()));
            if (at != null && at - a.ackMs() > worst.maxMs()) worst = new Worst(partition, at - a.ackMs(), a.ackMs(), a.offset());
        }
        return worst;
    }

    /**
     * When each feed delivered the change of {@code w}'s record, in ms after its acknowledgement
     * ({@code -} where a feed never did): whether the owner applied it late (every feed late) or
     * one feed's delivery lagged (the others on time).
     */
    static String perFeed(List<FeedHistory> feeds, Worst w) {
        StringBuilder line = new StringBuilder();
        for (FeedHistory feed : feeds.stream().sorted(Comparator.comparing(FeedHistory::node)).toList()) {
            long[] at = feed.arrivals(w.partition());
            long[] versions = feed.versionsIn(w.partition());
            long first = -1;
            for (int i = 0; i < at.length; i++) {
                if (versions[i] == w.offset() && (first < 0 || at[i] < first)) first = at[i];
            }
            line.append(line.isEmpty() ? "" : ", ").append(feed.node()).append(' ')
                    .append(first < 0 ? "-" : Long.toString(first - w.ackMs()));
        }
        return line.toString();
    }

    /** The first arrival on any feed of each change, by {@link #id(int, long)}. */
    static Map<Long, Long> firstArrivalIndex(FeedHistory firstArrivals) {
        Map<Long, Long> index = new HashMap<>();
        for (int p : firstArrivals.partitions()) {
            long[] at = firstArrivals.arrivals(p);
            long[] versions = firstArrivals.versionsIn(p);
            for (int i = 0; i < at.length; i++) index.merge(id(p, versions[i]), at[i], Math::min);
        }
        return index;
    }

    /** A change's identity: its partition and version (the record's offset, below 2^44). */
    static long id(int partition, long version) {
        return ((long) partition << 44) | version;
    }

    private Map<Long, Long> firstArrivals() {
        if (firstArrivalIndex == null) firstArrivalIndex = firstArrivalIndex(firstArrivals);
        return firstArrivalIndex;
    }

    /** Moved and unmoved partitions of a join: owner before the join versus owner when read after it. */
    static Set<Integer> moved(Ownership before, Ownership after, int partitions) {
        Set<Integer> moved = new TreeSet<>();
        if (before == null || after == null) return moved;
        for (int p = 0; p < partitions; p++) {
            String was = before.owners().get(p);
            String now = after.owners().get(p);
            if (was != null && now != null && !was.equals(now)) moved.add(p);
        }
        return moved;
    }

    /**
     * @param quietUntilMs when the next fault starts (or {@code Long.MAX_VALUE}): the control must end before it
     * @param all          every fault of the run: the quiet stretches lie away from each
     */
    private void printJoin(ChaosFigures.Join j, FaultFigures f, long quietUntilMs, List<FaultFigures> all) {
        long windowEnd = j.settledMs();
        out.printf("  join %s at t=%.1fs (ready at t=%.1fs; ownership settled at t=%.1fs, %s owns %d)%s%n", j.node(),
                j.startMs() / 1000.0, j.readyMs() / 1000.0, windowEnd / 1000.0, j.node(), j.owns(),
                j.ownershipShown() ? "" : ": no ownership in /v1/cluster, so no partition counts as moved");
        for (var group : List.of(Map.entry("moved", j.moved()), Map.entry("unmoved", j.unmoved()))) {
            Set<Integer> set = group.getValue();
            if (set.isEmpty()) {
                out.printf("    %-8s partitions: none%n", group.getKey());
                continue;
            }
            boolean isMoved = group.getKey().equals("moved");
            Delays during = isMoved ? j.movedDuring() : j.unmovedDuring();
            Delays baseline = isMoved ? j.movedBaseline() : j.unmovedBaseline();
            Long stallMs = isMoved ? j.movedStallMs() : j.unmovedStallMs();
            String stall = stallMs == null ? "n/a" : stallMs + " ms";
            out.printf("    %-8s partitions %s: apply delay join..settled %s; 5 s before %s; stall %s%n",
                    group.getKey(), set, figures(during, NEVER_ARRIVED), figures(baseline, NEVER_ARRIVED), stall);
            Delays appliedDuring = applyDelays(appended, appliedAt, set, f.startMs(), windowEnd);
            if (appliedDuring.records() > 0) {
                Delays appliedBaseline = applyDelays(appended, appliedAt, set, Math.max(0, f.startMs() - BASELINE_MS), f.startMs());
                out.printf("      on the nodes' clock (applied: first put on a node's feed): join..settled %s; 5 s before %s; stall %s%n",
                        figures(appliedDuring, NOT_LIVE), figures(appliedBaseline, NOT_LIVE), stall(appliedDuring, appliedBaseline));
            }
            if (group.getKey().equals("moved")) {
                StringBuilder each = new StringBuilder();
                for (int p : set) {
                    Worst w = worst(appended, firstArrivals(), p, f.startMs(), windowEnd);
                    if (w.ackMs() < 0) continue;
                    each.append(each.isEmpty() ? "" : ", ").append(String.format("p%d %d ms at t=%.1fs", p, w.maxMs(), w.ackMs() / 1000.0));
                }
                if (!each.isEmpty()) out.println("      longest per partition (appended at): " + each);
            } else {
                // Where the unmoved partitions' longest delays fall in the window (catch-up, handoff, ...).
                List<Worst> worst = new ArrayList<>();
                for (int p : set) {
                    Worst w = worst(appended, firstArrivals(), p, f.startMs(), windowEnd);
                    if (w.ackMs() >= 0) worst.add(w);
                }
                worst.sort(Comparator.comparingLong(Worst::maxMs).reversed());
                List<Worst> longest = worst.subList(0, Math.min(3, worst.size()));
                StringBuilder top = new StringBuilder();
                for (Worst w : longest) {
                    top.append(top.isEmpty() ? "" : ", ").append(String.format("p%d %d ms at t=%.1fs", w.partition(), w.maxMs(), w.ackMs() / 1000.0));
                }
                if (!top.isEmpty()) out.println("      longest three partitions (appended at): " + top);
                for (Worst w : longest) {
                    out.printf("        p%d's on each feed (ms after its acknowledgement): %s%n", w.partition(), perFeed(feeds, w));
                }
                phases(set, f, windowEnd, baseline);
                control(set, windowEnd - f.startMs(), windowEnd + CONTROL_AFTER_MS, quietUntilMs, during, appliedDuring);
                ranked(set, f.startMs(), windowEnd - f.startMs(), all, during, appliedDuring);
            }
        }
        printRunners(j.runners());
    }

    /**
     * How often a partition was started or released on any node during the join's window, from the
     * nodes' /metrics: for the unmoved partitions any such change is a pause the join caused,
     * whatever the delays read. The moved partitions' count (each moved at least once) shows the
     * counters were read.
     */
    private void printRunners(ChaosFigures.Runners r) {
        if (r == null) {
            out.println("    runner changes join..settled: n/a (no node reported its partition counters in /metrics)");
            return;
        }
        out.printf("    runner changes join..settled (the nodes' /metrics): unmoved partitions started %d, released %d%s;"
                        + " moved partitions started %d, released %d%s%n", r.unmovedStarted(), r.unmovedReleased(),
                r.unmovedChanged().isEmpty() ? "" : " " + r.unmovedChanged(), r.movedStarted(), r.movedReleased(),
                r.exact() ? "" : " (a node had no scrape before the join: its counts from its first scrape on)");
    }

    /**
     * The join window's longest unmoved delay against those of every quiet stretch of the run as
     * long as the window: no fault within {@link #CONTROL_AFTER_MS} of it, after the first
     * {@link #BASELINE_MS} and before production ended. Were the join to add nothing, its window
     * would be as likely as any of them to hold the longest delay: its rank is uniform over 1..n.
     * Rank 1 is the longest; a tie counts against the join.
     */
    private void ranked(Set<Integer> set, long windowStartMs, long windowMs, List<FaultFigures> all, Delays join, Delays appliedJoin) {
        long lastAckMs = lastAckMs();
        List<long[]> busy = new ArrayList<>();
        for (FaultFigures each : all) busy.add(new long[] {each.startMs(), Math.max(each.readyMs(), each.afterMs())});
        List<long[]> quiet = quietWindows(windowMs, BASELINE_MS, lastAckMs, busy, CONTROL_AFTER_MS);
        if (quiet.isEmpty() || join.records() == 0) {
            out.println("      quiet stretches as long as the window: none in this run");
            gcLine(windowStartMs, windowStartMs + windowMs, List.of());
            return;
        }
        List<Long> maxes = new ArrayList<>();
        List<Long> appliedMaxes = new ArrayList<>();
        for (long[] w : quiet) {
            Delays d = applyDelays(appended, firstArrivals(), set, w[0], w[1]);
            if (d.records() > 0) maxes.add(d.maxMs());
            Delays applied = applyDelays(appended, appliedAt, set, w[0], w[1]);
            if (applied.records() > 0) appliedMaxes.add(applied.maxMs());
        }
        StringBuilder line = new StringBuilder(String.format(
                "      quiet stretches as long as the window (%d, no fault within %d s): longest delay each %s ms, the join's %d ms ranks %d of %d, %s ms over their median",
                quiet.size(), CONTROL_AFTER_MS / 1000, sortedDescending(maxes), join.maxMs(), rank(join.maxMs(), maxes), maxes.size() + 1,
                overMedian(join.maxMs(), maxes)));
        if (appliedJoin.records() > 0 && !appliedMaxes.isEmpty()) {
            line.append(String.format("; on the nodes' clock %s ms, the join's %d ms ranks %d of %d, %s ms over their median",
                    sortedDescending(appliedMaxes), appliedJoin.maxMs(), rank(appliedJoin.maxMs(), appliedMaxes),
                    appliedMaxes.size() + 1, overMedian(appliedJoin.maxMs(), appliedMaxes)));
        }
        out.println(line.append(" (1 = longest)"));
        gcLine(windowStartMs, windowStartMs + windowMs, quiet);
    }

    /**
     * The nodes' collections in the join's window and in each quiet stretch, and the time their
     * collectors reported for them: every partition of a node waits out a pause, so a window that
     * holds more of them reads longer delays whatever else happens in it. The quiet stretches are
     * read from the once-a-second scrapes, so each reads up to a second wider at either end; the
     * join's window has its own scrapes at its edges.
     */
    private void gcLine(long fromMs, long toMs, List<long[]> quiet) {
        if (scrapes.size() == 0) {
            out.println("      nodes' collections: n/a (no node answered a scrape of /metrics)");
            return;
        }
        NodeScrapes.Gc join = scrapes.gc(fromMs, toMs);
        StringBuilder line = new StringBuilder(String.format("      nodes' collections (their /metrics): the join's window %d, %d ms",
                join.collections(), Math.round(join.seconds() * 1000)));
        if (!quiet.isEmpty()) {
            List<Long> counts = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            for (long[] w : quiet) {
                NodeScrapes.Gc each = scrapes.gc(w[0], w[1]);
                counts.add(each.collections());
                times.add(Math.round(each.seconds() * 1000));
            }
            line.append(String.format("; quiet stretches %s (median %s), each %s ms", joined(counts),
                    halfOrWhole(median(counts), false), joined(times)));
        }
        out.println(line);
    }

    /**
     * Windows of {@code lengthMs} laid end to end over [fromMs, toMs), each at least {@code marginMs}
     * away from every busy interval ({@code [start, end]} pairs, in any order).
     */
    static List<long[]> quietWindows(long lengthMs, long fromMs, long toMs, List<long[]> busy, long marginMs) {
        List<long[]> windows = new ArrayList<>();
        if (lengthMs <= 0) return windows;
        List<long[]> sorted = new ArrayList<>(busy);
        sorted.sort(Comparator.comparingLong(b -> b[0]));
        long cursor = fromMs;
        for (long[] b : sorted) {
            long freeEnd = Math.min(toMs, b[0] - marginMs);
            for (; cursor + lengthMs <= freeEnd; cursor += lengthMs) windows.add(new long[] {cursor, cursor + lengthMs});
            cursor = Math.max(cursor, b[1] + marginMs);
        }
        for (; cursor + lengthMs <= toMs; cursor += lengthMs) windows.add(new long[] {cursor, cursor + lengthMs});
        return windows;
    }

    /** 1 + how many of {@code others} are above {@code value}: a tie ranks the value first (against the join). */
    static int rank(long value, List<Long> others) {
        int rank = 1;
        for (long other : others) if (other > value) rank++;
        return rank;
    }

    /** When the last record was acknowledged: production's end, as the report sees it. */
    private long lastAckMs() {
        long last = 0;
        for (Appended a : appended) last = Math.max(last, a.ackMs());
        return last;
    }

    /** The median of {@code values} (not empty): the mean of the middle two for an even count. */
    static double median(List<? extends Number> values) {
        List<Double> sorted = new ArrayList<>();
        for (Number v : values) sorted.add(v.doubleValue());
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    /** {@code value} minus the median of {@code values}, signed. */
    static String overMedian(long value, List<Long> values) {
        return halfOrWhole(value - median(values), true);
    }

    /** A median or a difference from one: whole, or with the one decimal a median of an even count can have. */
    private static String halfOrWhole(double value, boolean signed) {
        return value == Math.rint(value) ? String.format(signed ? "%+d" : "%d", (long) value)
                : String.format(signed ? "%+.1f" : "%.1f", value);
    }

    private static String sortedDescending(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.reverseOrder());
        return joined(sorted);
    }

    private static String joined(List<Long> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    /**
     * The unmoved partitions' window in its two parts. Until the node is ready its JVM starts: it
     * is not yet a member, and what it costs the others is CPU on a machine they share. From ready
     * to settled it joins: membership, catch-up, handoffs. Each part's stall is against the same
     * baseline as the whole window's.
     */
    private void phases(Set<Integer> set, FaultFigures f, long windowEnd, Delays baseline) {
        if (f.readyMs() <= f.startMs() || f.readyMs() >= windowEnd) return;
        Delays starting = applyDelays(appended, firstArrivals(), set, f.startMs(), f.readyMs());
        Delays joining = applyDelays(appended, firstArrivals(), set, f.readyMs(), windowEnd);
        out.printf("      by phase: process start..ready (its JVM starting) max %d ms, p99 %d ms (%,d records), stall %s;"
                        + " ready..settled (joining, catching up, handoffs) max %d ms, p99 %d ms (%,d records), stall %s%n",
                starting.maxMs(), starting.p99Ms(), starting.records(), stall(starting, baseline),
                joining.maxMs(), joining.p99Ms(), joining.records(), stall(joining, baseline));
    }

    /** max(0, the window's max − the baseline's p99), or n/a when either has no record. */
    private static String stall(Delays during, Delays baseline) {
        Long ms = stallMs(during, baseline);
        return ms == null ? "n/a" : ms + " ms";
    }

    /**
     * The unmoved partitions' figures again over a control: a baseline and a window as long as the
     * join's, placed from {@code fromMs} on in a stretch with no fault, if the run has one before
     * {@code quietUntilMs} and before production ended. The stall it reads is this machine's noise.
     * It ends with the join window's max minus the control window's (same length, same partitions):
     * at or below 0, the join's longest delay is no longer than a quiet stretch's.
     */
    private void control(Set<Integer> set, long windowMs, long fromMs, long quietUntilMs, Delays join, Delays appliedJoin) {
        long lastAckMs = lastAckMs();
        long startMs = fromMs + BASELINE_MS;
        long endMs = startMs + windowMs;
        if (endMs > Math.min(quietUntilMs, lastAckMs)) {
            out.println("      control: n/a (no stretch without a fault as long as the join's window and its baseline)");
            return;
        }
        Delays during = applyDelays(appended, firstArrivals(), set, startMs, endMs);
        Delays baseline = applyDelays(appended, firstArrivals(), set, fromMs, startMs);
        String stall = stall(during, baseline);
        out.printf("      control, no fault, t=%.1fs..%.1fs: apply delay %s; 5 s before %s; stall %s; join max minus control max %s%n",
                startMs / 1000.0, endMs / 1000.0, figures(during, NEVER_ARRIVED), figures(baseline, NEVER_ARRIVED), stall,
                during.records() == 0 || join.records() == 0 ? "n/a" : String.format("%+d ms", join.maxMs() - during.maxMs()));
        Delays appliedDuring = applyDelays(appended, appliedAt, set, startMs, endMs);
        if (appliedDuring.records() > 0 && appliedJoin.records() > 0) {
            Delays appliedBaseline = applyDelays(appended, appliedAt, set, fromMs, startMs);
            out.printf("      control on the nodes' clock: %s; 5 s before %s; stall %s; join max minus control max %+d ms%n",
                    figures(appliedDuring, NOT_LIVE), figures(appliedBaseline, NOT_LIVE), stall(appliedDuring, appliedBaseline),
                    appliedJoin.maxMs() - appliedDuring.maxMs());
        }
    }

    /** {@code max M ms, p99 P ms (N records[, K <missing>])}. */
    private static String figures(Delays d, String missing) {
        return String.format("max %d ms, p99 %d ms (%,d records%s)", d.maxMs(), d.p99Ms(), d.records(),
                d.missing() == 0 ? "" : String.format(", %d %s", d.missing(), missing));
    }

    /** Changes per second (first arrival on any feed), ten seconds a line. */
    void timeline() {
        long lastMs = 0;
        List<Integer> all = new ArrayList<>();
        for (int p = 0; p < partitions; p++) all.add(p);
        for (int p : all) {
            long[] a = firstArrivals.arrivals(p);
            if (a.length > 0) lastMs = Math.max(lastMs, a[a.length - 1]);
        }
        int seconds = (int) (lastMs / 1000) + 1;
        long[] perSecond = new long[seconds];
        for (int p : all) for (long at : firstArrivals.arrivals(p)) perSecond[(int) (at / 1000)]++;
        out.println("  throughput timeline (changes/s, first arrival on any feed):");
        for (int s = 0; s < seconds; s += 10) {
            StringBuilder line = new StringBuilder(String.format("    t=%3ds", s));
            for (int i = s; i < Math.min(seconds, s + 10); i++) line.append(String.format(" %6d", perSecond[i]));
            out.println(line);
        }
    }

    static long percentile(List<Long> sorted, double q) {
        int index = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
        return sorted.get(Math.max(0, index));
    }
}
