package io.ringwork.sim.cluster;

import io.ringwork.core.store.StoredState;
import java.util.HashMap;
import java.util.Map;

/**
 * Two parts. (1) The checkpoint invariant, exactly, on every store: every record at or below the
 * store's checkpoint of its partition is reflected in that store (its key's state has at least
 * the record's offset as version). Replication must keep this for a takeover to be safe.
 * (2) A record whose commit was reported durable is reflected on at least one store that still
 * exists (a member's, crashed ones included: their disk survives).
 */
public final class NoLostRecord implements ClusterInvariant {
    private final Map<String, Integer> writesSeen = new HashMap<>();
    private long fingerprintSeen = Long.MIN_VALUE;

    @Override
    public void check(ProcessingCluster cluster) {
        SimLog log = cluster.log();
        // Nothing that part (2) depends on changed since the last step: skip the whole check.
        long fingerprint = 0;
        for (SimProcessingNode node : cluster.nodes()) {
            fingerprint = fingerprint * 31 + node.store().writes() * 7L + node.status().ordinal();
        }
        for (int p = 0; p < log.partitionCount(); p++) fingerprint = fingerprint * 31 + cluster.durableUpTo(p);
        if (fingerprint == fingerprintSeen) return;
        fingerprintSeen = fingerprint;
        for (SimProcessingNode node : cluster.nodes()) {
            int writes = node.store().writes();
            if (writesSeen.getOrDefault(node.id(), -1) == writes) continue;
            writesSeen.put(node.id(), writes);
            for (int p = 0; p < log.partitionCount(); p++) {
                long checkpoint = node.store().checkpoint(p);
                if (checkpoint < 0) continue;
                for (String key : log.keys(p)) {
                    long needed = log.lastOffsetAtOrBelow(key, checkpoint);
                    if (needed < 0) continue;
                    StoredState state = node.store().get(p, key);
                    ClusterInvariant.require(state != null && state.version() >= needed,
                            "%s: checkpoint(%s) = %s but %s is at %s, missing the record at %s", node.id(), p,
                            checkpoint, key, state == null ? "nothing" : state.version(), needed);
                }
            }
        }
        for (int p = 0; p < log.partitionCount(); p++) {
            long durable = cluster.durableUpTo(p);
            if (durable < 0) continue;
            for (String key : log.keys(p)) {
                long needed = log.lastOffsetAtOrBelow(key, durable);
                if (needed < 0) continue;
                boolean held = false;
                for (SimProcessingNode node : cluster.nodes()) {
                    if (node.status() == SimProcessingNode.Status.GONE) continue;
                    StoredState state = node.store().get(p, key);
                    if (state != null && state.version() >= needed) {
                        held = true;
                        break;
                    }
                }
                ClusterInvariant.require(held, "partition %s was durable up to %s, but no store holds %s at %s",
                        p, durable, key, needed);
            }
        }
    }
}
