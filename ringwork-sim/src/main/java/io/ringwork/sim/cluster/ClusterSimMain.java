package io.ringwork.sim.cluster;

import io.ringwork.sim.SimulationFailure;

/**
 * Runs many seeds of {@link ClusterSimulation}: {@code ClusterSimMain [seeds=1000] [firstSeed=1]
 * [reportOnly=Invariant,Invariant]}; the third argument names invariants to count rather than fail
 * (to look past known findings; the final line says which).
 * Prints progress every 100 seeds, each violation with its replay hint, and a final line with
 * seeds run, violations, total simulated time and wall time. Exits 1 if any seed failed.
 */
public final class ClusterSimMain {
    private ClusterSimMain() {}

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        long first = args.length > 1 ? Long.parseLong(args[1]) : 1;
        java.util.Set<String> reportOnly = args.length > 2 ? java.util.Set.of(args[2].split(",")) : java.util.Set.of();
        ClusterConfig config = ClusterConfig.defaults().withReportOnly(reportOnly);
        java.util.Map<String, Long> reported = new java.util.TreeMap<>();
        java.util.Map<String, Long> seedsReporting = new java.util.TreeMap<>();
        long startNs = System.nanoTime(); // wall time for the report only; the simulation never reads it
        long simulatedMs = 0;
        long splitQuorumSteps = 0;
        long repairs = 0;
        long gateHolds = 0;
        long gateTimeouts = 0;
        long lingeringVotes = 0;
        long sightingHolds = 0;
        int violations = 0;
        for (int i = 0; i < seeds; i++) {
            long seed = first + i;
            try {
                ClusterSimulation.Report report = ClusterSimulation.run(seed, config);
                simulatedMs += report.simulatedMs();
                splitQuorumSteps += report.splitQuorumSteps();
                repairs += report.repairs();
                gateHolds += report.gateHolds();
                gateTimeouts += report.gateTimeouts();
                lingeringVotes += report.lingeringVotes();
                sightingHolds += report.sightingHolds();
                report.reported().forEach((name, count) -> {
                    reported.merge(name, count, Long::sum);
                    seedsReporting.merge(name, 1L, Long::sum);
                });
            } catch (SimulationFailure e) {
                violations++;
                System.out.println("VIOLATION seed " + seed + ": " + e.getMessage() + "  -> replay: SEED=" + seed);
            }
            if ((i + 1) % 100 == 0) {
                System.out.printf("%d/%d seeds, %d violations, %.1f s wall%n", i + 1, seeds, violations,
                        (System.nanoTime() - startNs) / 1e9);
            }
        }
        System.out.printf("seeds run %d (from %d), violations %d, simulated %.1f s, wall %.1f s, split-quorum steps %d, "
                        + "anti-entropy repairs %d, handoffs held by the gate %d (%d went ahead at its time limit), "
                        + "commits durable only by a displaced member's vote %d, starts held because another member was heard leading %d%n",
                seeds, first, violations, simulatedMs / 1e3, (System.nanoTime() - startNs) / 1e9, splitQuorumSteps, repairs,
                gateHolds, gateTimeouts, lingeringVotes, sightingHolds);
        if (!reportOnly.isEmpty()) {
            System.out.println("counted, not failed (" + reportOnly + "): violations " + reported + " in seeds " + seedsReporting);
        }
        if (violations > 0) System.exit(1);
    }
}
