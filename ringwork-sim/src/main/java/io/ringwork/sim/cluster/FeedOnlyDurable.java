package io.ringwork.sim.cluster;

import io.ringwork.core.record.FeedEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * No node's feed carries a change before a write quorum holds its record: every change of
 * partition p that any node has fed has a version (its record's offset) at or below the highest
 * checkpoint of p that a quorum is known to hold: the checkpoint of a commit its owner made durable,
 * or the state an owner started from once a quorum was in sync with it. A quorum holding a
 * checkpoint reflects every record at or below it (the replica invariant), so it holds the change's
 * key at that version or later. The check sees every node's store, crashed ones included (their
 * feed survives the crash). Incremental: each step reads only what feeds gained.
 */
public final class FeedOnlyDurable implements ClusterInvariant {
    private static final int FEED_READ_MAX = 1 << 20;

    private final Map<String, Long> readUpTo = new HashMap<>();
    private final long[] heldUpTo;

    public FeedOnlyDurable(int partitions) {
        this.heldUpTo = new long[partitions];
        java.util.Arrays.fill(heldUpTo, -1);
    }

    /** A write quorum holds every record of {@code partition} at or below {@code checkpoint}. */
    void held(int partition, long checkpoint) {
        heldUpTo[partition] = Math.max(heldUpTo[partition], checkpoint);
    }

    @Override
    public void check(ProcessingCluster cluster) {
        for (SimProcessingNode node : cluster.nodes()) {
            long from = readUpTo.getOrDefault(node.id(), 0L);
            if (node.store().feedEnd() == from) continue;
            List<FeedEntry> fresh = node.store().changes(from, FEED_READ_MAX);
            if (!fresh.isEmpty()) readUpTo.put(node.id(), fresh.get(fresh.size() - 1).position() + 1);
            for (FeedEntry entry : fresh) {
                int p = entry.change().partition();
                ClusterInvariant.require(entry.change().version() <= heldUpTo[p],
                        "%s: feed has %s@%s of p%d at position %s, but a quorum holds p%d only up to %s", node.id(),
                        entry.change().key(), entry.change().version(), p, entry.position(), p, heldUpTo[p]);
            }
        }
    }
}
