package io.ringwork.core.health;

/**
 * The times at which a partition's targets went unchecked before this node took the partition
 * over: a target whose last point on its check grid fell in {@code [fromMs, untilMs)} is checked
 * at once by the new owner, not at its next grid point, which would leave it unchecked for up to
 * two intervals.
 *
 * <p>How the window is found depends on how the previous owner went:
 * <ul>
 *   <li><b>Handoff</b> (it is alive: a join, a leave under way, or it is not known): it stopped
 *       checking when its plan gave the partition away, about when this node's plan named this node,
 *       and started again if the handoff outlasted its pause. The window is from that plan change
 *       for at most the pause.
 *   <li><b>Failure</b> (suspect, dead or gone): it stopped when it died, some time before this
 *       node last saw it alive; failure detection takes up to a few protocol periods. The window
 *       starts {@code marginMs} before it was last seen alive (or at the plan change if that came
 *       first) and ends now. A target it checked within that margin before it died is checked again:
 *       during a failover a second check is the price of no blind spot.
 * </ul>
 * A window never reaches back before this node itself last led the partition.
 */
public record TakeoverGap(long fromMs, long untilMs) {

    /** No target is due at once: this node led the partition before, or has no plan naming it. */
    public static final TakeoverGap NONE = new TakeoverGap(Long.MAX_VALUE, Long.MAX_VALUE);

    /**
     * @param nowMs            the takeover
     * @param planNamedSelfMs  when this node's plan first named it the partition's owner
     * @param lastAliveMs      when the previous owner was last seen alive, or null when it is alive
     *                         now or not known (a handoff)
     * @param marginMs         how long before being seen alive for the last time a failed owner may have died
     * @param handoverPauseMs  how long a live owner that hands the partition over stops checking it
     * @param ledUntilMs       when this node last stopped leading the partition, or null
     */
    public static TakeoverGap of(long nowMs, long planNamedSelfMs, Long lastAliveMs, long marginMs, long handoverPauseMs,
                                 Long ledUntilMs) {
        long from;
        long until;
        if (lastAliveMs == null) {
            from = planNamedSelfMs;
            until = Math.min(nowMs, planNamedSelfMs + handoverPauseMs);
        } else {
            from = Math.min(planNamedSelfMs, lastAliveMs - marginMs);
            until = nowMs;
        }
        if (ledUntilMs != null) from = Math.max(from, ledUntilMs);
        return from < until ? new TakeoverGap(from, until) : NONE;
    }

    /** Whether a check due at {@code gridPointMs} fell in the window, so no one made it. */
    public boolean missed(long gridPointMs) {
        return gridPointMs >= fromMs && gridPointMs < untilMs;
    }
}
