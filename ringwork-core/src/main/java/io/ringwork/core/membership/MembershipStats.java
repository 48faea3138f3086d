package io.ringwork.core.membership;

/**
 * Counters of one node's protocol activity since it started; monotonic. A snapshot, safe to
 * publish to other threads. Metric names for the runtime: {@code ringwork_membership_<field>_total}.
 *
 * @param probesSent         direct probes started
 * @param indirectProbesSent ping-req messages sent after a direct timeout
 * @param acksReceived       acks that completed one of our probes (directly or through a relay)
 * @param nacksReceived      Lifeguard nacks from relays that could not reach the target
 * @param probesFailed       probes that ended without an ack (each raised or renewed a suspicion)
 * @param suspicions         members that entered SUSPECT in this node's view
 * @param refutations        times this node raised its incarnation to deny a suspicion or death
 * @param deaths             members that entered DEAD in this node's view
 * @param gossipMessagesSent updates piggybacked or sent in gossip rounds
 * @param gossipDropped      updates evicted from the full gossip queue
 * @param pushPulls          full-state syncs sent (join attempts included)
 * @param membersOverLimit   updates about new members ignored because the member table was full
 * @param relaysOverLimit    indirect probe requests ignored because too many were in flight
 * @param idConflicts        claims of an active member's id (ours included) from another address, ignored
 * @param localHealth        current Lifeguard local-health score (a gauge, not a counter)
 */
public record MembershipStats(
        long probesSent, long indirectProbesSent, long acksReceived, long nacksReceived, long probesFailed,
        long suspicions, long refutations, long deaths, long gossipMessagesSent, long gossipDropped,
        long pushPulls, long membersOverLimit, long relaysOverLimit, long idConflicts, int localHealth) {

    /** The mutable counters behind a snapshot; owned by the state machine's thread. */
    static final class Counters {
        long probesSent, indirectProbesSent, acksReceived, nacksReceived, probesFailed, suspicions,
                refutations, deaths, gossipMessagesSent, pushPulls, membersOverLimit, relaysOverLimit, idConflicts;

        MembershipStats snapshot(long gossipDropped, int localHealth) {
            return new MembershipStats(probesSent, indirectProbesSent, acksReceived, nacksReceived, probesFailed,
                    suspicions, refutations, deaths, gossipMessagesSent, gossipDropped, pushPulls,
                    membersOverLimit, relaysOverLimit, idConflicts, localHealth);
        }
    }
}
