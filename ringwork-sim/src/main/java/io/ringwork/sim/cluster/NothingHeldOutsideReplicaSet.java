package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.OwnershipPlan;

/**
 * Scale-out, after quiescence: no member outside a partition's replica set (and not its owner)
 * holds any of its state (states, checkpoint, dead letters): it dropped them once the new list
 * was ready and the owner held all it held. And every such member's feed still carries the
 * partition: its relay took the source's feed up to the end of the log (the fed floor), and the
 * last change of every key of the partition is on its feed, unless a feed it depends on jumped by
 * snapshot (its own, while it was a replica, or the final owner's: then it holds at least what the
 * owner's feed holds). A feed jumps with the first state a catch-up by snapshot writes: a page, or
 * a commit taken after the owner's Begin (seed 986: a snapshot that never sent a page, then a
 * keepalive's state, a version with no change, hid the session's last change from the relay).
 */
public final class NothingHeldOutsideReplicaSet {
    private final MonotonicFeed feeds;

    public NothingHeldOutsideReplicaSet(MonotonicFeed feeds) {
        this.feeds = feeds;
    }

    /** Null when it holds, else what is wrong (for {@link ProcessingCluster#drained}, to wait for). */
    static String missing(ProcessingCluster cluster) {
        OwnershipPlan plan = cluster.truePlan();
        SimLog log = cluster.log();
        for (String id : cluster.members()) {
            SimProcessingNode node = cluster.node(id);
            for (int p = 0; p < log.partitionCount(); p++) {
                if (plan.replicas(p).contains(id) || id.equals(plan.owner(p))) continue;
                if (node.store().holds(p)) return id + " still holds partition " + p + " outside its replica set " + plan.replicas(p);
                if (!node.relayCaughtUp(p, log.end(p) - 1)) return id + " has not relayed partition " + p + " to " + (log.end(p) - 1);
            }
        }
        return null;
    }

    public void checkFinal(ProcessingCluster cluster) {
        String missing = missing(cluster);
        ClusterInvariant.require(missing == null, "%s", missing);
        OwnershipPlan plan = cluster.truePlan();
        SimLog log = cluster.log();
        for (String id : cluster.members()) {
            for (int p = 0; p < log.partitionCount(); p++) {
                if (plan.replicas(p).contains(id) || id.equals(plan.owner(p))) continue;
                // A feed that jumped by snapshot may lack changes before the jump, by design
                // (ReplicasConverge); a relay relays what its sources' feeds hold. The relay cannot
                // fill such a hole: it skips what the held states cover, which keeps the feed
                // monotonic once the catch-up's own changes are fed (SimProcessingNode#snapshotted).
                if (cluster.node(id).snapshotted(p)) continue;
                String owner = plan.owner(p);
                for (String key : log.keys(p)) {
                    long fed = feeds.lastFed(id, key);
                    long expected = cluster.node(owner).snapshotted(p) ? feeds.lastFed(owner, key) : log.lastChangeOf(key);
                    if (fed < expected) {
                        cluster.violated("RelayedFeedComplete", String.format(
                                "%s relays partition %s: its feed's last change of %s is at %s, %s's at %s, the key's last change at %s",
                                id, p, key, fed, owner, feeds.lastFed(owner, key), log.lastChangeOf(key)));
                    }
                }
            }
        }
    }
}
