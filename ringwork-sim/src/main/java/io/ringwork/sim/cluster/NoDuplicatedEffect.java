package io.ringwork.sim.cluster;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StoredState;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Every state any store holds at version v is exactly the sequential fold of its key's records up
 * to offset v, and every change fed at version v carries that state: a record applied twice, out
 * of order, or on top of a state that missed a record shows up as a different state.
 * Incremental: only stores written since the last step are read.
 */
public final class NoDuplicatedEffect implements ClusterInvariant {
    // Not Integer.MAX_VALUE: MemoryStateStore.changes computes from + limit in int and overflows
    // (see MemoryStateStoreFeedTest). A step never adds anywhere near this many changes.
    private static final int FEED_READ_MAX = 1 << 20;
    private final Map<String, Integer> writesSeen = new HashMap<>();
    private final Map<String, Long> feedSeen = new HashMap<>();

    @Override
    public void check(ProcessingCluster cluster) {
        SimLog log = cluster.log();
        for (SimProcessingNode node : cluster.nodes()) {
            int writes = node.store().writes();
            if (writesSeen.getOrDefault(node.id(), -1) == writes) continue;
            writesSeen.put(node.id(), writes);
            for (Map.Entry<String, StoredState> entry : node.store().states().entrySet()) {
                StoredState actual = entry.getValue();
                StoredState expected = log.expectedAt(entry.getKey(), actual.version());
                ClusterInvariant.require(expected != null, "%s holds %s@%s, but no record of that key has that offset",
                        node.id(), entry.getKey(), actual.version());
                ClusterInvariant.require(same(expected, actual), "%s holds %s@%s = %s, the fold gives %s", node.id(),
                        entry.getKey(), actual.version(), text(actual), text(expected));
            }
            long from = feedSeen.getOrDefault(node.id(), 0L);
            for (FeedEntry fed : node.store().changes(from, FEED_READ_MAX)) {
                StoredState expected = log.expectedAt(fed.change().key(), fed.change().version());
                ClusterInvariant.require(expected != null && expected.tombstone() == fed.change().tombstone()
                                && (expected.tombstone() || Arrays.equals(expected.value(), fed.change().valueJson())
                                || Arrays.equals(view(cluster, expected), fed.change().valueJson())),
                        "%s fed %s@%s that is not the fold's state there", node.id(), fed.change().key(), fed.change().version());
                from = fed.position() + 1;
            }
            feedSeen.put(node.id(), from);
        }
    }

    /**
     * The state as the feed shows it: the stored bytes for processors whose states are JSON
     * documents, the codec's view for others (the key-value store keeps its answers beside the value).
     */
    private static byte[] view(ProcessingCluster cluster, StoredState expected) {
        if (expected.value() == null) return null;
        var applier = cluster.applier();
        var state = applier.decode(expected.version(), expected.processor(), expected.tombstone(), expected.value(), expected.ids());
        var json = applier.toJson(state);
        return json == null ? null : io.ringwork.core.processing.JsonStateCodec.INSTANCE.encode(json);
    }

    static boolean same(StoredState a, StoredState b) {
        return a.version() == b.version() && a.processor().equals(b.processor()) && a.tombstone() == b.tombstone()
                && Arrays.equals(a.value(), b.value());
    }

    static String text(StoredState state) {
        return state.tombstone() ? "<tombstone>" : state.value() == null ? "<no value>"
                : new String(state.value(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
