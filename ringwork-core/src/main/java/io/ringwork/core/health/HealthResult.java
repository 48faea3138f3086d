package io.ringwork.core.health;

import java.util.Comparator;
import java.util.Objects;

/**
 * What the checker of a target last said about it: one register of {@link HealthMap}. Results of
 * one target are ordered by their {@link Stamp}; the higher one wins a merge.
 *
 * @param status    the target's status as its checker decided it
 * @param sinceMs   when the target entered that status (the checker's clock)
 * @param latencyMs the last check's latency, -1 when it got no answer
 * @param error     the last check's error, empty when it passed
 * @param stamp     who said it and when, in the order merges use
 */
public record HealthResult(Status status, long sinceMs, long latencyMs, String error, Stamp stamp) {
    public enum Status { HEALTHY, UNHEALTHY, UNKNOWN, REMOVED }

    /**
     * The order of results of one target: the checker's ownership epoch first (a checker that took
     * the target over outranks its predecessor whatever their clocks say), then the hybrid logical
     * time, then the checker's id (two checkers of one epoch and time: an arbitrary but agreed winner).
     */
    public record Stamp(long epoch, HybridClock.Time time, String checker) implements Comparable<Stamp> {
        private static final Comparator<Stamp> ORDER = Comparator.comparingLong(Stamp::epoch)
                .thenComparing(Stamp::time).thenComparing(Stamp::checker);

        public Stamp {
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(checker, "checker");
        }

        @Override
        public int compareTo(Stamp other) {
            return ORDER.compare(this, other);
        }
    }

    public HealthResult {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(stamp, "stamp");
        error = error == null ? "" : error;
    }

    /**
     * The whole order results are joined by: the stamp, then (for two results under one stamp,
     * which a checker never makes, since its clock never repeats a time) the content, so the join
     * stays commutative whatever it is given.
     */
    private static final Comparator<HealthResult> JOIN_ORDER = Comparator.comparing(HealthResult::stamp)
            .thenComparing(HealthResult::status).thenComparingLong(HealthResult::sinceMs)
            .thenComparingLong(HealthResult::latencyMs).thenComparing(HealthResult::error);

    /** The join of two results of one target (null: none): the higher in {@link #JOIN_ORDER}. */
    public static HealthResult join(HealthResult a, HealthResult b) {
        if (a == null) return b;
        if (b == null) return a;
        return JOIN_ORDER.compare(a, b) >= 0 ? a : b;
    }
}
