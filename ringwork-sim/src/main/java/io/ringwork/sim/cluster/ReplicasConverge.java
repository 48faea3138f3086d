package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.cluster.PartitionDigest;
import io.ringwork.core.store.StoredState;

/**
 * At the end of the liveness phase: every replica on the final preference lists holds every key
 * of the partition at exactly the full sequential fold and its checkpoint covers every record; no
 * feed is ahead of a key's last change, and that last change is on some node's feed. (A replica
 * that caught up by snapshot jumps to the snapshot's versions without feeding the changes in
 * between: a node's feed is complete for the time it was in sync, not before.) Every node's
 * incremental digest of every partition equals the scan of its states ({@link PartitionDigest#of}),
 * after all the commits, snapshots, repairs and drops of the run.
 */
public final class ReplicasConverge {
    private final MonotonicFeed feeds;

    public ReplicasConverge(MonotonicFeed feeds) {
        this.feeds = feeds;
    }

    public void checkFinal(ProcessingCluster cluster) {
        SimLog log = cluster.log();
        OwnershipPlan plan = cluster.truePlan();
        try {
            feeds.check(cluster); // bring the feed positions up to date
        } catch (ClusterInvariant.Violation v) {
            cluster.violated(feeds.name(), v.getMessage());
        }
        try {
            for (int p = 0; p < log.partitionCount(); p++) {
                for (String replica : plan.replicas(p)) {
                    SimProcessingNode node = cluster.node(replica);
                    ClusterInvariant.require(node.store().checkpoint(p) == log.end(p) - 1,
                            "%s: checkpoint(%s) = %s, log ends at %s", replica, p, node.store().checkpoint(p), log.end(p) - 1);
                    for (String key : log.keys(p)) {
                        StoredState state = node.store().get(p, key);
                        ClusterInvariant.require(state != null && NoDuplicatedEffect.same(state, log.finalState(key)),
                                "%s: %s is %s, the fold ends at %s", replica, key,
                                state == null ? "absent" : state.version(), log.finalState(key).version());
                        long fed = feeds.lastFed(replica, key);
                        if (fed > log.lastChangeOf(key)) {
                            cluster.violated("FeedComplete", String.format(
                                    "%s: the feed's last change of %s is at %s, past the key's last change at %s",
                                    replica, key, fed, log.lastChangeOf(key)));
                        }
                    }
                }
            }
            for (SimProcessingNode node : cluster.nodes()) {
                for (int p = 0; p < log.partitionCount(); p++) {
                    long scanned = PartitionDigest.of(node.store(), p);
                    ClusterInvariant.require(node.store().digest(p) == scanned,
                            "%s: the digest of partition %s is %s, its states scan to %s", node.id(), p, node.store().digest(p), scanned);
                }
            }
            // A replica that caught up by snapshot jumps to the snapshot's versions without feeding
            // the changes in between (by design); the last change must still be on some node's feed.
            for (int p = 0; p < log.partitionCount(); p++) {
                for (String key : log.keys(p)) {
                    long best = -1;
                    for (SimProcessingNode node : cluster.nodes()) best = Math.max(best, feeds.lastFed(node.id(), key));
                    if (best != log.lastChangeOf(key)) {
                        cluster.violated("FeedComplete", String.format("the last change of %s (at %s) is on no node's feed; the newest fed is %s",
                                key, log.lastChangeOf(key), best));
                    }
                }
            }
        } catch (ClusterInvariant.Violation v) {
            throw cluster.failure("ReplicasConverge: " + v.getMessage(), null);
        }
    }
}
