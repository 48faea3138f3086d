package io.ringwork.core.cluster;

import io.ringwork.core.store.StateDigest;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.List;

/**
 * The reference for {@link StateStore#digest}: the same order-free sum of {@link StateDigest#hash}
 * over a partition's states, computed by reading the whole partition in pages. O(states), so
 * nodes never call it on a path that holds a partition lock (they read the store's incremental
 * digest); tests use it to check that digest.
 */
public final class PartitionDigest {
    private static final int PAGE = 512;

    private PartitionDigest() {}

    public static long of(StateStore store, int partition) {
        long sum = 0;
        String after = null;
        while (true) {
            List<StateWrite> page = store.scan(partition, after, PAGE);
            for (StateWrite write : page) sum += StateDigest.hash(write.key(), write.state());
            if (page.size() < PAGE) return sum;
            after = page.get(page.size() - 1).key();
        }
    }
}
