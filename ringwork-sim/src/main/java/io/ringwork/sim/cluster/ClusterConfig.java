package io.ringwork.sim.cluster;

import io.ringwork.core.store.StateStore;
import io.ringwork.core.util.Invariants;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Sizes, timings and limits of one simulated processing cluster. Times are simulated ms.
 *
 * @param initialNodes        nodes at the start ({@code n0..}); a majority of them is always eventually up
 * @param maxNodes            the most nodes ever (joins stop here)
 * @param partitions          log partitions
 * @param replicationFactor   preference list length
 * @param records             records the producer appends during the fault phase
 * @param tickMs              period of each node's step (the node's cluster tick); every other timing of the
 *                            node's wiring is the node's own ({@code SimProcessingNode.hostConfig})
 * @param snapshotPageSize    states per snapshot page, scaled down from the node's for the small data
 * @param commitBatchMax      records read, applied and committed per partition per step
 * @param maxPendingCommits   commits per partition sent but not yet durable before the reader waits
 * @param faultPhaseMs        length of the safety phase
 * @param livenessBoundMs     the liveness phase fails if not drained and converged by then
 * @param joinPushPull        a (re)starting node learns the current members at once, as memberlist's
 *                            join does; false: it starts alone and hears of each member after a delay
 * @param reportOnly          invariants whose violations are counted, not failed: for runs that look
 *                            past a known, reported finding; empty by default (every invariant fails)
 * @param followerStore       wraps the store a node's followers write through; identity except in
 *                            tests that break replication on purpose to prove the checkers fire
 * @param faults              the fault phase's plan ({@link FaultMix#classic} or a swarm's, {@link Swarm})
 * @param sabotage            a deliberate bug in the simulated nodes, for tests that prove an invariant
 *                            can fail; {@link Sabotage#NONE} everywhere else (never in core or runtime)
 */
public record ClusterConfig(int initialNodes, int maxNodes, int partitions, int replicationFactor, int records,
                            long tickMs, int commitBatchMax, int maxPendingCommits, int snapshotPageSize,
                            int snapshotPagesPerTick, int pausedInboxMax, int latencyMsMin,
                            int latencyMsMax, int failureNoticeMs, int viewDelayMsMin, int viewDelayMsMax,
                            long faultPhaseMs, long livenessBoundMs, long stepsMax,
                            boolean joinPushPull, Set<String> reportOnly,
                            UnaryOperator<StateStore> followerStore, FaultMix faults, Sabotage sabotage) {
    /** Bugs the simulated node can be given on purpose, to show that the invariants catch them. */
    public enum Sabotage {
        NONE,
        /** A follower that gets a message of a lower term forgets its term and takes it, instead of refusing it. */
        FOLLOWER_ACCEPTS_LOWER_TERM,
        /** A node starting a partition reads from past the highest durable checkpoint, whether its store holds it or not. */
        OWNER_SKIPS_TO_DURABLE,
        /** Followers promise terms (and owners lead them) without writing them to the store. */
        PROMISES_IN_MEMORY,
        /** Every node puts each change on its feed as it applies the commit, before any quorum holds it (the old way). */
        FEED_AT_APPLY,
        /** Key-value clients read whatever replica they reach, without waiting for its checkpoint to reach the log's end. */
        KV_READS_ANY_CHECKPOINT,
        /** Session keepers close an expired session unconditionally (no {@code ifLast}) and never start a newly held partition afresh. */
        SESSION_CLOSE_UNCONDITIONAL
    }

    public ClusterConfig {
        Invariants.require(initialNodes >= 1 && maxNodes >= initialNodes, "need 1 <= initialNodes <= maxNodes");
        Invariants.require(replicationFactor >= 1 && partitions >= 1, "need partitions and replicas");
        Invariants.require(latencyMsMin >= 0 && latencyMsMax >= latencyMsMin, "need 0 <= latency min <= max");
        Invariants.require(viewDelayMsMin >= 0 && viewDelayMsMax >= viewDelayMsMin, "need 0 <= view delay min <= max");
        Invariants.require(faults != null && sabotage != null, "faults and sabotage are required");
    }

    /** Five nodes, eight partitions, three replicas, 600 records over 20 s of faults. */
    public static ClusterConfig defaults() {
        return new ClusterConfig(5, 7, 8, 3, 600, 20, 8, 4, 16, 2, 4_096, 1, 10, 200, 100, 1_500, 20_000, 120_000, 5_000_000, true, Set.of(), UnaryOperator.identity(),
                FaultMix.classic(), Sabotage.NONE);
    }

    public ClusterConfig withRecords(int count) {
        return new ClusterConfig(initialNodes, maxNodes, partitions, replicationFactor, count, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, joinPushPull, reportOnly, followerStore, faults, sabotage);
    }

    public ClusterConfig withNodes(int initial, int max) {
        return new ClusterConfig(initial, max, partitions, replicationFactor, records, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, joinPushPull, reportOnly, followerStore, faults, sabotage);
    }

    public ClusterConfig withReportOnly(Set<String> invariants) {
        return new ClusterConfig(initialNodes, maxNodes, partitions, replicationFactor, records, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, joinPushPull, Set.copyOf(invariants),
                followerStore, faults, sabotage);
    }

    public ClusterConfig withJoinPushPull(boolean pushPull) {
        return new ClusterConfig(initialNodes, maxNodes, partitions, replicationFactor, records, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, pushPull, reportOnly, followerStore, faults, sabotage);
    }

    public ClusterConfig withFollowerStore(UnaryOperator<StateStore> decorator) {
        return new ClusterConfig(initialNodes, maxNodes, partitions, replicationFactor, records, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, joinPushPull, reportOnly, decorator, faults, sabotage);
    }

    public ClusterConfig withFaults(FaultMix mix) {
        return new ClusterConfig(initialNodes, maxNodes, partitions, replicationFactor, records, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, joinPushPull, reportOnly, followerStore,
                mix, sabotage);
    }

    public ClusterConfig withSabotage(Sabotage bug) {
        return new ClusterConfig(initialNodes, maxNodes, partitions, replicationFactor, records, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, faultPhaseMs, livenessBoundMs, stepsMax, joinPushPull, reportOnly, followerStore,
                faults, bug);
    }

    /** A swarm's draw of sizes and timings (see {@link Swarm}); everything else as this config. */
    public ClusterConfig withShape(int initial, int max, int partitionCount, int replicas, int recordCount, int latencyMin,
                                   int latencyMax, int noticeMs, int viewDelayMin, int viewDelayMax, boolean pushPull) {
        return new ClusterConfig(initial, max, partitionCount, replicas, recordCount, tickMs, commitBatchMax,
                maxPendingCommits, snapshotPageSize, snapshotPagesPerTick, pausedInboxMax, latencyMin, latencyMax, noticeMs,
                viewDelayMin, viewDelayMax, faultPhaseMs, livenessBoundMs, stepsMax, pushPull, reportOnly, followerStore,
                faults, sabotage);
    }

    /**
     * One line with what varies between seeds, printed with the seed in every failure and by
     * {@code ClusterSimMain}: {@code nodes=5..7 partitions=8 rf=3 records=600 latency=1-10ms ...}.
     */
    public String describe() {
        return String.format("nodes=%d..%d partitions=%d rf=%d records=%d latency=%d-%dms notice=%dms views=%d-%dms pushPull=%s %s%s",
                initialNodes, maxNodes, partitions, replicationFactor, records, latencyMsMin, latencyMsMax, failureNoticeMs,
                viewDelayMsMin, viewDelayMsMax, joinPushPull ? "on" : "off", faults.describe(),
                sabotage == Sabotage.NONE ? "" : " sabotage=" + sabotage);
    }
}
