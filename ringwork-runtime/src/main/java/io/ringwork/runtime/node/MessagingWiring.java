package io.ringwork.runtime.node;

import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.membership.Member;
import io.ringwork.runtime.cluster.ClusterService;
import io.ringwork.runtime.load.LoadGate;
import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.runtime.messaging.LocalSubscribers;
import io.ringwork.runtime.messaging.Messaging;
import io.ringwork.runtime.metrics.NodeMetrics;
import io.ringwork.runtime.peer.ReadRelay;
import io.ringwork.runtime.processing.ProcessingEngine;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** How a node builds messaging and its load gate from its services, kept apart from {@link RingworkNode}'s own wiring. */
final class MessagingWiring {
    /** Subscribers per node at once; each holds at most {@link #QUEUE_CAPACITY} messages. */
    static final int SUBSCRIBERS_MAX = 256;
    static final int QUEUE_CAPACITY = 1024;

    private MessagingWiring() {}

    static Messaging messaging(String self, int partitions, ClusterService cluster, Supplier<ProcessingEngine> engine,
                               Supplier<MembershipService> membership, ReadRelay relay) {
        return new Messaging(self, partitions, new Messaging.Cluster() {
            @Override
            public OwnershipPlan plan() {
                return cluster.plan();
            }

            @Override
            public boolean runs(int partition) {
                ProcessingEngine processing = engine.get();
                return processing != null && processing.runs(partition);
            }

            @Override
            public Map<String, String> peers() {
                Map<String, String> peers = new LinkedHashMap<>();
                for (Member member : liveMembers(membership)) {
                    String address = member.metadata().get(ClusterService.PEER_METADATA);
                    if (!member.id().equals(self) && address != null) peers.put(member.id(), address);
                }
                return peers;
            }
        }, relay, new LocalSubscribers(self, SUBSCRIBERS_MAX, QUEUE_CAPACITY));
    }

    static LoadGate loadGate(NodeConfig config, ClusterService cluster, Supplier<MembershipService> membership, LocalSubscribers subscribers) {
        return new LoadGate(config.loadLimits(), new LoadGate.Gauges() {
            @Override
            public int heapPercent() {
                return LoadGate.heapPercentAfterCollection();
            }

            @Override
            public long queuedMessages() {
                return subscribers.queued();
            }
        }, new LoadGate.Peers() {
            @Override
            public Map<String, Map<String, String>> members() {
                Map<String, Map<String, String>> members = new LinkedHashMap<>();
                for (Member member : liveMembers(membership)) {
                    if (!member.id().equals(config.nodeId())) members.put(member.id(), member.metadata());
                }
                return members;
            }

            @Override
            public void publish(int level) {
                cluster.putMetadata(LoadGate.METADATA, Integer.toString(level));
            }
        });
    }

    /** Live members (alive or suspected), none before the membership started. */
    private static java.util.List<Member> liveMembers(Supplier<MembershipService> membership) {
        MembershipService m = membership.get();
        if (m == null) return java.util.List.of();
        return m.members().stream().filter(member -> member.state().isActive()).toList();
    }

    static void metrics(NodeMetrics metrics, Messaging messaging, LoadGate gate) {
        metrics.functionCounter("ringwork.messages.sent", "messages sent to an ID through this node", messaging::sentCount);
        metrics.functionCounter("ringwork.messages.published", "messages published to a topic through this node", messaging::publishedCount);
        metrics.functionCounter("ringwork.messages.anycast", "messages anycast to a topic through this node", messaging::anycastCount);
        metrics.functionCounter("ringwork.messages.undelivered", "messages through this node that no subscriber took", messaging::undeliveredCount);
        metrics.functionCounter("ringwork.messages.rerouted", "anycast messages handed on after their subscriber went away", messaging::rerouteCount);
        metrics.gauge("ringwork.messages.subscribers", "inbox and topic subscribers on this node", () -> messaging.local().count());
        metrics.gauge("ringwork.messages.queued", "messages waiting in this node's subscriber queues", () -> messaging.local().queued());
        for (String limit : LoadGate.LIMITS) {
            metrics.functionCounter("ringwork.load.refused", "requests refused with 503 busy, by the limit they passed",
                    "limit", limit, () -> gate.refusals(limit));
        }
        metrics.gauge("ringwork.load.level", "this node's load level: its highest ratio to a limit, percent in tens", gate::level);
        metrics.gauge("ringwork.load.inflight", "requests that add work being served", gate::inFlight);
    }
}
