package io.ringwork.sim.cluster;

import io.ringwork.core.time.RandomSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One seed of the cluster simulator: a safety phase of seeded faults while the producer appends,
 * then healing and a liveness phase that must drain everything. The fault plan: every 300-2000 ms
 * one of crash (restart after 0.3-4 s), pause (0.3-4 s), partition (a random minority cut off for
 * 0.5-4 s), loss of one link's in-flight messages, join (up to {@code maxNodes}) or graceful leave
 * (only while more than half the initial nodes would remain). At most two nodes are crashed or
 * paused at once, and every crashed node is restarted, so a majority of the initial nodes is
 * always eventually up.
 */
public final class ClusterSimulation {
    /** What one seed did. */
    public record Report(long seed, long simulatedMs, long steps, long records, long faults, long drainMs,
                         long splitQuorumSteps, long messages, long lost,
                         java.util.Map<String, Long> reported, long repairs, long gateHolds, long gateTimeouts,
                         long lingeringVotes, long sightingHolds) {}

    private ClusterSimulation() {}

    public static Report run(long seed, ClusterConfig config) {
        ProcessingCluster cluster = new ProcessingCluster(seed, config).start();
        RandomSource plan = cluster.random();
        Set<String> down = new HashSet<>();
        long endMs = config.faultPhaseMs();
        while (cluster.nowMs() < endMs) {
            cluster.runFor(300 + plan.nextInt(1_700));
            if (cluster.nowMs() >= endMs) break;
            injectFault(cluster, plan, down);
        }
        cluster.heal().runFor(50);
        long drainMs = cluster.awaitDrained(config.livenessBoundMs());
        return new Report(seed, cluster.nowMs(), cluster.steps(), cluster.log().size(), cluster.faults(), drainMs,
                cluster.splitQuorumSteps(), cluster.network().delivered(), cluster.network().lost(), cluster.reported(),
                cluster.nodes().stream().mapToLong(SimProcessingNode::repairs).sum(),
                cluster.nodes().stream().mapToLong(SimProcessingNode::gateHolds).sum(),
                cluster.nodes().stream().mapToLong(SimProcessingNode::gateTimeouts).sum(),
                cluster.nodes().stream().mapToLong(SimProcessingNode::lingeringVotes).sum(),
                cluster.nodes().stream().mapToLong(SimProcessingNode::sightingHolds).sum());
    }

    private static void injectFault(ProcessingCluster cluster, RandomSource plan, Set<String> down) {
        List<String> up = new ArrayList<>();
        for (String id : cluster.memberIds()) {
            if (cluster.node(id).status() == SimProcessingNode.Status.UP) up.add(id);
        }
        if (up.isEmpty()) return;
        String victim = up.get(plan.nextInt(up.size()));
        switch (plan.nextInt(7)) {
            case 0, 1 -> {
                if (down.size() >= 2) return;
                down.add(victim);
                cluster.crash(victim);
                cluster.at(cluster.nowMs() + 300 + plan.nextInt(3_700), () -> {
                    down.remove(victim);
                    cluster.restart(victim);
                });
            }
            case 2 -> {
                if (down.size() >= 2) return;
                down.add(victim);
                cluster.pause(victim);
                cluster.at(cluster.nowMs() + 300 + plan.nextInt(3_700), () -> {
                    down.remove(victim);
                    cluster.resume(victim);
                });
            }
            case 3 -> {
                if (cluster.network().partitioned()) return;
                List<String> ids = cluster.memberIds();
                Set<String> side = new HashSet<>();
                int size = 1 + plan.nextInt(Math.max(1, (ids.size() - 1) / 2));
                while (side.size() < size) side.add(ids.get(plan.nextInt(ids.size())));
                cluster.partition(side);
                cluster.at(cluster.nowMs() + 500 + plan.nextInt(3_500), () -> {
                    cluster.network().heal();
                    cluster.healViews();
                });
            }
            case 4 -> {
                String other = up.get(plan.nextInt(up.size()));
                if (!other.equals(victim)) cluster.dropInFlight(victim, other);
            }
            case 5 -> {
                if (cluster.nodes().size() < cluster.config().maxNodes()) cluster.join();
            }
            default -> {
                if (LEAVES && canLeave(cluster, victim)) cluster.leave(victim);
            }
        }
    }

    /**
     * {@code -Dringwork.sim.leaves=false} turns graceful leaves into no-ops (a diagnostic: it
     * separates the known leave-handoff gap from everything else; see docs/SIMULATION.md).
     */
    private static final boolean LEAVES = !"false".equals(System.getProperty("ringwork.sim.leaves"));

    /** A leave keeps more than half of the initial nodes as members, and at least replicationFactor members. */
    private static boolean canLeave(ProcessingCluster cluster, String victim) {
        int initial = cluster.config().initialNodes();
        int initialLeft = 0;
        int staying = 0;
        for (String id : cluster.memberIds()) {
            if (id.equals(victim) || cluster.node(id).status() == SimProcessingNode.Status.LEAVING) continue;
            staying++;
            if (Integer.parseInt(id.substring(1)) < initial) initialLeft++;
        }
        // Members already leaving count as gone.
        return initialLeft > initial / 2 && staying >= cluster.config().replicationFactor();
    }
}
