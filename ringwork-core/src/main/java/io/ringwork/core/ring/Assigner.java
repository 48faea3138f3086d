package io.ringwork.core.ring;

import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Maps partitions to preference lists on a {@link HashRing}, deterministically: the same members
 * (in any order) give the same assignment on every node.
 *
 * <p>Partition {@code p} sits at {@code hash64("partition/" + p)}. With {@code loadFactor <= 0} its
 * preference list is plain consistent hashing: the first distinct nodes clockwise. With
 * {@code loadFactor = c > 0} it is consistent hashing with bounded loads (Mirrokni, Thorup and
 * Zadimoghaddam): for each rank of the list in turn, a node may hold at most
 * {@code ceil(c * P * weight / totalWeight)} partitions at that rank, and a partition walks
 * clockwise past nodes that are full or already on its list (see {@link #boundedWalk} for the one
 * case where the bound yields). Partitions are placed in index
 * order, so the outcome is a pure function of the members. This caps the most loaded node at
 * about {@code c} times the mean, which plain consistent hashing cannot do with few partitions
 * per node, at the cost of some extra movement on joins and leaves (measured in RingReport).
 * Stateless and thread-safe.
 */
public final class Assigner {
    /**
     * @param vnodesPerWeight   virtual nodes per unit of weight
     * @param replicationFactor nodes per preference list (owner included)
     * @param loadFactor        the bound c (e.g. 1.25) on a node's load over the mean, or 0 for none
     */
    public record Config(int vnodesPerWeight, int replicationFactor, double loadFactor) {
        public Config {
            Invariants.require(vnodesPerWeight >= 1, "vnodesPerWeight must be at least 1");
            Invariants.require(replicationFactor >= 1, "replicationFactor must be at least 1");
            Invariants.require(loadFactor <= 0 || loadFactor >= 1, "loadFactor must be 0 (unbounded) or at least 1, got %s", loadFactor);
        }

        /** 64 virtual nodes per weight, 3 replicas, loads bounded at 1.25 times the mean. */
        public static Config defaults() {
            return new Config(64, 3, 1.25);
        }
    }

    private Assigner() {}

    public static Assignment assign(Collection<RingNode> members, int partitionCount, Config config) {
        Invariants.require(partitionCount > 0, "partitionCount must be positive, got %s", partitionCount);
        HashRing ring = new HashRing(members, config.vnodesPerWeight());
        int nodes = ring.nodes().size();
        int ranks = Math.min(config.replicationFactor(), nodes);
        List<List<String>> lists = new ArrayList<>(partitionCount);
        long[] positions = new long[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            lists.add(new ArrayList<>(ranks));
            positions[p] = RingHash.hash64("partition/" + p);
        }
        if (config.loadFactor() <= 0) {
            for (int p = 0; p < partitionCount; p++) lists.get(p).addAll(ring.walk(positions[p], ranks));
            return new Assignment(config.replicationFactor(), lists);
        }
        int[] capacity = capacities(ring, partitionCount, config.loadFactor());
        boolean[][] onList = new boolean[partitionCount][nodes];
        for (int rank = 0; rank < ranks; rank++) {
            int[] load = new int[nodes];
            for (int p = 0; p < partitionCount; p++) {
                int node = boundedWalk(ring, positions[p], onList[p], load, capacity);
                onList[p][node] = true;
                load[node]++;
                lists.get(p).add(ring.nodes().get(node).id());
            }
        }
        return new Assignment(config.replicationFactor(), lists);
    }

    /** Per-node bound for one rank: {@code ceil(c * P * w / W)}; their sum is at least P, so a walk always ends. */
    private static int[] capacities(HashRing ring, int partitionCount, double loadFactor) {
        long totalWeight = 0;
        for (RingNode node : ring.nodes()) totalWeight += node.weight();
        int[] capacity = new int[ring.nodes().size()];
        for (int n = 0; n < capacity.length; n++) {
            capacity[n] = (int) Math.ceil(loadFactor * partitionCount * ring.nodes().get(n).weight() / totalWeight);
        }
        return capacity;
    }

    /**
     * The first node clockwise that is not on the partition's list and has room. If every node off
     * the list is full (possible at the last ranks when there are barely more nodes than ranks: the
     * list must then take the one node left), the bound yields and the first node off the list is taken.
     */
    private static int boundedWalk(HashRing ring, long position, boolean[] onList, int[] load, int[] capacity) {
        int start = ring.firstAtOrAfter(position);
        int firstOffList = -1;
        for (int step = 0; step < ring.size(); step++) {
            int node = ring.ownerAt(start + step);
            if (onList[node]) continue;
            if (load[node] < capacity[node]) return node;
            if (firstOffList < 0) firstOffList = node;
        }
        Invariants.check(firstOffList >= 0, "no node off the preference list, yet fewer ranks than nodes");
        return firstOffList;
    }
}
