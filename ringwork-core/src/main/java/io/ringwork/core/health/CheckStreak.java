package io.ringwork.core.health;

import io.ringwork.core.health.HealthResult.Status;
import io.ringwork.core.util.Invariants;

/**
 * A target's status at its checker and the checks behind it: the thresholds that keep one failed
 * check from making a target unhealthy, and flap detection. A new target is {@code UNKNOWN} until
 * {@code successThreshold} checks in a row pass or {@code failureThreshold} fail; a healthy one
 * turns unhealthy after {@code failureThreshold} failures in a row, an unhealthy one healthy after
 * {@code successThreshold} passes.
 *
 * <p>Flapping (Nagios's percent state change): over the last {@link #FLAP_WINDOW} checks, the
 * changes between consecutive results, weighted from 0.8 (oldest) to 1.2 (newest), as a share of
 * the 20 possible. A target starts flapping above {@link #FLAP_HIGH_PERCENT} and stops below
 * {@link #FLAP_LOW_PERCENT} (hysteresis), judged only on a full window. Immutable.
 *
 * @param status   HEALTHY, UNHEALTHY or UNKNOWN
 * @param sinceMs  when the target entered {@code status}
 * @param passes   checks in a row that passed (0 after a failure)
 * @param failures checks in a row that failed (0 after a pass)
 * @param history  the last results, newest in bit 0 (1: passed), at most {@link #FLAP_WINDOW}
 * @param checks   how many results {@code history} holds
 * @param flapping whether the target flaps now
 */
public record CheckStreak(Status status, long sinceMs, int passes, int failures, long history, int checks, boolean flapping) {
    public static final int FLAP_WINDOW = 21;
    public static final double FLAP_HIGH_PERCENT = 50;
    public static final double FLAP_LOW_PERCENT = 25;

    public CheckStreak {
        Invariants.check(status != Status.REMOVED, "a checked target is never REMOVED");
        Invariants.check(passes == 0 || failures == 0, "a streak is of passes or of failures, got %s and %s", passes, failures);
        Invariants.check(checks >= 0 && checks <= FLAP_WINDOW, "checks in the window: %s", checks);
    }

    /** A target nobody has checked yet. */
    public static CheckStreak fresh(long nowMs) {
        return new CheckStreak(Status.UNKNOWN, nowMs, 0, 0, 0, 0, false);
    }

    /**
     * Where a new checker starts: the status (and flapping) the last checker gossiped, so a
     * takeover neither repeats a transition nor hides one (streaks and the window are not
     * gossiped: they restart, so the next transition needs its full threshold, and flapping ends
     * only once a new full window says so). Nothing known, or a removal: {@link #fresh}.
     */
    public static CheckStreak resume(HealthResult last, long nowMs) {
        if (last == null || last.status() == Status.REMOVED || last.status() == Status.UNKNOWN) return fresh(nowMs);
        return new CheckStreak(last.status(), last.sinceMs(), 0, 0, 0, 0, last.flapping());
    }

    /** The streak after one more check of {@code target} at {@code nowMs}. */
    public CheckStreak after(boolean passed, HealthTarget target, long nowMs) {
        int newPasses = passed ? passes + 1 : 0;
        int newFailures = passed ? 0 : failures + 1;
        Status next = status;
        if (passed && status != Status.HEALTHY && newPasses >= target.successThreshold()) next = Status.HEALTHY;
        if (!passed && status != Status.UNHEALTHY && newFailures >= target.failureThreshold()) next = Status.UNHEALTHY;
        long newHistory = ((history << 1) | (passed ? 1 : 0)) & ((1L << FLAP_WINDOW) - 1);
        int newChecks = Math.min(FLAP_WINDOW, checks + 1);
        boolean newFlapping = flapping;
        if (newChecks == FLAP_WINDOW) {
            double percent = percentStateChange(newHistory, newChecks);
            newFlapping = flapping ? percent >= FLAP_LOW_PERCENT : percent > FLAP_HIGH_PERCENT;
        }
        return new CheckStreak(next, next == status ? sinceMs : nowMs, newPasses, newFailures, newHistory, newChecks, newFlapping);
    }

    /** Nagios's weighted percent state change over the {@code checks} results in {@code history} (newest in bit 0). */
    public static double percentStateChange(long history, int checks) {
        if (checks < 2) return 0;
        double weighted = 0;
        int changes = checks - 1;
        // i counts changes from the oldest (i = 0) to the newest (i = changes - 1).
        for (int i = 0; i < changes; i++) {
            int older = checks - 1 - i;
            boolean changed = ((history >>> older) & 1) != ((history >>> (older - 1)) & 1);
            double weight = changes == 1 ? 1.0 : 0.8 + 0.4 * i / (changes - 1);
            if (changed) weighted += weight;
        }
        return 100.0 * weighted / changes;
    }

    /** True when {@code next} is a change of status from this one: a transition. */
    public boolean changedTo(CheckStreak next) {
        return next.status != status;
    }
}
