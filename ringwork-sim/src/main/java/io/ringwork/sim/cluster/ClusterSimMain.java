package io.ringwork.sim.cluster;

import io.ringwork.sim.SimulationFailure;

/**
 * Runs many seeds of {@link ClusterSimulation}: {@code ClusterSimMain [seeds=1000] [firstSeed=1]}.
 * Prints progress every 100 seeds, each violation with its replay hint, and a final line with
 * seeds run, violations, total simulated time and wall time. Exits 1 if any seed failed.
 */
public final class ClusterSimMain {
    private ClusterSimMain() {}

    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        long first = args.length > 1 ? Long.parseLong(args[1]) : 1;
        ClusterConfig config = ClusterConfig.defaults();
        long startNs = System.nanoTime(); // wall time for the report only; the simulation never reads it
        long simulatedMs = 0;
        long splitQuorumSteps = 0;
        int violations = 0;
        for (int i = 0; i < seeds; i++) {
            long seed = first + i;
            try {
                ClusterSimulation.Report report = ClusterSimulation.run(seed, config);
                simulatedMs += report.simulatedMs();
                splitQuorumSteps += report.splitQuorumSteps();
            } catch (SimulationFailure e) {
                violations++;
                System.out.println("VIOLATION seed " + seed + ": " + e.getMessage() + "  -> replay: SEED=" + seed);
            }
            if ((i + 1) % 100 == 0) {
                System.out.printf("%d/%d seeds, %d violations, %.1f s wall%n", i + 1, seeds, violations,
                        (System.nanoTime() - startNs) / 1e9);
            }
        }
        System.out.printf("seeds run %d (from %d), violations %d, simulated %.1f s, wall %.1f s, split-quorum steps %d%n",
                seeds, first, violations, simulatedMs / 1e3, (System.nanoTime() - startNs) / 1e9, splitQuorumSteps);
        if (violations > 0) System.exit(1);
    }
}
