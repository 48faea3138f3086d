package io.ringwork.core.ring;

import io.ringwork.core.util.Invariants;

/**
 * A node as the ring sees it: its id and its capacity weight. A node of weight 2 takes twice the
 * virtual nodes, and so about twice the partitions, of a node of weight 1.
 *
 * @param id     the node's unique id; never null or empty
 * @param weight capacity units, 1 to {@link #WEIGHT_MAX}
 */
public record RingNode(String id, int weight) {
    public static final int WEIGHT_MAX = 64;

    public RingNode {
        Invariants.require(id != null && !id.isEmpty(), "a ring node needs an id");
        Invariants.require(weight >= 1 && weight <= WEIGHT_MAX, "weight of %s must be in [1, %s], got %s", id, WEIGHT_MAX, weight);
    }
}
