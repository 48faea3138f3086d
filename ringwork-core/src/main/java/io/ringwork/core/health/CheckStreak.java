package io.ringwork.core.health;

import io.ringwork.core.health.HealthResult.Status;
import io.ringwork.core.util.Invariants;

/**
 * A target's status at its checker and the checks in a row behind it: the thresholds that keep one
 * failed check from making a target unhealthy. A new target is {@code UNKNOWN} until
 * {@code successThreshold} checks in a row pass or {@code failureThreshold} fail; a healthy one
 * turns unhealthy after {@code failureThreshold} failures in a row, an unhealthy one healthy after
 * {@code successThreshold} passes. Immutable.
 *
 * @param status   HEALTHY, UNHEALTHY or UNKNOWN
 * @param sinceMs  when the target entered {@code status}
 * @param passes   checks in a row that passed (0 after a failure)
 * @param failures checks in a row that failed (0 after a pass)
 */
public record CheckStreak(Status status, long sinceMs, int passes, int failures) {
    public CheckStreak {
        Invariants.check(status != Status.REMOVED, "a checked target is never REMOVED");
        Invariants.check(passes == 0 || failures == 0, "a streak is of passes or of failures, got %s and %s", passes, failures);
    }

    /** A target nobody has checked yet. */
    public static CheckStreak fresh(long nowMs) {
        return new CheckStreak(Status.UNKNOWN, nowMs, 0, 0);
    }

    /**
     * Where a new checker starts: the status the last checker gossiped, so a takeover neither
     * repeats a transition nor hides one (the streaks themselves are not gossiped: they restart, so
     * the next transition needs its full threshold from the new checker). Nothing known, or a
     * removal: {@link #fresh}.
     */
    public static CheckStreak resume(HealthResult last, long nowMs) {
        if (last == null || last.status() == Status.REMOVED || last.status() == Status.UNKNOWN) return fresh(nowMs);
        return new CheckStreak(last.status(), last.sinceMs(), 0, 0);
    }

    /** The streak after one more check of {@code target} at {@code nowMs}. */
    public CheckStreak after(boolean passed, HealthTarget target, long nowMs) {
        int newPasses = passed ? passes + 1 : 0;
        int newFailures = passed ? 0 : failures + 1;
        Status next = status;
        if (passed && status != Status.HEALTHY && newPasses >= target.successThreshold()) next = Status.HEALTHY;
        if (!passed && status != Status.UNHEALTHY && newFailures >= target.failureThreshold()) next = Status.UNHEALTHY;
        return new CheckStreak(next, next == status ? sinceMs : nowMs, newPasses, newFailures);
    }

    /** True when {@code next} is a change of status from this one: a transition. */
    public boolean changedTo(CheckStreak next) {
        return next.status != status;
    }
}
