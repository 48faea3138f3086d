package io.ringwork.core.cluster;

import io.ringwork.core.ring.RingNode;
import io.ringwork.core.util.Invariants;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

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

    /** The gossiped metadata keys of a member's view (next to whatever else it gossips). */
    public static final String READY = "ready";
    public static final String OWNED = "owned";
    public static final String LEAVING = "leaving";
    public static final String WEIGHT = "weight";

    /**
     * {@code base} with this view's partitions and leaving flag, as a member gossips them: the
     * bit sets in hex (bit p of the little-endian bytes is partition p), {@code leaving=1} only
     * when leaving. The weight is gossiped once, in the base.
     */
    public Map<String, String> toMetadata(Map<String, String> base) {
        Map<String, String> metadata = new HashMap<>(base);
        metadata.put(READY, HexFormat.of().formatHex(ready.toByteArray()));
        metadata.put(OWNED, HexFormat.of().formatHex(owned.toByteArray()));
        if (leaving) metadata.put(LEAVING, "1");
        else metadata.remove(LEAVING);
        return metadata;
    }

    /**
     * A member's view from its gossiped metadata. Damaged values read as holding nothing and
     * weight 1: a peer whose metadata cannot be read holds nothing anyone can count on.
     */
    public static MemberView fromMetadata(String id, Map<String, String> metadata) {
        return new MemberView(id, weightOf(metadata.get(WEIGHT)), bits(metadata.get(READY)), bits(metadata.get(OWNED)),
                "1".equals(metadata.get(LEAVING)));
    }

    private static int weightOf(String raw) {
        try {
            int weight = raw == null ? 1 : Integer.parseInt(raw);
            return weight >= 1 && weight <= RingNode.WEIGHT_MAX ? weight : 1;
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static BitSet bits(String hex) {
        if (hex == null || hex.isEmpty()) return new BitSet();
        try {
            return BitSet.valueOf(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            return new BitSet();
        }
    }

    public boolean isReady(int partition) {
        return ready.get(partition);
    }

    public boolean owns(int partition) {
        return owned.get(partition);
    }
}
