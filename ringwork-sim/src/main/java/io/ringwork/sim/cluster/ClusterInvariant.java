package io.ringwork.sim.cluster;

/**
 * A property of the simulated cluster checked after every step. {@link #check} throws
 * {@link Violation} with what broke; the cluster adds the seed, step and time.
 */
public interface ClusterInvariant {
    void check(ProcessingCluster cluster);

    default String name() {
        return getClass().getSimpleName();
    }

    /** What an invariant throws. */
    final class Violation extends RuntimeException {
        public Violation(String message) {
            super(message);
        }
    }

    static void require(boolean condition, String format, Object... args) {
        if (!condition) throw new Violation(String.format(format, args));
    }
}
