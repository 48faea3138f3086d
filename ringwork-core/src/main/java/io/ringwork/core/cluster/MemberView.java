package io.ringwork.core.cluster;

import io.ringwork.core.util.Invariants;
import java.util.BitSet;

/**
 * What ownership needs to know about one live member, from its gossiped metadata.
 *
 * @param weight capacity weight (virtual nodes on the ring)
 * @param ready  partitions of which it holds an up-to-date replica (or which it runs)
 * @param owned  partitions it is running as owner right now
 * @param leaving it is leaving gracefully: it is off the ring and never chosen to run a partition
 */
public record MemberView(String id, int weight, BitSet ready, BitSet owned, boolean leaving) {
    public MemberView(String id, int weight, BitSet ready, BitSet owned) {
        this(id, weight, ready, owned, false);
    }

    public MemberView {
        Invariants.require(id != null && !id.isEmpty(), "id is required");
        Invariants.require(weight >= 1, "weight must be >= 1, got %s", weight);
        ready = (BitSet) ready.clone();
        owned = (BitSet) owned.clone();
    }

    @Override
    public BitSet ready() {
        return (BitSet) ready.clone();
    }

    @Override
    public BitSet owned() {
        return (BitSet) owned.clone();
    }

    public boolean isReady(int partition) {
        return ready.get(partition);
    }

    public boolean owns(int partition) {
        return owned.get(partition);
    }
}
