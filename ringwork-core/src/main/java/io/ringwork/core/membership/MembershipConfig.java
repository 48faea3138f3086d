package io.ringwork.core.membership;

import io.ringwork.core.util.Invariants;

/**
 * Tunables of the SWIM + Lifeguard state machine. All durations are milliseconds of the clock
 * passed to the state machine. {@link #lan} (200 ms protocol period, a node's default) and {@link #wan}
 * (1 s) are the same shape ({@link #forPeriod}) at two periods.
 *
 * <p>N below is the number of active (alive or suspect) members this node knows, itself included.
 *
 * @param clusterName           carried in every packet; packets of another cluster are dropped
 * @param probeIntervalMs       protocol period: one probe starts every {@code probeIntervalMs × health}
 *                              where health = local-health score + 1 (1 when Lifeguard is off)
 * @param probeTimeoutMs        wait {@code probeTimeoutMs × health} for a direct ack before asking
 *                              {@code indirectChecks} members to probe; must be below the interval
 * @param indirectChecks        k: members asked to probe on our behalf after a direct timeout
 * @param suspicionMult         suspicion min = {@code suspicionMult × max(1, log10(N)) × probeIntervalMs}
 * @param suspicionMaxTimeoutMult suspicion max = {@code suspicionMaxTimeoutMult × min}; Lifeguard starts
 *                              a suspicion at max and lowers it towards min as confirmations arrive
 * @param suspicionConfirmations confirmations (independent suspecters) that bring the timeout down to min;
 *                              taken as 0 when {@code N - 2 < suspicionConfirmations}
 * @param awarenessMax          local-health scores run 0..awarenessMax-1, so timers stretch at most awarenessMax×
 * @param lifeguard             false gives plain SWIM: no local health, no nacks, fixed suspicion timeout = min,
 *                              no buddy system (used by the report to measure Lifeguard's effect)
 * @param retransmitMult        each gossip update is sent {@code retransmitMult × ceil(log10(N + 1))} times
 * @param gossipIntervalMs      a gossip round sends queued updates to {@code gossipFanout} random members
 * @param gossipFanout          members per gossip round
 * @param gossipToTheDeadMs     dead members still receive gossip this long, so a wrongly declared one learns and refutes
 * @param pushPullIntervalMs    full-state sync with one random member on the reliable lane; 0 disables
 * @param joinBackoffMinMs      first retry delay when no seed answered a join; doubles per attempt
 * @param joinBackoffMaxMs      cap on the join retry delay
 * @param joinAttemptsMax       after this many unanswered join rounds the node gives up (stays alone, {@code isJoined()} false)
 * @param deadReapMs            DEAD/LEFT members are forgotten this long after the change
 * @param packetBytesMax        best-effort packet size; piggybacked gossip fills what the primary message leaves
 * @param reliableBytesMax      reliable-lane frame size; a full-state sync larger than this is truncated to fit
 * @param metadataBytesMax      encoded size limit of one member's metadata; larger updates are rejected
 * @param gossipQueueMax        queued updates; at the limit the most-transmitted (oldest) are dropped first
 * @param membersMax            known members, dead included; updates about new members beyond it are ignored and counted
 * @param relaysMax             indirect probes relayed at once; more are ignored (the asker sees no ack and no nack)
 * @param leaveFanout           members told directly about a graceful leave, besides gossip
 * @param reconnectIntervalMs   every interval, one push-pull to a random failed (not left) member, or to a seed
 *                              when this node is alone: heals partitions after both sides declared the other dead
 * @param reconnectTimeoutMs    a failed member is retried this long after it failed, then given up
 */
