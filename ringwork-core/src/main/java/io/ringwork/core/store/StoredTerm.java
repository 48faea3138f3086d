package io.ringwork.core.store;

import io.ringwork.core.util.Invariants;

/**
 * The highest partition term a node has seen, as the store keeps it: an epoch and the id of the
 * node that picked it, ordered as {@code io.ringwork.core.cluster.Term} orders them (epoch, then
 * node id). The store keeps its own copy of the pair so that it does not depend on the cluster
 * package, which depends on it. Immutable.
 */
public record StoredTerm(long epoch, String node) implements Comparable<StoredTerm> {
    /** No term seen: what a new store holds for every partition. */
    public static final StoredTerm NONE = new StoredTerm(0, "");

    public StoredTerm {
        Invariants.require(epoch >= 0, "epoch must be >= 0, got %s", epoch);
        Invariants.require(node != null, "node is required");
    }

    @Override
    public int compareTo(StoredTerm other) {
        int byEpoch = Long.compare(epoch, other.epoch);
        return byEpoch != 0 ? byEpoch : node.compareTo(other.node);
    }
}
