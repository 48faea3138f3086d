package io.ringwork.core.ring;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit hash that places virtual nodes and partitions on the ring: FNV-1a over the UTF-8
 * bytes, then the SplitMix64 finalizer, whose avalanche spreads similar names ("n1#0", "n1#1")
 * uniformly. Fixed forever: every node must compute the same positions.
 */
public final class RingHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private RingHash() {}

    public static long hash64(String value) {
        long h = FNV_OFFSET;
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= FNV_PRIME;
        }
        return mix(h);
    }

    /** SplitMix64's finalizer. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
