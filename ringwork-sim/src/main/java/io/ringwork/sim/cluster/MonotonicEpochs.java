package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.PartitionLeader;
import io.ringwork.core.cluster.Term;
import java.util.HashMap;
import java.util.Map;

/**
 * The term a replica has seen for a partition never goes down, restarts included. Checked, on
 * every live node and partition: within one incarnation (from a start or restart to the next
 * crash) the node's term for the partition (its follower's, which a start raises to the term it
 * leads under) never decreases, and no partition it runs has a term below it; and after a restart
 * its term is never below the highest one it had seen in any earlier incarnation (the store keeps
 * it: {@code StateStore.term}, finding 11). {@link #restartsChecked} counts the (node,
 * incarnation, partition) triples where that last part had a term from before a crash to compare
 * with, so a run shows that restarts were checked, not just allowed.
 */
public final class MonotonicEpochs implements ClusterInvariant {
    private record Seen(int incarnation, Term[] terms) {}

    private final Map<String, Seen> seen = new HashMap<>();
    /** Per node: the highest term seen per partition in every incarnation before the current one. */
    private final Map<String, Term[]> before = new HashMap<>();
    private final Map<String, boolean[]> restartCounted = new HashMap<>();
    private long restartsChecked;

    @Override
    public void check(ProcessingCluster cluster) {
        int partitions = cluster.log().partitionCount();
        for (SimProcessingNode node : cluster.nodes()) {
            if (!node.alive()) continue;
            Seen mine = seen.get(node.id());
            if (mine == null || mine.incarnation() != node.incarnation()) {
                if (mine != null) fold(node.id(), mine.terms(), partitions);
                mine = new Seen(node.incarnation(), new Term[partitions]);
                seen.put(node.id(), mine);
                restartCounted.put(node.id(), new boolean[partitions]);
            }
            Map<Integer, PartitionLeader> leaders = node.leaders();
            for (int p = 0; p < partitions; p++) {
                PartitionFollower follower = node.followerOrNull(p);
                if (follower == null) continue;
                Term term = follower.term();
                Term last = mine.terms()[p];
                ClusterInvariant.require(last == null || !term.isBefore(last),
                        "%s#%d: its term of partition %s went down from %s to %s", node.id(), node.incarnation(), p, last, term);
                mine.terms()[p] = term;
                PartitionLeader leader = leaders.get(p);
                ClusterInvariant.require(leader == null || !term.isBefore(leader.term()),
                        "%s#%d: runs partition %s under %s above the term it has seen, %s", node.id(), node.incarnation(), p,
                        leader == null ? null : leader.term(), term);
                Term earlier = before.containsKey(node.id()) ? before.get(node.id())[p] : null;
                if (earlier == null) continue;
                ClusterInvariant.require(!term.isBefore(earlier),
                        "%s#%d: its term of partition %s is %s after a restart, below the %s it had seen before",
                        node.id(), node.incarnation(), p, term, earlier);
                if (!restartCounted.get(node.id())[p]) {
                    restartCounted.get(node.id())[p] = true;
                    restartsChecked++;
                }
            }
        }
    }

    private void fold(String id, Term[] terms, int partitions) {
        Term[] highest = before.computeIfAbsent(id, x -> new Term[partitions]);
        for (int p = 0; p < partitions; p++) {
            if (terms[p] != null && (highest[p] == null || highest[p].isBefore(terms[p]))) highest[p] = terms[p];
        }
    }

    /**
     * (node, incarnation, partition) triples where a restarted node's term was compared with the
     * highest it had seen before a crash (every one of them held, or the run failed).
     */
    public long restartsChecked() {
        return restartsChecked;
    }
}
