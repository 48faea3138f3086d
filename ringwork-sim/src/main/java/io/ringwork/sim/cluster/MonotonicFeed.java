package io.ringwork.sim.cluster;

import io.ringwork.core.record.FeedEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * On every node, the change feed has no gaps in positions and is monotonic per key: each key's
 * versions strictly increase along the feed, so no change is fed twice. After a violation the
 * checker moves past the offending entry, so that a run told to only report it (see
 * {@link ClusterConfig#reportOnly}) can count further ones. Incremental.
 */
public final class MonotonicFeed implements ClusterInvariant {
    // Not Integer.MAX_VALUE: MemoryStateStore.changes computes from + limit in int and overflows
    // (see MemoryStateStoreFeedTest). A step never adds anywhere near this many changes.
    private static final int FEED_READ_MAX = 1 << 20;

    private static final class Seen {
        long position;
        final Map<String, Long> fedVersion = new HashMap<>();
    }

    private final Map<String, Seen> seen = new HashMap<>();

    @Override
    public void check(ProcessingCluster cluster) {
        for (SimProcessingNode node : cluster.nodes()) {
            Seen s = seen.computeIfAbsent(node.id(), x -> new Seen());
            if (node.store().feedEnd() == s.position) continue;
            List<FeedEntry> fresh = node.store().changes(s.position, FEED_READ_MAX);
            for (FeedEntry entry : fresh) {
                ClusterInvariant.require(entry.position() == s.position, "%s: feed position %s after %s",
                        node.id(), entry.position(), s.position - 1);
                s.position++;
                String key = entry.change().key();
                long last = s.fedVersion.getOrDefault(key, -1L);
                s.fedVersion.put(key, Math.max(last, entry.change().version()));
                ClusterInvariant.require(entry.change().version() > last,
                        "%s: feed has %s@%s at position %s after version %s", node.id(), key,
                        entry.change().version(), entry.position(), last);
            }
        }
    }

    /** The highest version node {@code id} fed for {@code key}, or -1. */
    long lastFed(String id, String key) {
        Seen s = seen.get(id);
        return s == null ? -1 : s.fedVersion.getOrDefault(key, -1L);
    }
}
