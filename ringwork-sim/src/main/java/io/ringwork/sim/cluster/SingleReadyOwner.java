package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.PartitionLeader;
import io.ringwork.core.cluster.Term;
import java.util.HashMap;
import java.util.Map;

/**
 * Ownership as the replicas see it. Checked: (1) for each partition and term, at most one live
 * leader instance; (2) a node never leads a partition under a term lower than one it led before in
 * the same incarnation (terms move forward). Measured, not failed: steps at which two terms of
 * one partition each had a write quorum of in-sync replicas (counting a live leader of that term
 * itself); with sloppy, view-derived preference lists that can happen while views disagree, and
 * it is harmless only because every owner computes the same states from the same log.
 */
public final class SingleReadyOwner implements ClusterInvariant {
    private final Map<String, Term> lastLed = new HashMap<>();
    private long splitQuorumSteps;

    @Override
    public void check(ProcessingCluster cluster) {
        int partitions = cluster.log().partitionCount();
        int quorum = cluster.config().replicationFactor() / 2 + 1;
        boolean split = false;
        for (int p = 0; p < partitions; p++) {
            Map<Term, String> leaders = new HashMap<>();
            Map<Term, Integer> support = new HashMap<>();
            for (SimProcessingNode node : cluster.nodes()) {
                if (!node.alive()) continue;
                PartitionLeader leader = node.leaders().get(p);
                if (leader != null) {
                    String previous = leaders.put(leader.term(), node.id() + "#" + node.incarnation());
                    ClusterInvariant.require(previous == null, "partition %s: term %s led by %s and %s",
                            p, leader.term(), previous, node.id());
                    String slot = node.id() + "#" + node.incarnation() + "/" + p;
                    Term before = lastLed.get(slot);
                    ClusterInvariant.require(before == null || before.compareTo(leader.term()) <= 0,
                            "partition %s: %s led %s, then the lower %s", p, node.id(), before, leader.term());
                    lastLed.put(slot, leader.term());
                    if (!leader.deposed()) support.merge(leader.term(), 1, Integer::sum);
                }
                PartitionFollower follower = node.followerOrNull(p);
                if (follower != null && follower.inSync()) support.merge(follower.term(), 1, Integer::sum);
            }
            int withQuorum = 0;
            for (int count : support.values()) if (count >= quorum) withQuorum++;
            if (withQuorum > 1) split = true;
        }
        if (split) splitQuorumSteps++;
    }

    /** Steps at which some partition had two terms each backed by a write quorum. */
    public long splitQuorumSteps() {
        return splitQuorumSteps;
    }
}
