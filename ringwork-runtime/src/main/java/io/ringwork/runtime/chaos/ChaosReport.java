package io.ringwork.runtime.chaos;

import io.ringwork.runtime.chaos.ChaosCluster.Ownership;
import io.ringwork.runtime.chaos.FaultSchedule.Fault;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The figures of a chaos run, measured on the feeds after it: the failover gap of every kill, the
 * stall of moved and unmoved partitions around every join, and the throughput timeline.
 * Times are ms since the run started.
 */
final class ChaosReport {
    /** A join's window: from the join until this long after the node is ready. */
    static final long STALL_AFTER_MS = 5_000;
    /** The baseline window: this long before the join. */
    static final long BASELINE_MS = 5_000;

    record FaultFigures(Fault fault, long startMs, long readyMs, Ownership before, Ownership after) {}

    private final PrintStream out;
    private final FeedHistory firstArrivals;
    private final List<FeedHistory> feeds;
    private final int partitions;

    ChaosReport(PrintStream out, FeedHistory firstArrivals, List<FeedHistory> feeds, int partitions) {
        this.out = out;
        this.firstArrivals = firstArrivals;
        this.feeds = feeds;
        this.partitions = partitions;
    }

    void faults(List<FaultFigures> faults) {
        List<Long> gapsMs = new ArrayList<>();
        for (FaultFigures f : faults) {
            switch (f.fault().kind()) {
                case KILL -> {
                    Long gap = failoverGapMs(f);
                    if (gap != null) gapsMs.add(gap);
                    out.printf("  kill %s at t=%.1fs: failover gap %s%n", f.fault().node(), f.startMs() / 1000.0,
                            gap == null ? "n/a (" + (f.before() == null ? "no ownership in /v1/cluster"
                                    : "no change of its partitions on another node's feed") + ")" : gap + " ms");
                }
                case JOIN -> joinStall(f);
                default -> out.printf("  %s %s at t=%.1fs, back or gone at t=%.1fs%n", f.fault().kind().label(),
                        f.fault().node(), f.startMs() / 1000.0, f.readyMs() / 1000.0);
            }
        }
        if (!gapsMs.isEmpty()) {
            gapsMs.sort(null);
            out.printf("  failover gap over %d kills: p50 %d ms, p99 %d ms%n", gapsMs.size(),
                    percentile(gapsMs, 0.50), percentile(gapsMs, 0.99));
        }
    }

    /** From the SIGKILL to the first change of a partition the dead node owned, on any other node's feed. */
    private Long failoverGapMs(FaultFigures f) {
        if (f.before() == null) return null;
        Set<Integer> owned = f.before().ownedBy(f.fault().node());
        if (owned.isEmpty()) return null;
        long first = Long.MAX_VALUE;
        for (FeedHistory feed : feeds) {
            if (feed.node().equals(f.fault().node())) continue;
            for (int p : owned) {
                for (long at : feed.arrivals(p)) {
                    if (at > f.startMs()) {
                        first = Math.min(first, at);
                        break;
                    }
                }
            }
        }
        return first == Long.MAX_VALUE ? null : first - f.startMs();
    }

    private void joinStall(FaultFigures f) {
        Set<Integer> moved = new TreeSet<>();
        if (f.before() != null && f.after() != null) {
            for (int p = 0; p < partitions; p++) {
                String was = f.before().owners().get(p);
                String now = f.after().owners().get(p);
                if (was != null && now != null && !was.equals(now)) moved.add(p);
            }
        }
        List<Integer> unmoved = new ArrayList<>();
        for (int p = 0; p < partitions; p++) if (!moved.contains(p)) unmoved.add(p);
        long windowEnd = f.readyMs() + STALL_AFTER_MS;
        out.printf("  join %s at t=%.1fs (ready at t=%.1fs)%s%n", f.fault().node(), f.startMs() / 1000.0, f.readyMs() / 1000.0,
                f.before() == null ? ": no ownership in /v1/cluster, so no partition counts as moved" : "");
        for (var group : List.of(new Object[] {"moved", new ArrayList<>(moved)}, new Object[] {"unmoved", unmoved})) {
            @SuppressWarnings("unchecked") List<Integer> set = (List<Integer>) group[1];
            if (set.isEmpty()) {
                out.printf("    %-8s partitions: none%n", group[0]);
                continue;
            }
            long raw = longestGapMs(set, f.startMs(), windowEnd);
            long baseline = longestGapMs(set, Math.max(0, f.startMs() - BASELINE_MS), f.startMs());
            out.printf("    %-8s partitions: %2d, longest gap between changes %d ms (baseline before the join %d ms), stall %d ms%n",
                    group[0], set.size(), raw, baseline, Math.max(0, raw - baseline));
        }
    }

    /** The longest time without a change in any of {@code partitions} within [from, to], counting the window's edges. */
    private long longestGapMs(List<Integer> partitions, long from, long to) {
        long longest = 0;
        for (int p : partitions) {
            long previous = from;
            for (long at : firstArrivals.arrivals(p)) {
                if (at < from) continue;
                if (at > to) break;
                longest = Math.max(longest, at - previous);
                previous = at;
            }
            longest = Math.max(longest, to - previous);
        }
        return longest;
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
