package io.ringwork.runtime.util;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What each source (a client address, a peer host) holds open of something bounded, such as
 * connections or change-feed streams, with a cap per source, so that one source cannot take what
 * all share. A source's entry is dropped when it holds nothing, so memory follows what is open.
 * Thread-safe.
 *
 * @param <K> how sources are told apart
 */
public final class SlotsPerSource<K> {
    private final int maxPerSource;
    private final ConcurrentHashMap<K, Integer> open = new ConcurrentHashMap<>();

    public SlotsPerSource(int maxPerSource) {
        this.maxPerSource = maxPerSource;
    }

    /** Takes a slot for {@code source}; false, and nothing taken, when it holds the most already. */
    public boolean tryTake(K source) {
        boolean[] taken = {false};
        open.compute(source, (key, count) -> {
            int n = count == null ? 0 : count;
            if (n >= maxPerSource) return count;
            taken[0] = true;
            return n + 1;
        });
        return taken[0];
    }

    /** Gives back a slot {@link #tryTake} gave {@code source}. */
    public void release(K source) {
        open.computeIfPresent(source, (key, count) -> count <= 1 ? null : count - 1);
    }

    public int maxPerSource() {
        return maxPerSource;
    }
}
