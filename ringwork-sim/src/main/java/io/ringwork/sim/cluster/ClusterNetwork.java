package io.ringwork.sim.cluster;

import io.ringwork.core.time.RandomSource;
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
 * nodes apart until {@link #heal}; {@link #deafen} loses everything sent to one node (a member that
 * joined and never catches up). A message that is lost (cut at send or arrival, dropped in
 * flight, or sent to a crashed node) is reported to its sender as a failed link after
 * {@code failureNoticeMs}, as a broken connection would be. Pausing is the receiver's business
 * (it queues what arrives). Not thread-safe.
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
        if (blocked(from, to) || deaf.contains(to)) {
            lose(from, to);
            return;
        }
        Link link = new Link(from, to);
        long epoch = linkEpochs.getOrDefault(link, 0L);
        long atMs = scheduler.nowMs() + latencyMsMin + random.nextInt(latencyMsMax - latencyMsMin + 1);
        atMs = Math.max(atMs, lastArrivalMs.getOrDefault(link, 0L)); // a stream never reorders
        lastArrivalMs.put(link, atMs);
        scheduler.at(atMs, () -> arrive(link, epoch, message));
    }

    private void arrive(Link link, long epoch, Object message) {
        Endpoint target = endpoints.get(link.to());
        if (epoch != linkEpochs.getOrDefault(link, 0L) || blocked(link.from(), link.to()) || deaf.contains(link.to())
                || target == null || !target.reachable()) {
            lose(link.from(), link.to());
            return;
        }
        if (!target.receive(link.from(), message)) {
            lose(link.from(), link.to());
            return;
        }
        delivered++;
    }

    private void lose(String from, String to) {
        lost++;
        scheduler.at(scheduler.nowMs() + failureNoticeMs, () -> {
            Endpoint sender = endpoints.get(from);
            if (sender != null && sender.reachable()) sender.linkFailed(to);
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

    public void heal() {
        groups.clear();
    }

    public boolean partitioned() {
        return !groups.isEmpty();
    }

    public boolean blocked(String from, String to) {
        return !groups.isEmpty() && groups.getOrDefault(from, 0).intValue() != groups.getOrDefault(to, 0).intValue();
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
