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
 * @param intervalMs the target's check interval when its checker said it (0: not known), so that
 *                  any node can tell a stale result ({@code unknown} after 2 intervals)
 * @param labels    the target's labels, so that any node can filter by them from memory
 * @param flapping  whether the checker finds the target flapping ({@link CheckStreak})
 */
public record HealthResult(Status status, long sinceMs, long latencyMs, String error, Stamp stamp, long intervalMs,
                           java.util.SortedMap<String, String> labels, boolean flapping) {
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
        labels = labels == null || labels.isEmpty() ? EMPTY_LABELS
                : java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(labels));
    }

    /** A result without interval or labels (a removal, or tests of the merge). */
    public HealthResult(Status status, long sinceMs, long latencyMs, String error, Stamp stamp) {
        this(status, sinceMs, latencyMs, error, stamp, 0, null, false);
    }

    /** A result of a target that does not flap. */
    public HealthResult(Status status, long sinceMs, long latencyMs, String error, Stamp stamp, long intervalMs,
                        java.util.SortedMap<String, String> labels) {
        this(status, sinceMs, latencyMs, error, stamp, intervalMs, labels, false);
    }

    private static final java.util.SortedMap<String, String> EMPTY_LABELS =
            java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>());

    /** The wall time (checker's hybrid clock) at which the checker made this result. */
    public long checkedAtMs() {
        return stamp.time().wallMs();
    }

    /**
     * The whole order results are joined by: the stamp, then (for two results under one stamp,
     * which a checker never makes, since its clock never repeats a time) the content, so the join
     * stays commutative whatever it is given.
     */
    private static final Comparator<HealthResult> JOIN_ORDER = Comparator.comparing(HealthResult::stamp)
            .thenComparing(HealthResult::status).thenComparingLong(HealthResult::sinceMs)
            .thenComparingLong(HealthResult::latencyMs).thenComparing(HealthResult::error)
            .thenComparingLong(HealthResult::intervalMs).thenComparing(HealthResult::labels, HealthResult::compareLabels)
            .thenComparing(HealthResult::flapping);

    private static int compareLabels(java.util.SortedMap<String, String> a, java.util.SortedMap<String, String> b) {
        var left = a.entrySet().iterator();
        var right = b.entrySet().iterator();
        while (left.hasNext() && right.hasNext()) {
            var l = left.next();
            var r = right.next();
            int byKey = l.getKey().compareTo(r.getKey());
            if (byKey != 0) return byKey;
            int byValue = l.getValue().compareTo(r.getValue());
            if (byValue != 0) return byValue;
        }
        return Boolean.compare(left.hasNext(), right.hasNext());
    }

    /** The join of two results of one target (null: none): the higher in {@link #JOIN_ORDER}. */
    public static HealthResult join(HealthResult a, HealthResult b) {
        if (a == null) return b;
        if (b == null) return a;
        return JOIN_ORDER.compare(a, b) >= 0 ? a : b;
    }
}
