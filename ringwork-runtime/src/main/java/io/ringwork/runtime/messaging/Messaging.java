package io.ringwork.runtime.messaging;

import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.id.Partitioner;
import io.ringwork.runtime.http.ApiError;
import io.ringwork.runtime.peer.ReadRelay;
import io.ringwork.runtime.peer.RelayedMessage;
import io.ringwork.runtime.peer.RelayedMessage.Mode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messaging between clients (issue 21, item 5), over this node's {@link LocalSubscribers} and the
 * peer channel. There is no replicated state: a message lives only in subscribers' bounded queues,
 * so every mode delivers at most once, and what a node does not hold (a member down, a queue full)
 * is not retried later.
 *
 * <ul>
 *   <li><b>send</b>: to the inbox subscribers of the node that owns the ID's partition; relayed to
 *       that owner (one hop; a member that says it is not the owner names one, asked once more).
 *   <li><b>publish</b>: to every subscriber of the topic on every live member, one relay per member
 *       at once; the answer counts the subscribers that queued it and names the members not reached.
 *   <li><b>anycast</b>: to exactly one subscriber, the least loaded in the cluster: every live
 *       member is asked for its topic load, then the members are tried least loaded first (the
 *       shortest queue, then the fewest messages taken) until one queues it. A subscriber that goes
 *       away holding anycast messages hands them on ({@link #rerouted}, at most {@link #REROUTES_MAX} times).
 * </ul>
 * Thread-safe.
 */
public final class Messaging implements AutoCloseable {
    /** How often one anycast message is handed on after its subscriber went away holding it. */
    public static final int REROUTES_MAX = 3;

    /** What messaging needs of the cluster; the node reads it off its services. */
    public interface Cluster {
        /** The ownership plan as last computed, or null before the first (then this node owns everything). */
        OwnershipPlan plan();

        /** Whether this node runs {@code partition} now. */
        boolean runs(int partition);

        /** Live members other than this node, with their peer addresses. */
        Map<String, String> peers();
    }

    private final String self;
    private final Partitioner partitioner;
    private final Cluster cluster;
    private final ReadRelay relay;
    private final LocalSubscribers local;
    private final AtomicLong ids = new AtomicLong();
    private final ExecutorService fanOut = Executors.newVirtualThreadPerTaskExecutor();
    private final LongAdder sent = new LongAdder();
    private final LongAdder published = new LongAdder();
    private final LongAdder anycast = new LongAdder();
    private final LongAdder undelivered = new LongAdder();
    private final LongAdder reroutes = new LongAdder();

    public Messaging(String self, int partitions, Cluster cluster, ReadRelay relay, LocalSubscribers local) {
        this.self = self;
        this.partitioner = new Partitioner(partitions);
        this.cluster = cluster;
        this.relay = relay;
        this.local = local;
    }

    public LocalSubscribers local() {
        return local;
    }

    /** Where a send went: the owner, its partition and how many inbox subscribers queued it. */
    public record Sent(String id, String node, int partition, int delivered) {}

    /** A publish: subscribers that queued it per member reached, and the members not reached (why). */
    public record Published(String id, int delivered, Map<String, Integer> nodes, Map<String, String> unreached) {}

    /** An anycast: the member and subscriber that queued it, and how many members were tried. */
    public record Anycast(String id, String node, String subscriber, int attempts) {}

    private RelayedMessage.Delivery delivery(Mode mode, String target, byte[] payload) {
        return new RelayedMessage.Delivery(mode, target, self + "-" + ids.incrementAndGet(), self, System.currentTimeMillis(), payload, 1);
    }

    private static Message message(RelayedMessage.Delivery d) {
        return new Message(d.id(), d.mode(), d.target(), d.origin(), d.sentAtMs(), d.payload(), 0);
    }

    // ---------------------------------------------------------------- send

    /**
     * Delivers {@code payload} to the inbox of {@code id}'s owner.
     *
     * @throws ApiError 503 when the owner is not known or cannot be reached (indefinite once the
     *                  message may have left), 502 when it refused the relay
     */
    public Sent send(String id, byte[] payload) {
        sent.increment();
        RelayedMessage.Delivery delivery = delivery(Mode.SEND, id, payload);
        int partition = partitioner.partitionOf(id);
        String owner = ownerOf(partition);
        if (owner == null) {
            throw new ApiError(503, "unavailable", "partition " + partition + " of '" + id + "' has no owner now (too few members are ready); retry", true);
        }
        if (owner.equals(self)) return new Sent(delivery.id(), self, partition, local.deliverInbox(message(delivery)));
        RelayedMessage.Answer answer = relayTo(owner, delivery);
        if (answer.outcome() == RelayedMessage.Outcome.NOT_OWNER && !answer.owner().isEmpty() && !answer.owner().equals(owner)) {
            // Ownership moved and this node's plan has not caught up: the named owner, once.
            owner = answer.owner();
            answer = owner.equals(self) ? RelayedMessage.Answer.delivered(local.deliverInbox(message(delivery)), "") : relayTo(owner, delivery);
        }
        return switch (answer.outcome()) {
            case DELIVERED -> new Sent(delivery.id(), owner, partition, answer.delivered());
            case NOT_OWNER -> throw new ApiError(503, "owner_moved", "'" + id + "' is moving between owners: " + answer.detail() + "; retry", true);
            case UNAVAILABLE -> throw new ApiError(503, "unavailable", "the owner " + owner + " of '" + id + "' cannot take it: " + answer.detail(), true);
            case REFUSED -> throw new ApiError(502, "relay_refused", "the owner " + owner + " refused the message: " + answer.detail(), true);
        };
    }

    private String ownerOf(int partition) {
        OwnershipPlan plan = cluster.plan();
        if (plan == null || cluster.runs(partition)) return self;
        return plan.owner(partition);
    }

    private RelayedMessage.Answer relayTo(String member, RelayedMessage.Delivery delivery) {
        String address = cluster.peers().get(member);
        if (address == null) {
            throw new ApiError(503, "unavailable", member + ", the owner of '" + delivery.target() + "', is not a live member with a peer address; retry", true);
        }
        try {
            return relay.deliver(member, address, delivery);
        } catch (ReadRelay.RelayFailed failed) {
            throw errorFor(member, failed);
        }
    }

    /** Busy means nothing was sent (definite); unreachable or late may have delivered it. */
    private static ApiError errorFor(String member, ReadRelay.RelayFailed failed) {
        return switch (failed.failure()) {
            case BUSY -> new ApiError(503, "busy", failed.getMessage() + "; retry in a moment", true);
            case TIMEOUT -> new ApiError(504, "owner_timeout", member + ": " + failed.getMessage() + "; it may have been delivered", false);
            case UNREACHABLE -> new ApiError(503, "owner_unreachable", failed.getMessage() + "; it may have been delivered", false);
            case OVERSIZED -> new ApiError(502, "answer_too_large", failed.getMessage(), false);
        };
    }

    // ---------------------------------------------------------------- publish

    /** Delivers {@code payload} to every subscriber of {@code topic} on every live member. */
    public Published publish(String topic, byte[] payload) {
        published.increment();
        RelayedMessage.Delivery delivery = delivery(Mode.PUBLISH, topic, payload);
        Map<String, Future<RelayedMessage.Answer>> pending = new LinkedHashMap<>();
        for (Map.Entry<String, String> peer : cluster.peers().entrySet()) {
            pending.put(peer.getKey(), fanOut.submit(() -> {
                try {
                    return relay.deliver(peer.getKey(), peer.getValue(), delivery);
                } catch (ReadRelay.RelayFailed failed) {
                    return RelayedMessage.Answer.unavailable(failed.failure().name().toLowerCase() + ": " + failed.getMessage());
                }
            }));
        }
        Map<String, Integer> nodes = new LinkedHashMap<>();
        Map<String, String> unreached = new LinkedHashMap<>();
        int delivered = local.deliverTopic(message(delivery));
        nodes.put(self, delivered);
        for (Map.Entry<String, Future<RelayedMessage.Answer>> each : pending.entrySet()) {
            RelayedMessage.Answer answer = await(each.getValue());
            if (answer.outcome() == RelayedMessage.Outcome.DELIVERED) {
                nodes.put(each.getKey(), answer.delivered());
                delivered += answer.delivered();
            } else {
                unreached.put(each.getKey(), answer.detail());
            }
        }
        if (delivered == 0) undelivered.increment();
        return new Published(delivery.id(), delivered, nodes, unreached);
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the node is stopping", false);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a fan-out task failed", e.getCause());
        }
    }

    // ---------------------------------------------------------------- anycast

    /** One member's load, for the choice. */
    record Candidate(String node, RelayedMessage.Load load, long tieBreak) {}

    /** Least loaded first: the shortest queue, then the fewest messages taken, then a random tie-break. */
    static final Comparator<Candidate> CHOICE = Comparator.<Candidate>comparingLong(c -> c.load().depth())
            .thenComparingLong(c -> c.load().taken()).thenComparingLong(Candidate::tieBreak);

    /** The members with subscribers of a topic, least loaded first; {@code loads} holds each member's answer. */
    static List<Candidate> order(Map<String, RelayedMessage.Load> loads, java.util.random.RandomGenerator random) {
        List<Candidate> candidates = new ArrayList<>();
        for (Map.Entry<String, RelayedMessage.Load> each : loads.entrySet()) {
            if (each.getValue().subscribers() > 0) candidates.add(new Candidate(each.getKey(), each.getValue(), random.nextLong()));
        }
        candidates.sort(CHOICE);
        return candidates;
    }

    /**
     * Delivers {@code payload} to exactly one subscriber of {@code topic}: the least loaded in the
     * cluster, else the next that takes it.
     *
     * @throws ApiError 404 {@code no_subscriber} when no member has one (definite), 503 when every
     *                  one failed (indefinite if a member may have taken it before failing)
     */
    public Anycast anycast(String topic, byte[] payload) {
        anycast.increment();
        return anycast(message(delivery(Mode.ANYCAST, topic, payload)));
    }

    private Anycast anycast(Message message) {
        RelayedMessage.Delivery delivery = new RelayedMessage.Delivery(Mode.ANYCAST, message.target(), message.id(), message.origin(),
                message.sentAtMs(), message.payload(), 1);
        Map<String, String> peers = cluster.peers();
        Map<String, Future<RelayedMessage.Load>> asked = new LinkedHashMap<>();
        RelayedMessage.LoadQuery query = new RelayedMessage.LoadQuery(message.target());
        for (Map.Entry<String, String> peer : peers.entrySet()) {
            asked.put(peer.getKey(), fanOut.submit(() -> {
                try {
                    return relay.load(peer.getKey(), peer.getValue(), query);
                } catch (ReadRelay.RelayFailed failed) {
                    return RelayedMessage.Load.NONE; // not asked again: a member that cannot answer is skipped
                }
            }));
        }
        Map<String, RelayedMessage.Load> loads = new LinkedHashMap<>();
        loads.put(self, local.load(message.target()));
        for (Map.Entry<String, Future<RelayedMessage.Load>> each : asked.entrySet()) loads.put(each.getKey(), await(each.getValue()));
        int attempts = 0;
        boolean maybeDelivered = false;
        List<String> why = new ArrayList<>();
        for (Candidate candidate : order(loads, java.util.concurrent.ThreadLocalRandom.current())) {
            attempts++;
            if (candidate.node().equals(self)) {
                Subscriber taker = local.deliverOne(message);
                if (taker != null) return new Anycast(message.id(), self, taker.id(), attempts);
                why.add(self + ": no subscriber took it");
                continue;
            }
            try {
                RelayedMessage.Answer answer = relay.deliver(candidate.node(), peers.get(candidate.node()), delivery);
                if (answer.outcome() == RelayedMessage.Outcome.DELIVERED && answer.delivered() == 1) {
                    return new Anycast(message.id(), candidate.node(), answer.subscriber(), attempts);
                }
                why.add(candidate.node() + ": " + answer.detail());
            } catch (ReadRelay.RelayFailed failed) {
                maybeDelivered |= failed.failure() == ReadRelay.Failure.TIMEOUT || failed.failure() == ReadRelay.Failure.UNREACHABLE;
                why.add(candidate.node() + ": " + failed.getMessage());
            }
        }
        undelivered.increment();
        if (attempts == 0) {
            throw new ApiError(404, "no_subscriber", "no live member has a subscriber of topic '" + message.target() + "'", true);
        }
        throw new ApiError(503, "undelivered", "no subscriber of '" + message.target() + "' took it after " + attempts + " tries ("
                + String.join("; ", why) + ")", !maybeDelivered);
    }

    /**
     * A subscriber went away holding anycast messages: each goes to another subscriber, in the
     * background, at most {@link #REROUTES_MAX} times; past that, or with no one to take it, it is
     * dropped (at most once).
     */
    public void rerouted(List<Message> left) {
        for (Message message : left) {
            if (message.reroutes() >= REROUTES_MAX) {
                undelivered.increment();
                continue;
            }
            reroutes.increment();
            try {
                fanOut.submit(() -> {
                    try {
                        anycast(message.withReroute());
                    } catch (ApiError e) {
                        // Counted as undelivered in anycast; nobody waits for this one.
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // closing
            }
        }
    }

    // ---------------------------------------------------------------- the receiving side

    /** A delivery relayed here by another member: to this node's subscribers. Never relays. */
    public RelayedMessage.Answer serve(RelayedMessage.Delivery delivery) {
        Message message = message(delivery);
        return switch (delivery.mode()) {
            case PUBLISH -> RelayedMessage.Answer.delivered(local.deliverTopic(message), "");
            case ANYCAST -> {
                Subscriber taker = local.deliverOne(message);
                yield taker == null ? RelayedMessage.Answer.unavailable(self + " has no subscriber of '" + delivery.target() + "' that took it")
                        : RelayedMessage.Answer.delivered(1, taker.id());
            }
            case SEND -> {
                int partition = partitioner.partitionOf(delivery.target());
                String owner = ownerOf(partition);
                if (owner == null) yield RelayedMessage.Answer.unavailable("partition " + partition + " has no owner in " + self + "'s plan");
                if (!owner.equals(self)) yield RelayedMessage.Answer.notOwner(owner, self + " does not own partition " + partition + "; its plan gives it to " + owner);
                yield RelayedMessage.Answer.delivered(local.deliverInbox(message), "");
            }
        };
    }

    /** This node's subscriber load of a topic, for another member's anycast. */
    public RelayedMessage.Load load(RelayedMessage.LoadQuery query) {
        return local.load(query.topic());
    }

    public long sentCount() { return sent.sum(); }
    public long publishedCount() { return published.sum(); }
    public long anycastCount() { return anycast.sum(); }
    /** Messages no subscriber took (a publish to none, an anycast that failed, a reroute given up). */
    public long undeliveredCount() { return undelivered.sum(); }
    public long rerouteCount() { return reroutes.sum(); }

    @Override
    public void close() {
        fanOut.shutdownNow();
    }
}
