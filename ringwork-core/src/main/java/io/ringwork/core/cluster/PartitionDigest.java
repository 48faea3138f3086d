package io.ringwork.core.cluster;

import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.Arrays;
import java.util.List;

/**
 * An order-free hash of a partition's states (key, version, flags, processor and value), read
 * in pages: two replicas with the same states get the same digest whatever their storage order.
 * A sum of 64-bit hashes of each state; a difference means some state differs.
 */
public final class PartitionDigest {
    private static final int PAGE = 512;

    private PartitionDigest() {}

    public static long of(StateStore store, int partition) {
        long sum = 0;
        String after = null;
        while (true) {
            List<StateWrite> page = store.scan(partition, after, PAGE);
            for (StateWrite write : page) sum += hash(write);
            if (page.size() < PAGE) return sum;
            after = page.get(page.size() - 1).key();
        }
    }

    private static long hash(StateWrite write) {
        long h = io.ringwork.core.ring.RingHash.hash64(write.key());
        h = h * 31 + Arrays.hashCode(write.state().toBytes());
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
