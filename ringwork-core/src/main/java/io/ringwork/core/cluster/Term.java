package io.ringwork.core.cluster;

import io.ringwork.core.util.Invariants;

/**
 * One ownership of a partition: a node starting to own a partition picks an epoch above every
 * term it has seen for it, and replicas refuse writes from a lower term, so a deposed owner (one
 * paused or cut off while another took over) cannot get its writes counted. Two nodes that pick
 * the same epoch are ordered by id. Immutable.
 *
 * <p>Epochs are bounded by {@link #MAX_EPOCH}. A term can hold any non-negative epoch, so that
 * one that arrives from another member can be represented and refused where it arrives (the
 * replica codec, {@link PartitionFollower#receive}, {@link PartitionLeader#onAck}); this node never
 * makes one above the bound ({@link #after}). Without the bound a member that sent an epoch of
 * {@code Long.MAX_VALUE} left the partition unable to start again: the next epoch wrapped around
 * to a negative one.
 */
public record Term(long epoch, String node) implements Comparable<Term> {
    public static final Term NONE = new Term(0, "");

    /**
     * The highest epoch a term may have: 2^53. One new owner a millisecond would take 285,000 years
     * to reach it, it is exact as a JSON number, and the distance to {@code Long.MAX_VALUE} leaves
     * no arithmetic on an epoch near overflow.
     */
    public static final long MAX_EPOCH = 1L << 53;

    /** Thrown by {@link #after} when the highest term seen has the maximum epoch: nothing is above it. */
    public static final class EpochsExhausted extends IllegalStateException {
        public EpochsExhausted(Term highest) {
            super("no term above " + highest + ": its epoch is the maximum, " + MAX_EPOCH
                    + "; this node cannot take the partition: the term is kept in its state store, and only a new store forgets it");
        }
    }

    public Term {
        Invariants.require(epoch >= 0, "epoch must be >= 0, got %s", epoch);
        Invariants.require(node != null, "node is required");
    }

    /**
     * The term a node starts with after having seen {@code highest}.
     *
     * @throws EpochsExhausted if {@code highest} has the maximum epoch (or, from a path that did not
     *                         check it, a higher one): never wraps around
     */
    public static Term after(Term highest, String node) {
        if (highest.epoch >= MAX_EPOCH) throw new EpochsExhausted(highest);
        return new Term(highest.epoch + 1, node);
    }

    /** Whether the epoch is at most {@link #MAX_EPOCH}: a term from another member must be, or it is refused. */
    public boolean inRange() {
        return epoch <= MAX_EPOCH;
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
