package io.ringwork.core.lincheck;

import io.ringwork.core.time.Clock;
import io.ringwork.core.util.Invariants;

/**
 * How much work a check may do before it answers {@link Verdict#UNKNOWN}: linearizability checking
 * is NP-complete, and a history with many concurrent or indeterminate operations can take longer
 * than anyone will wait. Steps count the search's moves (a tried operation or a backtrack) over
 * all parts of a history; memo entries bound the memory of one part (each costs about
 * {@code 100 + operations / 8} bytes plus its state). A deadline needs a clock: core reads no clock
 * itself. Immutable.
 *
 * @param maxSteps       the search's moves over the whole history, at least 1
 * @param maxMemoEntries remembered (linearized set, state) pairs of one part, at least 1
 * @param clock          the clock the deadline is on, or null for none
 * @param deadlineMs     on {@code clock}, when to give up; ignored without a clock
 */
public record Budget(long maxSteps, long maxMemoEntries, Clock clock, long deadlineMs) {
    /**
     * 100 million steps (under a minute at the 1 to 3 million steps a second measured; every
     * labelled Porcupine history needs under a million)
     * and 2 million memo entries (about 200 MB for a key of 1,000 operations).
     */
    public static final Budget DEFAULT = steps(100_000_000L, 2_000_000L);

    public Budget {
        Invariants.require(maxSteps >= 1, "maxSteps must be at least 1, not %s", maxSteps);
        Invariants.require(maxMemoEntries >= 1, "maxMemoEntries must be at least 1, not %s", maxMemoEntries);
    }

    /** A budget of steps and memory only: the same history gets the same verdict on any machine. */
    public static Budget steps(long maxSteps, long maxMemoEntries) {
        return new Budget(maxSteps, maxMemoEntries, null, 0);
    }

    /** This budget with a deadline as well. */
    public Budget until(Clock clock, long deadlineMs) {
        Invariants.require(clock != null, "a deadline needs a clock");
        return new Budget(maxSteps, maxMemoEntries, clock, deadlineMs);
    }

    boolean pastDeadline() {
        return clock != null && clock.nowMs() >= deadlineMs;
    }
}
