package io.ringwork.harness.chaos;

import io.ringwork.core.time.RandomSource;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The faults of a chaos run, planned before it starts as a pure function of the seed, the initial
 * node count, the duration and the requested faults. The same inputs give the same plan.
 *
 * <p>Safety bound: faults never overlap (a fault's node is back up before the next fault starts),
 * so at most one node is down or paused at any time; a kill, pause or leave is planned only while
 * at least {@link #MIN_NODES_FOR_OUTAGE} nodes are members, and a leave only if that many remain
 * afterwards. A requested fault that would break the bound is not planned and is listed in
 * {@link Plan#skipped()} with the reason.
 *
 * <p>Faults are planned in the window [15 %, 75 %] of the duration, one per equal slot, so that the
 * last quarter of the run is fault-free and the cluster settles before the drain. The run starts
 * each fault only once the one before it has settled (a join's window can take 20 s on a busy
 * machine), so a fault may start later than planned, and production then goes on until the last
 * fault has settled.
 */
public final class FaultSchedule {
    /** A kill, pause or leave needs this many members: with fewer, one node down is not a minority. */
    public static final int MIN_NODES_FOR_OUTAGE = 3;

    /**
     * What a fault does. {@code PARTITION} cuts a node off from the other nodes both ways, and
     * {@code PARTITION_ONEWAY} drops only what it sends (it still hears them), for the outage; both
     * need a host per node ({@link NodePlacement#canCut()}).
     */
    public enum Kind { KILL, PAUSE, JOIN, LEAVE, PARTITION, PARTITION_ONEWAY,
        /** A graceful stop (SIGTERM) and a start on the same data directory: an upgrade's step. */
        RESTART;

        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + name + "' (kill, pause, join, leave, partition, partition-oneway, restart)");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** A network partition: the node runs on, cut off from the others. */
        public boolean isPartition() {
            return this == PARTITION || this == PARTITION_ONEWAY;
        }
    }

    /**
     * One planned fault.
     *
     * @param atMs       when it starts, from the start of the run
     * @param kind       what happens
     * @param node       the node it happens to (for a join: the new node's id)
     * @param outageMs   for a kill, how long until the restart; for a pause, until SIGCONT; for a
     *                   partition, until the heal; for a restart, from the stop to the start; else 0
     */
    public record Fault(long atMs, Kind kind, String node, long outageMs) {
        /** When the node is back (the restart, SIGCONT or heal is due); {@code atMs} for join and leave. */
        public long endMs() {
            return atMs + outageMs;
        }

        @Override
        public String toString() {
            return String.format("t=%.1fs %s %s%s", atMs / 1000.0, kind.label(), node,
                    outageMs > 0 ? String.format(" for %.1fs", outageMs / 1000.0) : "");
        }
    }

    /** The plan: faults in time order, and the requested faults that were not planned, with why. */
    public record Plan(List<Fault> faults, List<String> skipped, List<String> initialNodes) {}

    private FaultSchedule() {}

    /** The id of the i-th node (1-based): n1, n2, ... Joined nodes continue the sequence. */
    public static String nodeId(int i) {
        return "n" + i;
    }

    /**
     * Plans {@code requested} faults (one entry per fault; repeat a kind for more) over a run.
     *
     * @param seed         the plan's seed
     * @param initialNodes nodes at the start, >= 1
     * @param durationMs   the run's producing phase, > 0
     * @param requested    faults in the order asked; the plan shuffles them with the seed
     */
    public static Plan plan(long seed, int initialNodes, long durationMs, List<Kind> requested) {
        RandomSource random = RandomSource.seeded(seed);
        List<Kind> pending = new ArrayList<>(requested);
        for (int i = pending.size() - 1; i > 0; i--) { // Fisher-Yates with the seed
            int j = random.nextInt(i + 1);
            Kind swap = pending.get(i);
            pending.set(i, pending.get(j));
            pending.set(j, swap);
        }
        return place(random, initialNodes, durationMs, pending);
    }

    /**
     * Plans {@code requested} in the order given (a scenario: kill, then pause, then ...), with the
     * seed choosing nodes, jitter and outages as {@link #plan} does, and the same safety bound.
     */
    public static Plan inOrder(long seed, int initialNodes, long durationMs, List<Kind> requested) {
        return place(RandomSource.seeded(seed), initialNodes, durationMs, new ArrayList<>(requested));
    }

    private static Plan place(RandomSource random, int initialNodes, long durationMs, List<Kind> pending) {
        Invariants.require(initialNodes >= 1, "need at least one node, got %s", initialNodes);
        Invariants.require(durationMs > 0, "duration must be positive, got %s", durationMs);
        List<String> members = new ArrayList<>();
        for (int i = 1; i <= initialNodes; i++) members.add(nodeId(i));
        List<String> initial = List.copyOf(members);
        int nextId = initialNodes + 1;
        List<Fault> faults = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int slots = Math.max(1, pending.size());
        long windowStartMs = durationMs * 15 / 100;
        long slotMs = (durationMs * 75 / 100 - windowStartMs) / slots;
        for (int slot = 0; slot < slots && !pending.isEmpty(); slot++) {
            // 1. The first pending fault that the members allow now; a join makes room for a later leave or kill.
            int pick = -1;
            for (int i = 0; i < pending.size() && pick < 0; i++) if (allowed(pending.get(i), members.size())) pick = i;
            if (pick < 0) break;
            Kind kind = pending.remove(pick);
            // 2. A start jittered within the first fifth of the slot; the outage ends within 60 % of it.
            long atMs = windowStartMs + slot * slotMs + (slotMs / 5 > 0 ? random.nextInt((int) (slotMs / 5)) : 0);
            long outageCapMs = Math.max(500, slotMs * 60 / 100);
            String node;
            long outageMs = 0;
            switch (kind) {
                case JOIN -> {
                    node = nodeId(nextId++);
                    members.add(node);
                }
                case LEAVE -> node = members.remove(random.nextInt(members.size()));
                case KILL -> {
                    node = members.get(random.nextInt(members.size()));
                    outageMs = Math.min(outageCapMs, 2000 + random.nextInt(3001));
                }
                case PARTITION, PARTITION_ONEWAY -> {
                    // Longer than a pause: the others must declare the node dead and take its
                    // partitions over (about 1 s), and then work without it for a while.
                    node = members.get(random.nextInt(members.size()));
                    outageMs = Math.min(outageCapMs, 4000 + random.nextInt(3001));
                }
                default -> {
                    node = members.get(random.nextInt(members.size()));
                    outageMs = Math.min(outageCapMs, 1000 + random.nextInt(3001));
                }
            }
            faults.add(new Fault(atMs, kind, node, outageMs));
        }
        for (Kind kind : pending) {
            skipped.add(kind.label() + ": would leave fewer than " + MIN_NODES_FOR_OUTAGE + " nodes up, so one down would not be a minority");
        }
        return new Plan(List.copyOf(faults), List.copyOf(skipped), initial);
    }

    private static boolean allowed(Kind kind, int members) {
        return switch (kind) {
            case JOIN -> true;
            case KILL, PAUSE, PARTITION, PARTITION_ONEWAY, RESTART -> members >= MIN_NODES_FOR_OUTAGE;
            case LEAVE -> members - 1 >= MIN_NODES_FOR_OUTAGE;
        };
    }

    /** Parses "kill,pause,join,leave,partition,partition-oneway,restart" (repeats allowed, e.g. "kill,kill"); empty or "none" means no faults. */
    public static List<Kind> parseFaults(String list) {
        List<Kind> kinds = new ArrayList<>();
        if (list == null || list.isBlank() || list.trim().equalsIgnoreCase("none")) return kinds;
        for (String name : list.split(",")) if (!name.isBlank()) kinds.add(Kind.parse(name));
        return kinds;
    }
}
