package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.util.Invariants;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The reliable lane between simulated processing nodes: one ordered stream per direction of each
 * link, with latency uniform in [{@code latencyMsMin}, {@code latencyMsMax}], like a TCP
 * connection. Messages are typed (a {@code ReplicaMessage} or {@code ReplicaAck} with its sender):
 * the replication protocol has no wire codec yet, so this stays beside {@code SimNetwork}'s byte
 * lanes instead of inside them.
 *
 * <p>Faults: {@link #dropInFlight} loses what one link carries; {@link #partition} cuts groups of
 * nodes apart until {@link #heal}; {@link #cutOneWay} blocks one direction of one link;
 * {@link #isolateOneWay} blocks everything into, or everything out of, one node; {@link #lossy}
 * loses each message of one direction with a probability, and {@link #baseLoss} every message of
 * every direction; {@link #deafen} loses everything sent to one node (a member that joined and
 * never catches up).
 *
 * <p>Who hears of a loss: the side that made the request, as in the runtime. There replication is
 * request/response over one HTTP connection per direction: the owner posts a batch
 * ({@code ReplicaLink}) and its acknowledgements come back as the response. So a lost
 * {@code ReplicaMessage} (cut at send or arrival, dropped in flight, lost, sent to a crashed node)
 * is reported to its sender, and a lost {@link ReplicaAck} to the owner it answers, not to the
 * replica that wrote it: the replica's write of a response succeeds, the owner's request times
 * out. Either way the notice comes as a failed link after {@code failureNoticeMs} (the runtime's
 * is up to 3 tries of 5 s; a shorter one exercises more reconnects). With a link cut one way the
 * replica therefore applies the owner's commits while the owner hears nothing back and keeps
 * saying Hello.
 *
 * <p>A loss breaks the connection: from the lost message until the requester's notice, every
 * request on that connection and every answer to one is lost too (without a notice of its own),
 * as in the runtime, where a failed batch empties the link's queue after telling every owner, so
 * that nothing sent behind a loss arrives. Without this the replica could take a SnapshotEnd
 * whose page was lost (pages carry no sequence number) and hold a checkpoint without the states:
 * the first swarm run found exactly that with per-message loss, a transport no real link is.
 * Pausing is the receiver's business (it queues what arrives). Not thread-safe.
 */
public final class ClusterNetwork {
    /** A node as the network sees it. */
    public interface Endpoint {
        /** False while crashed or gone: messages to it are lost. */
        boolean reachable();

        /** Takes a message; false when it cannot (crashed, or its pause buffer is full): the message is lost. */
        boolean receive(String from, Object message);

        /** Messages this node sent to {@code to} were lost. */
        void linkFailed(String to);
    }

    /** Runs actions at simulated times; the cluster checks its invariants after each. */
    public interface StepScheduler {
        void at(long atMs, Runnable action);

        long nowMs();
    }

    private record Link(String from, String to) {}

    private final StepScheduler scheduler;
    private final RandomSource random;
    private final int latencyMsMin;
    private final int latencyMsMax;
    private final int failureNoticeMs;
    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Map<Link, Long> lastArrivalMs = new HashMap<>();
    private final Map<Link, Long> linkEpochs = new HashMap<>();
    private final Map<String, Integer> groups = new HashMap<>();
    private final Set<String> deaf = new HashSet<>();
    private final Set<Link> oneWayCuts = new HashSet<>();
    /** Nodes nothing reaches (inbound) and nodes whose sends reach no one (outbound). */
    private final Set<String> isolatedInbound = new HashSet<>();
    private final Set<String> isolatedOutbound = new HashSet<>();
    private final Map<Link, Double> lossRates = new HashMap<>();
    /** Connections (requester, peer) that lost a message and whose requester has not been told yet. */
    private final Set<Link> broken = new HashSet<>();
    private double baseLoss;
    private long delivered;
    private long lost;

    public ClusterNetwork(StepScheduler scheduler, RandomSource random, int latencyMsMin, int latencyMsMax,
                          int failureNoticeMs) {
        this.scheduler = scheduler;
        this.random = random;
        this.latencyMsMin = latencyMsMin;
        this.latencyMsMax = latencyMsMax;
        this.failureNoticeMs = failureNoticeMs;
    }

    public void attach(String id, Endpoint endpoint) {
        endpoints.put(id, endpoint);
    }

    public void send(String from, String to, Object message) {
        if (broken.contains(connection(from, to, message))) {
            lost++;
            return;
        }
        if (blocked(from, to) || deaf.contains(to)) {
            lose(from, to, message);
            return;
        }
        Link link = new Link(from, to);
        double lossRate = Math.max(baseLoss, lossRates.getOrDefault(link, 0.0));
        // Drawn only on lossy links, so that a run without loss takes the same random stream as before.
        if (lossRate > 0 && random.nextDouble() < lossRate) {
            lose(from, to, message);
            return;
        }
        long epoch = linkEpochs.getOrDefault(link, 0L);
        long atMs = scheduler.nowMs() + latencyMsMin + random.nextInt(latencyMsMax - latencyMsMin + 1);
        atMs = Math.max(atMs, lastArrivalMs.getOrDefault(link, 0L)); // a stream never reorders
        lastArrivalMs.put(link, atMs);
        scheduler.at(atMs, () -> arrive(link, epoch, message));
    }

    private void arrive(Link link, long epoch, Object message) {
        Endpoint target = endpoints.get(link.to());
        if (broken.contains(connection(link.from(), link.to(), message))) {
            lost++;
            return;
        }
        if (epoch != linkEpochs.getOrDefault(link, 0L) || blocked(link.from(), link.to()) || deaf.contains(link.to())
                || target == null || !target.reachable()) {
            lose(link.from(), link.to(), message);
            return;
        }
        if (!target.receive(link.from(), message)) {
            lose(link.from(), link.to(), message);
            return;
        }
        delivered++;
    }

    /** The connection a message travels on: (requester, peer); an answer travels on its request's. */
    private static Link connection(String from, String to, Object message) {
        boolean answer = message instanceof ReplicaAck || message instanceof io.ringwork.core.cluster.FeedRelay.Page;
        return answer ? new Link(to, from) : new Link(from, to);
    }

    /**
     * Counts a lost message, breaks its connection and tells the side that made the request, after
     * the notice delay (see the class); the connection works again from the notice on.
     */
    private void lose(String from, String to, Object message) {
        lost++;
        Link connection = connection(from, to, message);
        if (!broken.add(connection)) return; // already broken: its requester is being told
        scheduler.at(scheduler.nowMs() + failureNoticeMs, () -> {
            broken.remove(connection);
            Endpoint endpoint = endpoints.get(connection.from());
            if (endpoint != null && endpoint.reachable()) endpoint.linkFailed(connection.to());
        });
    }

    /** Loses every message now travelling from {@code from} to {@code to}. */
    public void dropInFlight(String from, String to) {
        linkEpochs.merge(new Link(from, to), 1L, Long::sum);
    }

    /** Nodes in different groups cannot talk; nodes not named form one more group. */
    public void partition(Set<String> side) {
        groups.clear();
        for (String id : side) groups.put(id, 1);
    }

    /** Ends the partition only; one-way cuts and loss stay. */
    public void healPartition() {
        groups.clear();
    }

    /** Ends every cut and every loss (not {@link #deafen}). */
    public void heal() {
        groups.clear();
        oneWayCuts.clear();
        isolatedInbound.clear();
        isolatedOutbound.clear();
        lossRates.clear();
        baseLoss = 0;
    }

    /** Messages from {@code from} to {@code to} are lost until {@link #restoreOneWay}; the other direction works. */
    public void cutOneWay(String from, String to) {
        oneWayCuts.add(new Link(from, to));
    }

    public void restoreOneWay(String from, String to) {
        oneWayCuts.remove(new Link(from, to));
    }

    /**
     * Until {@link #endIsolation}: with {@code inbound}, nothing sent to {@code id} arrives; without,
     * nothing {@code id} sends arrives. Its other direction works.
     */
    public void isolateOneWay(String id, boolean inbound) {
        (inbound ? isolatedInbound : isolatedOutbound).add(id);
    }

    public void endIsolation(String id) {
        isolatedInbound.remove(id);
        isolatedOutbound.remove(id);
    }

    /** Whether some node is isolated one way now. */
    public boolean isolating() {
        return !isolatedInbound.isEmpty() || !isolatedOutbound.isEmpty();
    }

    /** Each message from {@code from} to {@code to} is lost with probability {@code rate} (0 ends it). */
    public void lossy(String from, String to, double rate) {
        Invariants.require(rate >= 0 && rate <= 1, "loss rate must be in [0, 1], got %s", rate);
        if (rate == 0) lossRates.remove(new Link(from, to));
        else lossRates.put(new Link(from, to), rate);
    }

    /** Each message of every direction is lost with probability {@code rate}, until {@link #heal}. */
    public void baseLoss(double rate) {
        Invariants.require(rate >= 0 && rate <= 1, "loss rate must be in [0, 1], got %s", rate);
        baseLoss = rate;
    }

    public boolean partitioned() {
        return !groups.isEmpty();
    }

    /** Whether a message from {@code from} to {@code to} is cut now (partition, one-way cut or isolation). */
    public boolean blocked(String from, String to) {
        return partitionedApart(from, to) || oneWayCuts.contains(new Link(from, to))
                || isolatedInbound.contains(to) || isolatedOutbound.contains(from);
    }

    private boolean partitionedApart(String a, String b) {
        return !groups.isEmpty() && groups.getOrDefault(a, 0).intValue() != groups.getOrDefault(b, 0).intValue();
    }

    /**
     * Whether membership lets {@code observer} see {@code member} alive: what SWIM's probes would
     * conclude. A partition hides the other side. A node isolated one way is seen dead by everyone
     * and sees everyone dead (no probe of it is answered where it counts: inbound, its acks are never
     * asked for; outbound, they never arrive). One direction of one link cut hides nothing: an
     * indirect probe through a third member gets through both ways (the simulated clusters have at
     * least three members when they cut a link). Loss hides nothing either (it is per message, and
     * SWIM retries and probes indirectly).
     */
    public boolean visible(String observer, String member) {
        if (partitionedApart(observer, member)) return false;
        return !isolatedInbound.contains(observer) && !isolatedOutbound.contains(observer)
                && !isolatedInbound.contains(member) && !isolatedOutbound.contains(member);
    }

    /**
     * Loses every message sent to {@code id} (at send and at arrival) until {@link #hear}; its own
     * sends go through, and membership is not told (unlike {@link #partition}).
     */
    public void deafen(String id) {
        deaf.add(id);
    }

    public void hear(String id) {
        deaf.remove(id);
    }

    /** Ids on the cut side of the current partition (empty when healed). */
    public Set<String> cutSide() {
        return new HashSet<>(groups.keySet());
    }

    public long delivered() {
        return delivered;
    }

    public long lost() {
        return lost;
    }
}
