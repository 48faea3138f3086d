package io.ringwork.core.cluster;

import io.ringwork.core.util.Invariants;

/**
 * One ownership of a partition: a node starting to own a partition picks an epoch above every
 * term it has seen for it, and replicas refuse writes from a lower term, so a deposed owner (one
 * paused or cut off while another took over) cannot get its writes counted. Two nodes that pick
 * the same epoch are ordered by id. Immutable.
 */
public record Term(long epoch, String node) implements Comparable<Term> {
    public static final Term NONE = new Term(0, "");

    public Term {
        Invariants.require(epoch >= 0, "epoch must be >= 0, got %s", epoch);
        Invariants.require(node != null, "node is required");
    }

    /** The term a node starts with after having seen {@code highest}. */
    public static Term after(Term highest, String node) {
        return new Term(highest.epoch + 1, node);
    }

    @Override
    public int compareTo(Term other) {
        int byEpoch = Long.compare(epoch, other.epoch);
        return byEpoch != 0 ? byEpoch : node.compareTo(other.node);
    }

    public boolean isBefore(Term other) {
        return compareTo(other) < 0;
    }

    @Override
    public String toString() {
        return epoch + "/" + node;
    }
}
