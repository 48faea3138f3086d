package io.ringwork.sim;

/**
 * Where a simulation's seed comes from: the {@code SEED} system property, then the {@code SEED}
 * environment variable, else the caller's default. {@code SEED=n} therefore replays a failure.
 */
public final class Seeds {
    private Seeds() {}

    public static long fromEnvironment(long defaultSeed) {
        String text = System.getProperty("SEED");
        if (text == null || text.isBlank()) text = System.getenv("SEED");
        if (text == null || text.isBlank()) return defaultSeed;
        return Long.parseLong(text.trim());
    }

    /** True when a replay was requested; multi-seed tests then run only that seed. */
    public static boolean isReplay() {
        String property = System.getProperty("SEED");
        String env = System.getenv("SEED");
        return (property != null && !property.isBlank()) || (env != null && !env.isBlank());
    }
}
