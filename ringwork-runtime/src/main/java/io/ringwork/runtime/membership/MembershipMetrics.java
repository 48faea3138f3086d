package io.ringwork.runtime.membership;

import io.ringwork.core.membership.MembershipStats;
import io.ringwork.runtime.transport.TransportCounters;

import java.util.Map;

/**
 * A point-in-time copy of one node's membership metrics, for {@code /metrics} and {@code GET /v1/cluster}.
 * Counters are totals since start. Suggested Prometheus names: {@code ringwork_membership_<field>_total}
 * for counters, {@code ringwork_membership_packets_dropped_total{reason=...}} for the drop map.
 *
 * @param protocol            probes, acks, nacks, suspicions, refutations... (see {@link MembershipStats})
 * @param gossipBytesSent     encoded bytes of best-effort packets sent (probes with piggybacked gossip)
 * @param gossipBytesReceived encoded bytes of best-effort packets received and accepted or dropped
 * @param syncBytesSent       encoded bytes of reliable-lane frames sent (push-pull)
 * @param syncBytesReceived   encoded bytes of reliable-lane frames received
 * @param packetsDropped      by reason: WRONG_CLUSTER, BAD_AUTH, MALFORMED, OVERSIZED (decoding),
 *                            INBOX_FULL (the service could not keep up), FAULT_INJECTED (chaos hook)
 * @param members             members known, dead ones included
 * @param activeMembers       alive or suspect, this node included
 * @param transport           the network's own counters (connections refused or closed by the
 *                            inbound limits, oversized frames...), or null on another transport
 */
public record MembershipMetrics(MembershipStats protocol, long gossipBytesSent, long gossipBytesReceived,
                                long syncBytesSent, long syncBytesReceived, Map<String, Long> packetsDropped,
                                int members, int activeMembers, TransportCounters.Snapshot transport) {
    public MembershipMetrics {
        packetsDropped = Map.copyOf(packetsDropped);
    }
}