public record MembershipConfig(
        String clusterName,
        int probeIntervalMs,
        int probeTimeoutMs,
        int indirectChecks,
        int suspicionMult,
        int suspicionMaxTimeoutMult,
        int suspicionConfirmations,
        int awarenessMax,
        boolean lifeguard,
        int retransmitMult,
        int gossipIntervalMs,
        int gossipFanout,
        int gossipToTheDeadMs,
        int pushPullIntervalMs,
        int joinBackoffMinMs,
        int joinBackoffMaxMs,
        int joinAttemptsMax,
        int deadReapMs,
        int packetBytesMax,
        int reliableBytesMax,
        int metadataBytesMax,
        int gossipQueueMax,
        int membersMax,
        int relaysMax,
        int leaveFanout,
        int reconnectIntervalMs,
        int reconnectTimeoutMs) {

    public MembershipConfig {
        Invariants.require(clusterName != null && !clusterName.isEmpty() && clusterName.length() <= 64,
                "clusterName must have 1..64 characters: %s", clusterName);
        Invariants.require(probeIntervalMs > 0 && probeTimeoutMs > 0 && probeTimeoutMs < probeIntervalMs,
                "need 0 < probeTimeoutMs (%s) < probeIntervalMs (%s)", probeTimeoutMs, probeIntervalMs);
        Invariants.require(indirectChecks >= 0 && suspicionMult >= 1 && suspicionMaxTimeoutMult >= 1,
                "indirectChecks >= 0, suspicionMult >= 1, suspicionMaxTimeoutMult >= 1");
        Invariants.require(suspicionConfirmations >= 0 && awarenessMax >= 1 && retransmitMult >= 1,
                "suspicionConfirmations >= 0, awarenessMax >= 1, retransmitMult >= 1");
        Invariants.require(gossipIntervalMs > 0 && gossipFanout >= 0 && gossipToTheDeadMs >= 0 && pushPullIntervalMs >= 0,
                "gossip and push-pull intervals must be positive (push-pull may be 0 = off)");
        Invariants.require(joinBackoffMinMs > 0 && joinBackoffMaxMs >= joinBackoffMinMs && joinAttemptsMax >= 1,
                "join backoff: 0 < min <= max, attempts >= 1");
        Invariants.require(deadReapMs > 0 && packetBytesMax >= 512 && reliableBytesMax >= packetBytesMax,
                "deadReapMs > 0, packetBytesMax >= 512, reliableBytesMax >= packetBytesMax");
        Invariants.require(metadataBytesMax >= 0 && metadataBytesMax <= packetBytesMax / 2,
                "metadataBytesMax must fit in half a packet: %s", metadataBytesMax);
        Invariants.require(gossipQueueMax >= 1 && membersMax >= 1 && relaysMax >= 0 && leaveFanout >= 0,
                "queue, member and relay limits must be positive");
        Invariants.require(reconnectIntervalMs > 0 && reconnectTimeoutMs >= 0, "reconnect interval must be positive");
    }

    /**
     * The profile for a protocol period of {@code periodMs}: probe timeout = period / 2, gossip every
     * period / 5 to 3 members, suspicion 4 × log10(N) periods (max 6×), push-pull every 30 periods,
     * dead members reaped after 30 periods, a reconnect attempt every 10 periods for 3,600 periods.
     * These are the LAN ratios scaled to the period.
     */
    public static MembershipConfig forPeriod(String clusterName, int periodMs) {
        Invariants.require(periodMs >= 10, "period too small: %s ms", periodMs);
        return new MembershipConfig(clusterName, periodMs, periodMs / 2, 3, 4, 6, 3, 8, true,
                4, Math.max(5, periodMs / 5), 3, 30 * periodMs, 30 * periodMs,
                Math.max(50, periodMs / 2), 30 * periodMs, 10, 30 * periodMs,
                1400, 8 * 1024 * 1024, 512, 4096, 16_384, 256, 3, 10 * periodMs, 3600 * periodMs);
    }

    /**
     * LAN profile, a node's default: 200 ms period, 100 ms probe timeout, gossip every 40 ms,
     * push-pull every 6 s. In the simulator every survivor of 10 nodes knows of a crash in about
     * 1.2 s (2 s at 100 nodes) for about 400 bytes of gossip per node per second, with no false
     * positive at 10 % loss (docs/MEMBERSHIP.md).
     */
    public static MembershipConfig lan(String clusterName) {
        return forPeriod(clusterName, 200);
    }

    /** The LAN profile under the name the tests and the simulator use. */
    public static MembershipConfig fast(String clusterName) {
        return lan(clusterName);
    }

    /**
     * WAN profile, for links with long or jittery round trips and for very large clusters: 1 s
     * period, 500 ms probe timeout, gossip every 200 ms, push-pull every 30 s; five times slower to
     * detect a crash than {@link #lan}, for a fifth of its traffic.
     */
    public static MembershipConfig wan(String clusterName) {
        return forPeriod(clusterName, 1000);
    }

    public MembershipConfig withLifeguard(boolean enabled) {
        return new MembershipConfig(clusterName, probeIntervalMs, probeTimeoutMs, indirectChecks, suspicionMult,
                suspicionMaxTimeoutMult, suspicionConfirmations, awarenessMax, enabled, retransmitMult,
                gossipIntervalMs, gossipFanout, gossipToTheDeadMs, pushPullIntervalMs, joinBackoffMinMs,
                joinBackoffMaxMs, joinAttemptsMax, deadReapMs, packetBytesMax, reliableBytesMax,
                metadataBytesMax, gossipQueueMax, membersMax, relaysMax, leaveFanout, reconnectIntervalMs,
                reconnectTimeoutMs);
    }

    public MembershipConfig withPushPullIntervalMs(int intervalMs) {
        return new MembershipConfig(clusterName, probeIntervalMs, probeTimeoutMs, indirectChecks, suspicionMult,
                suspicionMaxTimeoutMult, suspicionConfirmations, awarenessMax, lifeguard, retransmitMult,
                gossipIntervalMs, gossipFanout, gossipToTheDeadMs, intervalMs, joinBackoffMinMs,
                joinBackoffMaxMs, joinAttemptsMax, deadReapMs, packetBytesMax, reliableBytesMax,
                metadataBytesMax, gossipQueueMax, membersMax, relaysMax, leaveFanout, reconnectIntervalMs,
                reconnectTimeoutMs);
    }

    public MembershipConfig withDeadReapMs(int reapMs) {
        return new MembershipConfig(clusterName, probeIntervalMs, probeTimeoutMs, indirectChecks, suspicionMult,
                suspicionMaxTimeoutMult, suspicionConfirmations, awarenessMax, lifeguard, retransmitMult,
                gossipIntervalMs, gossipFanout, gossipToTheDeadMs, pushPullIntervalMs, joinBackoffMinMs,
                joinBackoffMaxMs, joinAttemptsMax, reapMs, packetBytesMax, reliableBytesMax,
                metadataBytesMax, gossipQueueMax, membersMax, relaysMax, leaveFanout, reconnectIntervalMs,
                reconnectTimeoutMs);
    }

    /** Retransmissions per gossip update: {@code retransmitMult × ceil(log10(N + 1))}. */
    public int retransmitLimit(int activeMembers) {
        return retransmitMult * (int) Math.ceil(Math.log10(activeMembers + 1.0));
    }

    /** Suspicion min: {@code suspicionMult × max(1, log10(N)) × probeIntervalMs}. */
    public long suspicionTimeoutMinMs(int activeMembers) {
        double nodeScale = Math.max(1.0, Math.log10(Math.max(1, activeMembers)));
        return (long) (suspicionMult * nodeScale * probeIntervalMs);
    }
}
