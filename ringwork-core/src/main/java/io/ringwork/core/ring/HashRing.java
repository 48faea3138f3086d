package io.ringwork.core.ring;

import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * A 64-bit circular id space with weighted virtual nodes: node {@code n} of weight {@code w} sits
 * at {@code hash64(n.id + "#" + i)} for {@code i < w * vnodesPerWeight}. Positions are compared as
 * unsigned numbers, so the ring runs from 0 to 2^64 - 1 and wraps. Built only from the members
 * (their order does not matter), so every node that sees the same members builds the same ring.
 * Immutable and thread-safe.
 */
public final class HashRing {
    private final List<RingNode> nodes;
    private final long[] positions;
    private final int[] owners;

    /**
     * @param members         distinct ids; any order
     * @param vnodesPerWeight virtual nodes per unit of weight, at least 1
     */
    public HashRing(Collection<RingNode> members, int vnodesPerWeight) {
        Invariants.require(vnodesPerWeight >= 1, "vnodesPerWeight must be at least 1, got %s", vnodesPerWeight);
        List<RingNode> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparing(RingNode::id));
        for (int i = 1; i < sorted.size(); i++) {
            Invariants.require(!sorted.get(i).id().equals(sorted.get(i - 1).id()), "node %s appears twice", sorted.get(i).id());
        }
        this.nodes = List.copyOf(sorted);
        int total = 0;
        for (RingNode node : nodes) total += node.weight() * vnodesPerWeight;
        long[][] points = new long[total][];
        int k = 0;
        for (int n = 0; n < nodes.size(); n++) {
            int count = nodes.get(n).weight() * vnodesPerWeight;
            for (int i = 0; i < count; i++) points[k++] = new long[] {RingHash.hash64(nodes.get(n).id() + "#" + i), n};
        }
        // Unsigned order; a (vanishingly rare) equal position is broken by node id order.
        Arrays.sort(points, (a, b) -> a[0] != b[0] ? Long.compareUnsigned(a[0], b[0]) : Long.compare(a[1], b[1]));
        this.positions = new long[total];
        this.owners = new int[total];
        for (int i = 0; i < total; i++) {
            positions[i] = points[i][0];
            owners[i] = (int) points[i][1];
        }
    }

    /** Members sorted by id. */
    public List<RingNode> nodes() {
        return nodes;
    }

    /** Number of virtual nodes on the ring. */
    public int size() {
        return positions.length;
    }

    /** Index of the first virtual node at or clockwise after {@code position}. */
    public int firstAtOrAfter(long position) {
        int lo = 0;
        int hi = positions.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(positions[mid], position) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo == positions.length ? 0 : lo;
    }

    /** The node (index into {@link #nodes()}) of virtual node {@code index}, wrapping around. */
    public int ownerAt(int index) {
        return owners[Math.floorMod(index, positions.length)];
    }

    /** The first {@code n} distinct nodes clockwise from {@code position}: plain consistent hashing. */
    public List<String> walk(long position, int n) {
        List<String> result = new ArrayList<>(n);
        if (positions.length == 0) return result;
        boolean[] taken = new boolean[nodes.size()];
        int start = firstAtOrAfter(position);
        for (int step = 0; step < positions.length && result.size() < n; step++) {
            int node = ownerAt(start + step);
            if (!taken[node]) {
                taken[node] = true;
                result.add(nodes.get(node).id());
            }
        }
        return result;
    }
}
