package io.ringwork.sim;

/** A violated invariant or a runaway simulation. The message always names the seed that replays it. */
public final class SimulationFailure extends AssertionError {
    private final long seed;

    public SimulationFailure(long seed, String message) {
        super(message + " [seed=" + seed + "; replay with SEED=" + seed + "]");
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }
}
