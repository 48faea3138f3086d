package io.ringwork.core.health;

/**
 * The times at which a partition's targets went unchecked before this node took the partition
 * over: a target whose last point on its check grid fell in {@code [fromMs, untilMs)} is checked
 * at once by the new owner, not at its next grid point, which would leave it unchecked for up to
 * two intervals.
 *
 * <p>How the previous owner stopped decides where the window opens:
 * <ul>
 *   <li><b>Handoff</b> (it is alive: a join, a leave, or it is not known). It stopped checking when
 *       its plan gave the partition away, about when this node's plan named this node, or, if it
 *       never noticed that plan (a quick handoff), when it released the partition, just before this
 *       node started it. A pause that outlasted {@code handoverPauseMs} ended with the old owner
 *       checking what it had missed, so then only the release counts. Plans change on gossip, so
 *       both times are taken {@code handoffMarginMs} early. A joiner's own plan may name it well
 *       after the old owner's did (its cores are busy catching up), but no member can name it
 *       before it gossiped that it was ready: a readiness published shortly before the plan named
 *       this node opens the window no later than that publication.
 *   <li><b>Failure</b> (suspect, dead or gone). It stopped when it died, some time before this node
 *       last saw it alive: failure detection takes a few protocol periods. The window opens
 *       {@code failureMarginMs} before that (or at the plan change if that came first).
 * </ul>
 * Either way, a previous owner that had the partition only briefly (at most {@code freshOwnerMs}
 * by this node's plan) may not have made the checks its own takeover found due, nor its first
 * regular ones: a joiner on a cold JVM, deposed by a false suspicion seconds after it started,
 * left targets unchecked for two and three intervals. It cannot have started before this node's
 * plan named it nor before this node released the partition, so the window opens there.
 * The window ends now and never reaches back before this node itself last led the partition,
 * except to the first check this node then owed (due, never started: its slots were busy). A
 * target the old owner checked within a margin of stopping is checked again: during a takeover a
 * second check is the price of no blind spot.
 */
public record TakeoverGap(long fromMs, long untilMs) {

    /** No target is due at once: this node led the partition until now, or its plan does not name it. */
    public static final TakeoverGap NONE = new TakeoverGap(Long.MAX_VALUE, Long.MAX_VALUE);

    /** Margins, the old owner's longest pause, and how long an owner counts as fresh. */
    public record Bounds(long failureMarginMs, long handoffMarginMs, long handoverPauseMs, long freshOwnerMs) {}

    /**
     * @param nowMs            the takeover
     * @param planNamedSelfMs  when this node's plan first named it the partition's owner
     * @param readyPublishedMs when this node last gossiped that it was ready for the partition, or
     *                         {@code Long.MIN_VALUE}
     * @param startedMs        when this node started running the partition under its new term
     * @param previousNamedMs  when this node's plan moved the partition to the previous owner, or
     *                         {@code Long.MIN_VALUE} when this node did not see that move ({@link OwnerHistory})
     * @param lastAliveMs      when the previous owner was last seen alive, or null when it is alive
     *                         now or not known (a handoff)
     * @param ledUntilMs       when this node last stopped leading the partition (or the first check
     *                         it then owed, due and never started, if earlier), or null
     */
    public static TakeoverGap of(long nowMs, long planNamedSelfMs, long readyPublishedMs, long startedMs, long previousNamedMs,
                                 Long lastAliveMs, Bounds bounds, Long ledUntilMs) {
        long from;
        if (lastAliveMs == null) {
            long released = startedMs - bounds.handoffMarginMs();
            long paused = planNamedSelfMs - bounds.handoffMarginMs();
            // A readiness published long before the plan named this node did not move the partition (something later did).
            if (readyPublishedMs != Long.MIN_VALUE && readyPublishedMs >= planNamedSelfMs - bounds.handoverPauseMs()) {
                paused = Math.min(paused, readyPublishedMs);
            }
            from = startedMs - planNamedSelfMs <= bounds.handoverPauseMs() ? Math.min(paused, released) : released;
        } else {
            from = Math.min(planNamedSelfMs, lastAliveMs - bounds.failureMarginMs());
        }
        long previousStartedAfter = Math.max(previousNamedMs, ledUntilMs == null ? Long.MIN_VALUE : ledUntilMs);
        if (previousStartedAfter != Long.MIN_VALUE && planNamedSelfMs - previousStartedAfter <= bounds.freshOwnerMs()) {
            from = Math.min(from, previousStartedAfter - bounds.handoffMarginMs());
        }
        if (ledUntilMs != null) from = Math.max(from, ledUntilMs);
        return from < nowMs ? new TakeoverGap(from, nowMs) : NONE;
    }

    /** Whether a check due at {@code gridPointMs} fell in the window, so no one made it. */
    public boolean missed(long gridPointMs) {
        return gridPointMs >= fromMs && gridPointMs < untilMs;
    }
}
