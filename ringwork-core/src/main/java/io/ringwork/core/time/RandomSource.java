package io.ringwork.core.time;

import java.util.SplittableRandom;

/**
 * Randomness injected into core logic so that a seed replays a run exactly. Not thread-safe:
 * each state machine owns its own instance.
 */
public interface RandomSource {
    long nextLong();

    /** A uniform int in [0, bound); bound must be positive. */
    int nextInt(int bound);

    /** A uniform double in [0, 1). */
    double nextDouble();

    /** A deterministic source for a seed. */
    static RandomSource seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new RandomSource() {
            @Override public long nextLong() { return random.nextLong(); }
            @Override public int nextInt(int bound) { return random.nextInt(bound); }
            @Override public double nextDouble() { return random.nextDouble(); }
        };
    }
}
