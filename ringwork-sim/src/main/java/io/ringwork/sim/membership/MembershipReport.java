package io.ringwork.sim.membership;

import io.ringwork.core.membership.MemberEvent;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Lane;
import io.ringwork.sim.SimNetwork;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Prints the membership figures of issue 3 from the deterministic simulator: failure detection
 * times, gossip traffic, false positives under loss with and without Lifeguard, and convergence
 * after a join and after a partition heals. Every run is seeded; the same command prints the
 * same table. Usage: {@code MembershipReport [--quick | --acceptance | --full] [--nodes LIST]
 * [--sections LIST]} (full is the default); --acceptance prints only the rows the issue's
 * acceptance names, with 20 seeds; --nodes and --sections split the long full run.
 *
 * <p>Definitions are printed with every table (see {@link #DEFINITIONS}); all times are simulated
 * ms from the fault, medians over seeds. Gossip bytes = encoded best-effort packets (probes, acks,
 * piggybacked and round gossip) sent per node per second in steady state; sync = reliable-lane
 * push-pull bytes.
 */
public final class MembershipReport {
    static final String DEFINITIONS = """
            Definitions (times in simulated ms from the crash, medians over seeds):
              first-suspect  first detection, suspicion: the first member marks the crashed node SUSPECT
              first-dead     first detection, declared: the first member declares it dead (FAILED)
              all-dead       everyone knows: every surviving member has declared it dead
              fp/node-h      false positives: distinct (member, incarnation) pairs declared dead by anyone
                             while the member was running, per node-hour of simulated time under loss
            """;

    private enum Mode { QUICK, ACCEPTANCE, FULL }

    /** Runs and simulated duration of one false-positive row. */
    private record Plan(int runs, long durationMs) {}

    private static final String USAGE = """
            usage: MembershipReport [--quick | --acceptance | --full] [--nodes 10,100,1000] [--sections detection,fp,convergence]
              --nodes and --sections restrict a quick or full report to some cluster sizes or tables,
              e.g. to run the costly 1,000-node rows on their own""";
    private static final List<String> SECTIONS = List.of("detection", "fp", "convergence");

    private final Mode mode;
    private final List<Integer> sizes;
    private final List<String> sections;

    private MembershipReport(Mode mode, List<Integer> sizes, List<String> sections) {
        this.mode = mode;
        this.sizes = sizes;
        this.sections = sections;
    }

    public static void main(String[] args) {
        Mode mode = Mode.FULL;
        List<Integer> sizes = List.of(10, 100, 1000);
        List<String> sections = SECTIONS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> mode = Mode.QUICK;
                case "--acceptance" -> mode = Mode.ACCEPTANCE;
                case "--full" -> mode = Mode.FULL;
                case "--nodes" -> sizes = i + 1 < args.length ? parseSizes(args[++i]) : null;
                case "--sections" -> sections = i + 1 < args.length ? List.of(args[++i].split(",")) : null;
                default -> sizes = null;
            }
        }
        if (sizes == null || sections == null || !SECTIONS.containsAll(sections)) {
            System.err.println(USAGE);
            System.exit(2);
        }
        long startNs = System.nanoTime();
        MembershipReport report = new MembershipReport(mode, sizes, sections);
        if (mode == Mode.ACCEPTANCE) report.printAcceptance();
        else report.print();
        System.out.printf(Locale.ROOT, "%n(report took %.0f s of wall time)%n", (System.nanoTime() - startNs) / 1e9);
    }

    /** Comma-separated cluster sizes, each at least 3; null if malformed. */
    private static List<Integer> parseSizes(String text) {
        try {
            List<Integer> sizes = Arrays.stream(text.split(",")).map(String::trim).map(Integer::valueOf).toList();
            return sizes.stream().allMatch(n -> n >= 3) ? sizes : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private boolean quick() {
        return mode == Mode.QUICK;
    }

    private int seedsFor(int nodes) {
        // 1,000-node runs cost ~100x a 100-node run; fewer seeds keep the full report within minutes.
        return nodes >= 1000 ? (quick() ? 1 : 3) : quick() ? 5 : 20;
    }

    /**
     * Node-hours per false-positive row. 1,000 nodes get one 20 s run: under 30 % loss without
     * Lifeguard the churn of false deaths makes a simulated second cost ~15x a quiet one.
     */
    private Plan falsePositivePlan(int nodes) {
        if (nodes >= 1000) return new Plan(1, quick() ? 10_000 : 20_000);
        if (nodes >= 100) return quick() ? new Plan(3, 120_000) : new Plan(10, 300_000);
        return quick() ? new Plan(5, 120_000) : new Plan(20, 300_000);
    }

    private void print() {
        int[] periods = {200, 1000};
        System.out.println("# ringwork membership report (" + (quick() ? "quick" : "full") + "), simulator, LAN links 1-5 ms");
        System.out.println();
        System.out.print(DEFINITIONS);
        if (sections.contains("detection")) {
            System.out.println();
            System.out.println("## Crash detection and steady-state traffic (medians)");
            printDetectionHeader();
            for (int nodes : sizes) {
                for (int periodMs : periods) printDetection(nodes, periodMs);
            }
        }
        if (sections.contains("fp")) {
            System.out.println();
            System.out.println("## False positives per node-hour (running members declared dead)");
            printFalsePositiveHeader();
            for (int nodes : sizes) {
                Plan plan = falsePositivePlan(nodes);
                for (int periodMs : periods) {
                    for (double loss : new double[]{0, 0.10, 0.30}) {
                        for (boolean lifeguard : new boolean[]{true, false}) {
                            printFalsePositives(nodes, periodMs, loss, lifeguard, plan.runs(), plan.durationMs());
                        }
                    }
                }
            }
        }
        if (sections.contains("convergence")) {
            System.out.println();
            System.out.println("## Convergence (medians)");
            System.out.printf(Locale.ROOT, "%6s %7s %5s %16s %22s%n", "nodes", "period", "seeds", "after join ms",
                    "after partition heal ms");
            for (int nodes : sizes) {
                for (int periodMs : periods) printConvergence(nodes, periodMs);
            }
        }
    }

    /** Only the rows issue 3's acceptance names: 100 nodes, 200 ms, 20 seeds; false positives at 10 % loss. */
    private void printAcceptance() {
        System.out.println("# ringwork membership acceptance rows, simulator, LAN links 1-5 ms");
        System.out.println();
        System.out.print(DEFINITIONS);
        System.out.println();
        printDetectionHeader();
        printDetection(100, 200);
        System.out.println();
        printFalsePositiveHeader();
        for (boolean lifeguard : new boolean[]{true, false}) printFalsePositives(100, 200, 0.10, lifeguard, 20, 300_000);
    }

    private static void printDetectionHeader() {
        System.out.printf(Locale.ROOT, "%6s %7s %5s %14s %11s %10s %16s %14s%n", "nodes", "period", "seeds",
                "first-suspect", "first-dead", "all-dead", "gossip B/node/s", "sync B/node/s");
    }

    private static void printFalsePositiveHeader() {
        System.out.printf(Locale.ROOT, "%6s %7s %5s %9s %5s %8s %10s %12s %12s%n", "nodes", "period", "loss",
                "lifeguard", "runs", "run s", "episodes", "node-hours", "fp/node-h");
    }

    // ---------------------------------------------------------------- detection

    private record Detection(long firstSuspectMs, long firstDeadMs, long allDeadMs, double gossipBytesPerNodeS,
                             double syncBytesPerNodeS) {}

    private void printDetection(int nodes, int periodMs) {
        List<Detection> runs = new ArrayList<>();
        for (int s = 0; s < seedsFor(nodes); s++) runs.add(detection(nodes, periodMs, 1_000L * nodes + periodMs + s));
        System.out.printf(Locale.ROOT, "%6d %5dms %5d %12dms %9dms %8dms %16.0f %14.0f%n", nodes, periodMs, runs.size(),
                median(runs, Detection::firstSuspectMs), median(runs, Detection::firstDeadMs),
                median(runs, Detection::allDeadMs), medianDouble(runs.stream().mapToDouble(Detection::gossipBytesPerNodeS).toArray()),
                medianDouble(runs.stream().mapToDouble(Detection::syncBytesPerNodeS).toArray()));
    }

    static Detection detection(int nodes, int periodMs, long seed) {
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(nodes)
                .config(MembershipConfig.forPeriod("report", periodMs)).build();
        String victim = "n" + (1 + RandomSource.seeded(seed).nextInt(nodes - 1));
        long[] firsts = {-1, -1};
        Set<String> knowers = new HashSet<>();
        cluster.onEvent((observer, event) -> {
            if (!event.member().id().equals(victim)) return;
            if (event.kind() == MemberEvent.Kind.SUSPECT && firsts[0] < 0) firsts[0] = event.atMs();
            if (event.kind() == MemberEvent.Kind.FAILED) {
                if (firsts[1] < 0) firsts[1] = event.atMs();
                knowers.add(observer.id());
            }
        });
        cluster.startConverged().runFor(warmupMs(nodes, periodMs));
        SimNetwork network = cluster.network();
        long bestEffort = network.sentBytes(Lane.BEST_EFFORT), reliable = network.sentBytes(Lane.RELIABLE);
        long windowMs = 30L * periodMs;
        cluster.runFor(windowMs);
        double perNodeSecond = 1000.0 / windowMs / nodes;
        double gossip = (network.sentBytes(Lane.BEST_EFFORT) - bestEffort) * perNodeSecond;
        double sync = (network.sentBytes(Lane.RELIABLE) - reliable) * perNodeSecond;
        firsts[0] = -1;
        firsts[1] = -1;
        long crashedAtMs = cluster.nowMs();
        cluster.crash(victim);
        long limitMs = crashedAtMs + 300L * periodMs;
        while (knowers.size() < nodes - 1 && cluster.nowMs() < limitMs) cluster.runFor(10);
        long allDeadMs = knowers.size() == nodes - 1 ? cluster.nowMs() - crashedAtMs : -1;
        return new Detection(firsts[0] - crashedAtMs, firsts[1] - crashedAtMs, allDeadMs, gossip, sync);
    }

    /** Long enough for the bootstrap's flood of "alive" gossip to drain before measuring. */
    private static long warmupMs(int nodes, int periodMs) {
        return Math.max(40L * periodMs, nodes >= 1000 ? 20_000 : 10_000);
    }

    // ---------------------------------------------------------------- false positives

    private void printFalsePositives(int nodes, int periodMs, double loss, boolean lifeguard, int runs, long durationMs) {
        long episodes = 0;
        for (int s = 0; s < runs; s++) episodes += falsePositives(nodes, periodMs, loss, lifeguard, durationMs, 77_000L + s);
        double nodeHours = runs * nodes * durationMs / 3_600_000.0;
        System.out.printf(Locale.ROOT, "%6d %5dms %4.0f%% %9s %5d %8d %10d %12.1f %12.3f%n", nodes, periodMs, loss * 100,
                lifeguard ? "on" : "off", runs, durationMs / 1000, episodes, nodeHours, episodes / nodeHours);
    }

    static long falsePositives(int nodes, int periodMs, double loss, boolean lifeguard, long durationMs, long seed) {
        MembershipConfig config = MembershipConfig.forPeriod("report", periodMs).withLifeguard(lifeguard);
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(nodes).config(config).build();
        Set<String> episodes = new HashSet<>();
        boolean[] measuring = {false};
        cluster.onEvent((observer, event) -> {
            if (measuring[0] && event.kind() == MemberEvent.Kind.FAILED) {
                episodes.add(event.member().id() + "@" + event.member().incarnation());
            }
        });
        cluster.startConverged().runFor(warmupMs(nodes, periodMs));
        cluster.loss(loss);
        measuring[0] = true;
        cluster.runFor(durationMs);
        return episodes.size();
    }

    // ---------------------------------------------------------------- convergence

    private void printConvergence(int nodes, int periodMs) {
        int runs = seedsFor(nodes);
        long[] joins = new long[runs];
        long[] heals = new long[runs];
        for (int s = 0; s < runs; s++) {
            long seed = 5_000L * nodes + periodMs + s;
            joins[s] = joinConvergence(nodes, periodMs, seed);
            heals[s] = healConvergence(nodes, periodMs, seed);
        }
        System.out.printf(Locale.ROOT, "%6d %5dms %5d %14dms %20dms%n", nodes, periodMs, runs, median(joins), median(heals));
    }

    /** A new node joins a converged cluster of {@code nodes}: time until every view includes everyone. */
    static long joinConvergence(int nodes, int periodMs, long seed) {
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(nodes + 1)
                .config(MembershipConfig.forPeriod("report", periodMs)).build();
        cluster.startConverged(nodes).runFor(warmupMs(nodes, periodMs));
        return cluster.join("n" + nodes).awaitConvergence(600L * periodMs);
    }

    /** Two halves cut apart long enough to declare each other dead (and reap), then healed. */
    static long healConvergence(int nodes, int periodMs, long seed) {
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(nodes)
                .config(MembershipConfig.forPeriod("report", periodMs)).build();
        cluster.startConverged().runFor(warmupMs(nodes, periodMs));
        List<String> ids = cluster.ids();
        cluster.partition(ids.subList(0, nodes / 2), ids.subList(nodes / 2, nodes)).runFor(80L * periodMs);
        return cluster.heal().awaitConvergence(1_200L * periodMs);
    }

    // ---------------------------------------------------------------- helpers

    private static <T> long median(List<T> runs, java.util.function.ToLongFunction<T> field) {
        return median(runs.stream().mapToLong(field).toArray());
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? -1 : sorted[sorted.length / 2];
    }

    private static double medianDouble(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? -1 : sorted[sorted.length / 2];
    }
}
