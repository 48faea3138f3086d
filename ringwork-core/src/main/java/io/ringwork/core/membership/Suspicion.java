package io.ringwork.core.membership;

import io.ringwork.core.util.Invariants;

import java.util.HashSet;
import java.util.Set;

/**
 * Lifeguard's dynamic suspicion timeout for one suspected member. It starts at {@code maxMs} and
 * falls towards {@code minMs} as independent members confirm the suspicion: after n of the k
 * expected confirmations the timeout is
 *
 * <pre>  timeout(n) = max(min, max − (max − min) × log(n + 1) / log(k + 1))</pre>
 *
 * floored to whole milliseconds. Confirmations past k change nothing, so the set of confirmers
 * is bounded by k + 1 (the first suspecter included). With k = 0 the timeout is min at once.
 *
 * <p>Only independent accusers count: a suspicion learned second-hand (from a full-state sync,
 * which does not say who accused) starts with no known accuser, and the first named accuser
 * that arrives afterwards takes the first suspecter's place instead of counting as a
 * confirmation — it may well be the very accusation the sync was repeating.
 */
final class Suspicion {
    private final long startedAtMs;
    private final int expectedConfirmations;
    private final long minMs;
    private final long maxMs;
    private final Set<String> confirmers = new HashSet<>();
    private long deadlineMs;

    /** @param firstSuspecterId the accuser, or null when it is not known (a second-hand suspicion) */
    Suspicion(String firstSuspecterId, long startedAtMs, int expectedConfirmations, long minMs, long maxMs) {
        Invariants.require(minMs > 0 && maxMs >= minMs && expectedConfirmations >= 0,
                "need 0 < min (%s) <= max (%s), k >= 0", minMs, maxMs);
        this.startedAtMs = startedAtMs;
        this.expectedConfirmations = expectedConfirmations;
        this.minMs = minMs;
        this.maxMs = maxMs;
        if (firstSuspecterId != null) confirmers.add(firstSuspecterId);
        this.deadlineMs = startedAtMs + timeoutMs(0, expectedConfirmations, minMs, maxMs);
    }

    /** The total timeout after {@code confirmations} of {@code k}; see the class comment. */
    static long timeoutMs(int confirmations, int k, long minMs, long maxMs) {
        if (k < 1) return minMs;
        double fraction = Math.log(Math.min(confirmations, k) + 1.0) / Math.log(k + 1.0);
        long timeoutMs = (long) Math.floor(maxMs - fraction * (maxMs - minMs));
        return Math.max(minMs, timeoutMs);
    }

    /** What is left of the timeout {@code elapsedMs} after the suspicion started (may be negative). */
    static long remainingMs(int confirmations, int k, long elapsedMs, long minMs, long maxMs) {
        return timeoutMs(confirmations, k, minMs, maxMs) - elapsedMs;
    }

    /**
     * Records that {@code fromId} also suspects the member. Returns true when it is news — a
     * counted confirmation, or the first named accuser of a second-hand suspicion — and the
     * caller then re-gossips it so others can count it too.
     */
    boolean confirm(String fromId) {
        if (confirmations() >= expectedConfirmations || confirmers.contains(fromId)) return false;
        confirmers.add(fromId);
        deadlineMs = startedAtMs + timeoutMs(confirmations(), expectedConfirmations, minMs, maxMs);
        return true;
    }

    int confirmations() {
        return Math.max(0, confirmers.size() - 1);
    }

    long deadlineMs() {
        return deadlineMs;
    }
}
