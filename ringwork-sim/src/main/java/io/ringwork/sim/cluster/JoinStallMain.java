package io.ringwork.sim.cluster;

import io.ringwork.sim.SimulationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs {@link JoinStall} over many seeds: {@code JoinStallMain [seeds=100] [firstSeed=1]}. Prints a
 * line per seed (with {@code --each}) or every 20 seeds, then, for unmoved and for moved partitions,
 * the longest wait before and during the join (median and max over the seeds), the seeds where the
 * unmoved partitions' wait during the join exceeded the one before, and how often an unmoved
 * partition's runners changed. Exits 1 if any seed failed.
 */
public final class JoinStallMain {
    private JoinStallMain() {}

    public static void main(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        boolean each = rest.remove("--each");
        int seeds = rest.size() > 0 ? Integer.parseInt(rest.get(0)) : 100;
        long first = rest.size() > 1 ? Long.parseLong(rest.get(1)) : 1;
        long startNs = System.nanoTime(); // wall time for the report only; the simulation never reads it
        List<Long> unmovedBefore = new ArrayList<>();
        List<Long> unmovedDuring = new ArrayList<>();
        List<Long> movedBefore = new ArrayList<>();
        List<Long> movedDuring = new ArrayList<>();
        List<Long> settleMs = new ArrayList<>();
        int above = 0;
        int unmovedChanges = 0;
        int movedChanges = 0;
        long sightingHolds = 0;
        int violations = 0;
        for (int i = 0; i < seeds; i++) {
            long seed = first + i;
            try {
                JoinStall.Report r = JoinStall.run(seed, JoinStall.config());
                unmovedBefore.add(r.unmovedBefore().maxMs());
                unmovedDuring.add(r.unmovedDuring().maxMs());
                movedBefore.add(r.movedBefore().maxMs());
                movedDuring.add(r.movedDuring().maxMs());
                settleMs.add(r.settledMs() - r.joinMs());
                if (r.unmovedDuring().maxMs() > r.unmovedBefore().maxMs()) above++;
                unmovedChanges += r.unmovedRunnerChanges();
                movedChanges += r.movedRunnerChanges();
                sightingHolds += r.sightingHolds();
                if (each) printSeed(r);
            } catch (SimulationFailure e) {
                violations++;
                System.out.println("VIOLATION seed " + seed + ": " + e.getMessage() + "  -> replay: SEED=" + seed);
            }
            if (!each && (i + 1) % 20 == 0) {
                System.out.printf("%d/%d seeds, %d violations, %.1f s wall%n", i + 1, seeds, violations,
                        (System.nanoTime() - startNs) / 1e9);
            }
        }
        System.out.printf("seeds run %d (from %d), violations %d, wall %.1f s; ownership settled %s after the join%n",
                seeds, first, violations, (System.nanoTime() - startNs) / 1e9, spread(settleMs));
        System.out.printf("unmoved partitions: longest wait (append to quorum, simulated ms) 5 s before the join %s, "
                + "join to settled %s; during above before in %d of %d seeds; runner changes %d%n",
                spread(unmovedBefore), spread(unmovedDuring), above, unmovedDuring.size(), unmovedChanges);
        System.out.printf("moved partitions: longest wait 5 s before the join %s, join to settled %s; runner changes %d; "
                + "starts held because another member was heard leading %d%n",
                spread(movedBefore), spread(movedDuring), movedChanges, sightingHolds);
        if (violations > 0) System.exit(1);
    }

    private static void printSeed(JoinStall.Report r) {
        System.out.printf("seed %d: settled %d ms after the join; unmoved %s: longest wait before %d ms, during %d ms"
                        + " (%d records), runner changes %d; moved %s: before %d ms, during %d ms (%d records), runner changes %d%n",
                r.seed(), r.settledMs() - r.joinMs(), r.unmoved(), r.unmovedBefore().maxMs(), r.unmovedDuring().maxMs(),
                r.unmovedDuring().records(), r.unmovedRunnerChanges(), r.moved(), r.movedBefore().maxMs(),
                r.movedDuring().maxMs(), r.movedDuring().records(), r.movedRunnerChanges());
    }

    /** "median M ms, max X ms" over the seeds. */
    private static String spread(List<Long> values) {
        if (values.isEmpty()) return "n/a";
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return "median " + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms";
    }
}
