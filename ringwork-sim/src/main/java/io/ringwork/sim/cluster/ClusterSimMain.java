package io.ringwork.sim.cluster;

import io.ringwork.sim.SimulationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs many seeds of {@link ClusterSimulation}: {@code ClusterSimMain [seeds=1000] [firstSeed=1]
 * [reportOnly=Invariant,Invariant] [--classic] [--each]}. Each seed runs its own swarm
 * configuration ({@link Swarm}); {@code --classic} runs every seed with the fixed classic one
 * instead. The third argument names invariants to count rather than fail (to look past known
 * findings; the final line says which); {@code -} names none. Prints progress every 100 seeds,
 * each violation with its configuration and replay hint, with {@code --each} a line per seed, and
 * at the end the seeds run, violations, simulated and wall time, and how the configurations were
 * spread. Exits 1 if any seed failed.
 */
public final class ClusterSimMain {
    private ClusterSimMain() {}

    public static void main(String[] args) {
        List<String> positional = new ArrayList<>();
        boolean classic = false;
        boolean each = false;
        for (String arg : args) {
            if (arg.equals("--classic")) classic = true;
            else if (arg.equals("--each")) each = true;
            else positional.add(arg);
        }
        int seeds = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 1_000;
        long first = positional.size() > 1 ? Long.parseLong(positional.get(1)) : 1;
        Set<String> reportOnly = positional.size() > 2 && !positional.get(2).equals("-") ? Set.of(positional.get(2).split(",")) : Set.of();
        ClusterConfig base = ClusterConfig.defaults().withReportOnly(reportOnly);
        Map<String, Long> reported = new TreeMap<>();
        Map<String, Long> seedsReporting = new TreeMap<>();
        Spread spread = new Spread();
        long startNs = System.nanoTime(); // wall time for the report only; the simulation never reads it
        long simulatedMs = 0;
        long splitQuorumSteps = 0;
        long repairs = 0;
        long gateHolds = 0;
        long gateTimeouts = 0;
        long lingeringVotes = 0;
        long sightingHolds = 0;
        long restartsChecked = 0;
        long sharedEpochs = 0;
        long promisesChecked = 0;
        long kvOperations = 0;
        long kvIndeterminate = 0;
        long kvUnchecked = 0;
        long electionRecords = 0;
        long electionTokens = 0;
        long sessionsExpired = 0;
        long jumpsWithoutPage = 0;
        long faults = 0;
        long lost = 0;
        int violations = 0;
        for (int i = 0; i < seeds; i++) {
            long seed = first + i;
            ClusterConfig config = classic ? base : Swarm.draw(seed, base);
            spread.add(config);
            try {
                ClusterSimulation.Report report = ClusterSimulation.run(seed, config);
                simulatedMs += report.simulatedMs();
                splitQuorumSteps += report.splitQuorumSteps();
                repairs += report.repairs();
                gateHolds += report.gateHolds();
                gateTimeouts += report.gateTimeouts();
                lingeringVotes += report.lingeringVotes();
                sightingHolds += report.sightingHolds();
                restartsChecked += report.restartsChecked();
                sharedEpochs += report.sharedEpochNumbers();
                promisesChecked += report.promisesChecked();
                kvOperations += report.kvOperations();
                kvIndeterminate += report.kvIndeterminate();
                kvUnchecked += report.kvUnchecked();
                electionRecords += report.electionRecords();
                electionTokens += report.electionTokens();
                sessionsExpired += report.sessionsExpired();
                jumpsWithoutPage += report.jumpsWithoutPage();
                faults += report.faults();
                lost += report.lost();
                report.reported().forEach((name, count) -> {
                    reported.merge(name, count, Long::sum);
                    seedsReporting.merge(name, 1L, Long::sum);
                });
                if (each) {
                    System.out.printf("seed=%d %s: ok, %d faults, %d messages lost, drained in %d ms%n", seed, config.describe(),
                            report.faults(), report.lost(), report.drainMs());
                }
            } catch (SimulationFailure e) {
                violations++;
                System.out.println("VIOLATION seed=" + seed + " " + config.describe() + ": " + e.getMessage() + "  -> replay: SEED=" + seed);
            }
            if ((i + 1) % 100 == 0) {
                System.out.printf("%d/%d seeds, %d violations, %.1f s wall%n", i + 1, seeds, violations,
                        (System.nanoTime() - startNs) / 1e9);
            }
        }
        System.out.printf("seeds run %d (from %d, %s), violations %d, simulated %.1f s, wall %.1f s, faults %d, messages lost %d, "
                        + "split-quorum steps %d, anti-entropy repairs %d, handoffs held by the gate %d (%d went ahead at its time limit), "
                        + "commits durable only by a displaced member's vote %d, starts held because another member was heard leading %d, "
                        + "restarted terms checked against the pre-crash ones %d, epoch numbers shared by two durable owners %d, "
                        + "durable commits checked against the stores' promises %d, "
                        + "key-value operations checked for linearizability %d (%d indeterminate; %d seeds over the checker's budget), "
                        + "election records %d and leader tokens checked (one holder each, increasing) %d, "
                        + "sessions expired by the keepers, none before its TTL after its last keepalive %d, "
                        + "feeds that jumped by a commit taken while snapshotting, with no page (node, partition) %d%n",
                seeds, first, classic ? "classic" : "swarm", violations, simulatedMs / 1e3, (System.nanoTime() - startNs) / 1e9, faults,
                lost, splitQuorumSteps, repairs, gateHolds, gateTimeouts, lingeringVotes, sightingHolds, restartsChecked, sharedEpochs,
                promisesChecked, kvOperations, kvIndeterminate, kvUnchecked, electionRecords, electionTokens, sessionsExpired,
                jumpsWithoutPage);
        if (!classic) System.out.print(spread);
        if (!reportOnly.isEmpty()) {
            System.out.println("counted, not failed (" + reportOnly + "): violations " + reported + " in seeds " + seedsReporting);
        }
        if (violations > 0) System.exit(1);
    }

    /** How the seeds' configurations were spread: counts per value or bucket. */
    static final class Spread {
        private final Map<String, Map<String, Integer>> counts = new TreeMap<>();

        void add(ClusterConfig c) {
            count("nodes (initial)", String.valueOf(c.initialNodes()));
            count("partitions", c.partitions() <= 4 ? "1-4" : c.partitions() <= 8 ? "5-8" : c.partitions() <= 12 ? "9-12" : "13-16");
            count("rf", String.valueOf(c.replicationFactor()));
            count("loss", c.faults().baseLoss() == 0 ? "0" : c.faults().baseLoss() < 0.02 ? "<2%" : "2-5%");
            count("oneWay", c.faults().oneWayCut() + c.faults().oneWayIsolation() > 0 ? "on" : "off");
            count("symmetric partitions", c.faults().partition() > 0 ? "on" : "off");
            count("maxDown", String.valueOf(c.faults().maxDown()));
            count("pushPull", c.joinPushPull() ? "on" : "off");
            for (FaultMix.Kind kind : FaultMix.Kind.values()) {
                if (c.faults().weight(kind) == 0) count("kinds switched off", kind.name().toLowerCase().replace('_', '-'));
            }
        }

        private void count(String what, String value) {
            counts.computeIfAbsent(what, x -> new TreeMap<>()).merge(value, 1, Integer::sum);
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder("configurations:\n");
            counts.forEach((what, values) -> out.append("  ").append(what).append(": ").append(values).append('\n'));
            return out.toString();
        }
    }
}
