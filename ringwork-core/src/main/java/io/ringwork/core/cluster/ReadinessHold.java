package io.ringwork.core.cluster;

import io.ringwork.core.util.Invariants;
import java.util.BitSet;

/**
 * Which in-sync partitions a node announces as ready. A partition that comes in sync while the
 * node is still catching up others is held back until the catch-ups are over, at most
 * {@code maxHoldMs}; a partition that falls out of sync goes at once.
 *
 * <p>Why: a joining node catches up every partition it replicates, one after another on each
 * owner's link, and each catch-up keeps a CPU busy. Announced ready for the first partitions, it
 * was handed them while the rest still ran, and its first commit as their owner came 0.7 s after
 * the start instead of 35–106 ms once the catch-ups were done (a kept demo's log). Holding the
 * announcement keeps the old owner processing meanwhile, so the wait delays no record. Not
 * thread-safe.
 */
public final class ReadinessHold {
    private final long maxHoldMs;
    private BitSet announced = new BitSet();
    private long heldSinceMs = -1;

    public ReadinessHold(long maxHoldMs) {
        Invariants.require(maxHoldMs >= 0, "maxHoldMs must not be negative, got %s", maxHoldMs);
        this.maxHoldMs = maxHoldMs;
    }

    /**
     * The partitions to announce ready now.
     *
     * @param inSync     the partitions in sync on this node now
     * @param catchingUp whether a catch-up runs (or just ran) on this node
     */
    public BitSet announce(BitSet inSync, boolean catchingUp, long nowMs) {
        BitSet fresh = (BitSet) inSync.clone();
        fresh.andNot(announced);
        boolean release = fresh.isEmpty() || !catchingUp || (heldSinceMs >= 0 && nowMs - heldSinceMs >= maxHoldMs);
        if (release) {
            announced = (BitSet) inSync.clone();
            heldSinceMs = -1;
        } else {
            if (heldSinceMs < 0) heldSinceMs = nowMs;
            announced.and(inSync);
        }
        return (BitSet) announced.clone();
    }

    /** Whether newly in-sync partitions are being held back now. */
    public boolean holding() {
        return heldSinceMs >= 0;
    }
}
