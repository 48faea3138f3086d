package io.ringwork.sim.cluster;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StoredState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * On every node, the change feed is monotonic per key (each key's versions strictly increase
 * along the feed, which also means no change is fed twice) and no stored state ever goes back
 * to a lower version. Incremental: only stores written since the last step are read.
 */
public final class PerKeyOrder implements ClusterInvariant {
    private static final class Seen {
        int writes = -1;
        long feedPosition;
        final Map<String, Long> fedVersion = new HashMap<>();
        final Map<String, Long> stateVersion = new HashMap<>();
    }

    // Not Integer.MAX_VALUE: MemoryStateStore.changes computes from + limit in int and overflows
    // (see MemoryStateStoreFeedTest). A step never adds anywhere near this many changes.
    private static final int FEED_READ_MAX = 1 << 20;
    private final Map<String, Seen> seen = new HashMap<>();

    @Override
    public void check(ProcessingCluster cluster) {
        for (SimProcessingNode node : cluster.nodes()) {
            Seen s = seen.computeIfAbsent(node.id(), x -> new Seen());
            if (node.store().writes() == s.writes) continue;
            s.writes = node.store().writes();
            List<FeedEntry> fresh = node.store().changes(s.feedPosition, FEED_READ_MAX);
            for (FeedEntry entry : fresh) {
                ClusterInvariant.require(entry.position() == s.feedPosition, "%s: feed position %s after %s",
                        node.id(), entry.position(), s.feedPosition - 1);
                s.feedPosition++;
                String key = entry.change().key();
                long last = s.fedVersion.getOrDefault(key, -1L);
                ClusterInvariant.require(entry.change().version() > last,
                        "%s: feed has %s@%s at position %s after version %s", node.id(), key,
                        entry.change().version(), entry.position(), last);
                s.fedVersion.put(key, entry.change().version());
            }
            for (Map.Entry<String, StoredState> state : node.store().states().entrySet()) {
                long before = s.stateVersion.getOrDefault(state.getKey(), -1L);
                ClusterInvariant.require(state.getValue().version() >= before, "%s: state of %s went back from %s to %s",
                        node.id(), state.getKey(), before, state.getValue().version());
                s.stateVersion.put(state.getKey(), state.getValue().version());
            }
        }
    }

    /** The last version node {@code id} fed for {@code key}, or -1. */
    long lastFed(String id, String key) {
        Seen s = seen.get(id);
        return s == null ? -1 : s.fedVersion.getOrDefault(key, -1L);
    }
}
