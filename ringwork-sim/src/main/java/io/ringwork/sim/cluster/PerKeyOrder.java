package io.ringwork.sim.cluster;

import io.ringwork.core.store.StoredState;
import java.util.HashMap;
import java.util.Map;

/**
 * On every node, no stored state ever goes back to a lower version (records of a key take effect
 * in log order and a later write never undoes a newer one), while the node holds it: a partition
 * dropped by a node that left its replica set starts over when the node holds it again. The feed's per-key order is
 * {@link MonotonicFeed}. Incremental: only stores written since the last step are read.
 */
public final class PerKeyOrder implements ClusterInvariant {
    private final Map<String, Integer> writesSeen = new HashMap<>();
    private final Map<String, Map<String, Long>> versions = new HashMap<>();

    @Override
    public void check(ProcessingCluster cluster) {
        for (SimProcessingNode node : cluster.nodes()) {
            int writes = node.store().writes();
            if (writesSeen.getOrDefault(node.id(), -1) == writes) continue;
            writesSeen.put(node.id(), writes);
            Map<String, Long> seen = versions.computeIfAbsent(node.id(), x -> new HashMap<>());
            Map<String, StoredState> states = node.store().states();
            // A state disappears only when its node dropped the partition (it left the replica set,
            // scale-out); held again later, it starts over from what its catch-up brings.
            seen.keySet().retainAll(states.keySet());
            for (Map.Entry<String, StoredState> state : states.entrySet()) {
                long before = seen.getOrDefault(state.getKey(), -1L);
                ClusterInvariant.require(state.getValue().version() >= before, "%s: state of %s went back from %s to %s",
                        node.id(), state.getKey(), before, state.getValue().version());
                seen.put(state.getKey(), state.getValue().version());
            }
        }
    }
}
