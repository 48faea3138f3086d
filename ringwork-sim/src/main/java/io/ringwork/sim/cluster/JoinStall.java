package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.Record;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One join and no other fault, measured in simulated time. Three nodes start under a steady
 * producer; {@link #BASELINE_MS} after their ownership settled, a fourth joins; the run goes on
 * until ownership has settled again, then to the end of production, and drains. A record's wait
 * is the time from its append until a quorum holds it (its partition's durable checkpoint passes it). The partitions are split by
 * whether the join gave them another owner (moved) or not (unmoved), and each group's longest
 * wait from the join until ownership settled is set against its longest wait over the
 * {@link #BASELINE_MS} before the join. It also counts how often the set of nodes running an
 * unmoved partition changed meanwhile (a stop, a restart, a second runner).
 *
 * <p>The simulator has no CPU: a step costs nothing. So this measures only what the protocol
 * makes a partition wait for (a handoff, a quorum that needs the joiner, a catch-up that holds
 * something up), not a machine's load; the chaos harness measures the same join with real
 * processes. Every invariant is checked after every step, as in {@link ClusterSimulation}.
 */
public final class JoinStall {
    /** The baseline: this long before the join, which comes this long after the three settled. */
    static final long BASELINE_MS = 5_000;
    /** A start or a join that has not settled this long after it fails the run. */
    static final long SETTLE_BOUND_MS = 15_000;

    /**
     * What one seed measured. Waits are simulated ms.
     *
     * @param unmovedRunnerChanges changes of the set of nodes running an unmoved partition between
     *                             the join and the settling (0 when none was stopped or restarted)
     * @param movedRunnerChanges   the same for the moved partitions (a handoff makes two or three:
     *                             the old owner handing off, perhaps no one, the new owner)
     * @param sightingHolds        starts held on every node over the run because another member was
     *                             heard leading the partition ({@link io.ringwork.core.cluster.LeaderSightings})
     */
    public record Report(long seed, long joinMs, long settledMs, SortedSet<Integer> moved, SortedSet<Integer> unmoved,
                         Wait unmovedBefore, Wait unmovedDuring, Wait movedBefore, Wait movedDuring,
                         int unmovedRunnerChanges, int movedRunnerChanges, long sightingHolds) {}

    /** The longest wait among {@code records} records; 0 when there were none. */
    public record Wait(long maxMs, long records) {}

    private JoinStall() {}

    /** Three nodes (four with the joiner), eight partitions, three replicas, 2,000 records over 18 s. */
    public static ClusterConfig config() {
        return ClusterConfig.defaults().withNodes(3, 4).withRecords(2_000);
    }

    /**
     * Runs one seed; fails with a {@link io.ringwork.sim.SimulationFailure} naming it on a
     * violation, or when the start or the join does not settle within {@link #SETTLE_BOUND_MS}.
     */
    public static Report run(long seed, ClusterConfig config) {
        ProcessingCluster cluster = new ProcessingCluster(seed, config);
        DurableTimes durable = new DurableTimes(config.partitions());
        RunnerTimeline runners = new RunnerTimeline(config.partitions());
        cluster.observeDurable(durable).check(runners).start();
        // The three move partitions among themselves while their views of each other converge.
        awaitSettled(cluster, null, SETTLE_BOUND_MS);
        cluster.runFor(BASELINE_MS);
        OwnershipPlan before = cluster.truePlan();
        long joinMs = cluster.nowMs();
        String joiner = cluster.join();
        long settledMs = awaitSettled(cluster, joiner, joinMs + SETTLE_BOUND_MS);
        OwnershipPlan after = cluster.truePlan();
        cluster.runFor(Math.max(0, config.faultPhaseMs() - cluster.nowMs()));
        cluster.awaitDrained(config.livenessBoundMs());

        SortedSet<Integer> moved = new TreeSet<>();
        SortedSet<Integer> unmoved = new TreeSet<>();
        for (int p = 0; p < config.partitions(); p++) {
            (before.owner(p).equals(after.owner(p)) ? unmoved : moved).add(p);
        }
        int unmovedChanges = 0;
        for (int p : unmoved) unmovedChanges += runners.changes(p, joinMs, settledMs);
        int movedChanges = 0;
        for (int p : moved) movedChanges += runners.changes(p, joinMs, settledMs);
        long baselineFromMs = joinMs - BASELINE_MS;
        return new Report(seed, joinMs, settledMs, moved, unmoved,
                longestWait(cluster.log(), durable, unmoved, baselineFromMs, joinMs),
                longestWait(cluster.log(), durable, unmoved, joinMs, settledMs + 1),
                longestWait(cluster.log(), durable, moved, baselineFromMs, joinMs),
                longestWait(cluster.log(), durable, moved, joinMs, settledMs + 1),
                unmovedChanges, movedChanges, cluster.nodes().stream().mapToLong(SimProcessingNode::sightingHolds).sum());
    }

    /**
     * Runs until every member's view holds every other member as it is now, every partition is
     * run by its planned owner alone, the plan moves nothing more (owner = target everywhere),
     * every replica on its list is in sync with that owner's term, and the joiner, if not null,
     * owns some partition; returns that moment.
     */
    private static long awaitSettled(ProcessingCluster cluster, String joiner, long boundMs) {
        while (!settled(cluster, joiner)) {
            if (cluster.nowMs() >= boundMs) {
                throw cluster.failure("ownership had not settled by " + boundMs + " ms"
                        + (joiner == null ? "" : " (" + joiner + " joined " + SETTLE_BOUND_MS + " ms before)"), null);
            }
            cluster.runFor(10);
        }
        return cluster.nowMs();
    }

    private static boolean settled(ProcessingCluster cluster, String joiner) {
        for (String member : cluster.memberIds()) { // every view holds every other member as it is now
            Collection<MemberView> view = cluster.view(member);
            if (view.size() != cluster.memberIds().size() - 1) return false;
            for (MemberView seen : view) {
                if (!seen.equals(cluster.node(seen.id()).describe())) return false;
            }
        }
        OwnershipPlan plan = cluster.truePlan();
        boolean joinerOwns = false;
        for (int p = 0; p < plan.partitionCount(); p++) {
            String owner = plan.owner(p);
            if (owner == null || !owner.equals(plan.target(p)) || !cluster.node(owner).runsActively(p)) return false;
            for (SimProcessingNode node : cluster.nodes()) {
                if (node.alive() && !node.id().equals(owner) && node.runs(p)) return false;
            }
            Term term = cluster.node(owner).leaders().get(p).term();
            for (String replica : plan.replicas(p)) {
                if (replica.equals(owner)) continue;
                PartitionFollower follower = cluster.node(replica).followerOrNull(p);
                if (follower == null || !follower.inSync() || !term.equals(follower.term())) return false;
            }
            joinerOwns |= owner.equals(joiner);
        }
        return joiner == null || joinerOwns;
    }

    /** The longest wait of the records of {@code partitions} appended in [fromMs, toMs). */
    static Wait longestWait(SimLog log, DurableTimes durable, SortedSet<Integer> partitions, long fromMs, long toMs) {
        long max = 0;
        long count = 0;
        for (int p : partitions) {
            for (Record record : log.read(p, 0, Integer.MAX_VALUE)) {
                if (record.timestampMs() < fromMs || record.timestampMs() >= toMs) continue;
                long durableAtMs = durable.at(p, record.offset());
                if (durableAtMs < 0) {
                    throw new IllegalStateException("p" + p + "@" + record.offset() + " was never durable after the drain");
                }
                max = Math.max(max, durableAtMs - record.timestampMs());
                count++;
            }
        }
        return new Wait(max, count);
    }

    /** Each partition's durable checkpoint over time: when each rise happened. */
    static final class DurableTimes implements ProcessingCluster.DurableObserver {
        private final List<List<long[]>> rises = new ArrayList<>();

        DurableTimes(int partitions) {
            for (int p = 0; p < partitions; p++) rises.add(new ArrayList<>());
        }

        @Override
        public void rose(int partition, long checkpoint, long nowMs) {
            rises.get(partition).add(new long[] {checkpoint, nowMs});
        }

        /** When a quorum first held {@code offset} of {@code partition}, or -1 if never. */
        long at(int partition, long offset) {
            List<long[]> list = rises.get(partition);
            int lo = 0;
            int hi = list.size();
            while (lo < hi) { // the first rise whose checkpoint reaches the offset; checkpoints only rise
                int mid = (lo + hi) >>> 1;
                if (list.get(mid)[0] < offset) lo = mid + 1;
                else hi = mid;
            }
            return lo == list.size() ? -1 : list.get(lo)[1];
        }
    }

    /**
     * Which nodes run each partition (actively or handing it off), after every step. Records and
     * never fails: it is registered as an invariant only to be called after every step.
     */
    static final class RunnerTimeline implements ClusterInvariant {
        private final List<List<Long>> changedAtMs = new ArrayList<>();
        private final List<String> current = new ArrayList<>();

        RunnerTimeline(int partitions) {
            for (int p = 0; p < partitions; p++) {
                changedAtMs.add(new ArrayList<>());
                current.add("");
            }
        }

        @Override
        public void check(ProcessingCluster cluster) {
            for (int p = 0; p < current.size(); p++) {
                StringBuilder runners = new StringBuilder();
                for (SimProcessingNode node : cluster.nodes()) {
                    if (node.alive() && node.runs(p)) {
                        runners.append(node.id()).append(node.runsActively(p) ? "" : "(stopping)").append(' ');
                    }
                }
                if (!runners.toString().equals(current.get(p))) {
                    current.set(p, runners.toString());
                    changedAtMs.get(p).add(cluster.nowMs());
                }
            }
        }

        /** How often the runners of {@code partition} changed in [fromMs, toMs]. */
        int changes(int partition, long fromMs, long toMs) {
            int count = 0;
            for (long at : changedAtMs.get(partition)) if (at >= fromMs && at <= toMs) count++;
            return count;
        }
    }
}
