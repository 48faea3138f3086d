package io.ringwork.core.store;

import io.ringwork.core.ring.RingHash;
import java.util.Arrays;

/**
 * The hash of one state in a partition's anti-entropy digest ({@link StateStore#digest}): a
 * partition's digest is the sum, modulo 2^64, of {@link #hash} over its states, so it does not
 * depend on storage order and a store keeps it up to date on every write by subtracting the
 * replaced state's hash and adding the new one. Pure and thread-safe.
 */
public final class StateDigest {
    private StateDigest() {}

    /** The hash of {@code key} holding the state whose stored form ({@link StoredState#toBytes}) is {@code stateBytes}. */
    public static long hash(String key, byte[] stateBytes) {
        long h = RingHash.hash64(key);
        h = h * 31 + Arrays.hashCode(stateBytes);
        return mix(h);
    }

    public static long hash(String key, StoredState state) {
        return hash(key, state.toBytes());
    }

    /**
     * What a partition's digest changes by when {@code key}'s state goes from {@code before}
     * (null: none) to {@code after} (null: removed). Stored forms, as {@link #hash} takes them.
     */
    public static long delta(String key, byte[] before, byte[] after) {
        return (after == null ? 0 : hash(key, after)) - (before == null ? 0 : hash(key, before));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
