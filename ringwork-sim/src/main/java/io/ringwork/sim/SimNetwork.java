package io.ringwork.sim;

import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import io.ringwork.core.transport.Transport;
import io.ringwork.core.util.Invariants;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulated network between endpoints, driven by a {@link Scheduler}. The best-effort lane
 * loses, duplicates and delays (hence reorders) packets per link; the reliable lane keeps order
 * per link and loses nothing unless the link is cut, as TCP would. Partitions and one-way cuts
 * are checked both when a message is sent and when it would arrive. Endpoints can be down
 * (crashed: everything to them is lost) or paused (SIGSTOP: messages wait in a buffer of
 * {@link #PAUSED_BUFFER_MAX} and arrive on resume; beyond it they are lost, like a full socket buffer).
 *
 * <p>Each endpoint is a core {@link Transport}, so logic runs here exactly as on UDP/TCP.
 */
public final class SimNetwork {
    public static final int PAUSED_BUFFER_MAX = 4096;

    /** Faults of one direction of one link; delays are uniform in [min, max] ms. */
    public record LinkFaults(double lossRate, double duplicateRate, int delayMsMin, int delayMsMax) {
        public static final LinkFaults LAN = new LinkFaults(0, 0, 1, 5);

        public LinkFaults {
            Invariants.require(lossRate >= 0 && lossRate <= 1 && duplicateRate >= 0 && duplicateRate <= 1,
                    "rates must be in [0, 1]");
            Invariants.require(delayMsMin >= 0 && delayMsMax >= delayMsMin, "need 0 <= delay min <= max");
        }

        public LinkFaults withLossRate(double rate) {
            return new LinkFaults(rate, duplicateRate, delayMsMin, delayMsMax);
        }

        public LinkFaults withDuplicateRate(double rate) {
            return new LinkFaults(lossRate, rate, delayMsMin, delayMsMax);
        }
    }

    /** Why the network dropped a message. */
    public enum Drop { LOSS, PARTITION, DOWN, PAUSE_BUFFER_FULL, NO_ENDPOINT }

    /**
     * Sees every message the network handles, for replaying a seed with tracing: called once when
     * a message is dropped (with the reason) or delivered (with {@code drop == null}), at that
     * simulated time. Must not send or schedule.
     */
    @FunctionalInterface
    public interface Tracer {
        void onMessage(long atMs, Lane lane, Address from, Address to, byte[] bytes, Drop drop);
    }

    private record Link(Address from, Address to) {}

    private record Delivery(Lane lane, Address from, byte[] bytes) {}

    private final Scheduler scheduler;
    private final RandomSource random;
    private final Map<Address, Endpoint> endpoints = new HashMap<>();
    private final Map<Link, LinkFaults> linkFaults = new HashMap<>();
    private final Set<Link> cuts = new HashSet<>();
    private final Map<Address, Integer> partitionGroups = new HashMap<>();
    private final Map<Link, Long> lastReliableDeliveryMs = new HashMap<>();
    private final Map<Lane, long[]> sentBytes = new EnumMap<>(Lane.class);
    private final Map<Drop, long[]> drops = new EnumMap<>(Drop.class);
    private LinkFaults defaultFaults = LinkFaults.LAN;
    private Tracer tracer;

    public SimNetwork(Scheduler scheduler) {
        this.scheduler = scheduler;
        this.random = scheduler.derivedRandom();
        for (Lane lane : Lane.values()) sentBytes.put(lane, new long[2]);
        for (Drop drop : Drop.values()) drops.put(drop, new long[1]);
    }

    /** The transport of the node at {@code address}; attaching again returns the same endpoint. */
    public Transport attach(Address address) {
        return endpoints.computeIfAbsent(address, Endpoint::new);
    }

    /** Installs the one tracer (null removes it). */
    public void setTracer(Tracer tracer) {
        this.tracer = tracer;
    }

    public void setDefaultFaults(LinkFaults faults) {
        defaultFaults = faults;
    }

    public LinkFaults defaultFaults() {
        return defaultFaults;
    }

    /** Faults for messages from {@code from} to {@code to} only (one direction). */
    public void setLinkFaults(Address from, Address to, LinkFaults faults) {
        linkFaults.put(new Link(from, to), faults);
    }

    /** Nothing from {@code from} reaches {@code to}; the other direction is unaffected. */
    public void cut(Address from, Address to) {
        cuts.add(new Link(from, to));
    }

    /** Splits the network: members of different groups cannot talk; unlisted addresses form one more group. */
    @SafeVarargs
    public final void partition(Collection<Address>... groups) {
        partitionGroups.clear();
        for (int group = 0; group < groups.length; group++) {
            for (Address address : groups[group]) partitionGroups.put(address, group + 1);
        }
    }

    /** Removes partitions, one-way cuts and per-link faults. */
    public void heal() {
        partitionGroups.clear();
        cuts.clear();
        linkFaults.clear();
    }

    public void setDown(Address address, boolean down) {
        endpoint(address).down = down;
        if (down) endpoint(address).pausedBuffer.clear();
    }

    public void pause(Address address) {
        endpoint(address).paused = true;
    }

    /** Ends a pause: buffered messages arrive now, in the order they were sent. */
    public void resume(Address address) {
        Endpoint endpoint = endpoint(address);
        endpoint.paused = false;
        while (!endpoint.pausedBuffer.isEmpty() && !endpoint.paused && !endpoint.down) {
            Delivery delivery = endpoint.pausedBuffer.poll();
            if (tracer != null) tracer.onMessage(scheduler.nowMs(), delivery.lane, delivery.from, address, delivery.bytes, null);
            endpoint.receive(delivery.lane, delivery.from, delivery.bytes);
        }
    }

    /** Bytes sent on {@code lane} since the start (index 0) and messages (index 1). */
    public long sentBytes(Lane lane) {
        return sentBytes.get(lane)[0];
    }

    public long sentMessages(Lane lane) {
        return sentBytes.get(lane)[1];
    }

    public long dropped(Drop reason) {
        return drops.get(reason)[0];
    }

    private Endpoint endpoint(Address address) {
        Endpoint endpoint = endpoints.get(address);
        Invariants.require(endpoint != null, "no endpoint at %s", address);
        return endpoint;
    }

    private boolean blocked(Address from, Address to) {
        if (cuts.contains(new Link(from, to))) return true;
        int fromGroup = partitionGroups.getOrDefault(from, 0);
        int toGroup = partitionGroups.getOrDefault(to, 0);
        return !partitionGroups.isEmpty() && fromGroup != toGroup;
    }

    private void send(Lane lane, Address from, Address to, byte[] bytes) {
        long[] counters = sentBytes.get(lane);
        counters[0] += bytes.length;
        counters[1]++;
        if (blocked(from, to)) {
            dropped(Drop.PARTITION, lane, from, to, bytes);
            return;
        }
        LinkFaults faults = linkFaults.getOrDefault(new Link(from, to), defaultFaults);
        if (lane == Lane.BEST_EFFORT && faults.lossRate > 0 && random.nextDouble() < faults.lossRate) {
            dropped(Drop.LOSS, lane, from, to, bytes);
            return;
        }
        long atMs = scheduler.nowMs() + delayMs(faults);
        if (lane == Lane.RELIABLE) {
            // One TCP stream per link: later messages never overtake earlier ones.
            Link link = new Link(from, to);
            atMs = Math.max(atMs, lastReliableDeliveryMs.getOrDefault(link, 0L));
            lastReliableDeliveryMs.put(link, atMs);
        }
        scheduler.at(atMs, () -> deliver(lane, from, to, bytes));
        if (lane == Lane.BEST_EFFORT && faults.duplicateRate > 0 && random.nextDouble() < faults.duplicateRate) {
            scheduler.at(scheduler.nowMs() + delayMs(faults), () -> deliver(lane, from, to, bytes));
        }
    }

    private long delayMs(LinkFaults faults) {
        return faults.delayMsMin + random.nextInt(faults.delayMsMax - faults.delayMsMin + 1);
    }

    private void deliver(Lane lane, Address from, Address to, byte[] bytes) {
        Endpoint endpoint = endpoints.get(to);
        Drop drop = endpoint == null ? Drop.NO_ENDPOINT
                : blocked(from, to) ? Drop.PARTITION
                : endpoint.down ? Drop.DOWN
                : endpoint.paused && endpoint.pausedBuffer.size() >= PAUSED_BUFFER_MAX ? Drop.PAUSE_BUFFER_FULL
                : null;
        if (drop != null) {
            dropped(drop, lane, from, to, bytes);
        } else if (endpoint.paused) {
            endpoint.pausedBuffer.add(new Delivery(lane, from, bytes));
        } else {
            if (tracer != null) tracer.onMessage(scheduler.nowMs(), lane, from, to, bytes, null);
            endpoint.receive(lane, from, bytes);
        }
    }

    private void dropped(Drop drop, Lane lane, Address from, Address to, byte[] bytes) {
        drops.get(drop)[0]++;
        if (tracer != null) tracer.onMessage(scheduler.nowMs(), lane, from, to, bytes, drop);
    }

    private final class Endpoint implements Transport {
        final Address address;
        final ArrayDeque<Delivery> pausedBuffer = new ArrayDeque<>();
        Receiver receiver;
        boolean down;
        boolean paused;

        Endpoint(Address address) {
            this.address = address;
        }

        @Override
        public Address localAddress() {
            return address;
        }

        @Override
        public void send(Lane lane, Address to, byte[] bytes) {
            if (!down) SimNetwork.this.send(lane, address, to, bytes);
        }

        @Override
        public void setReceiver(Receiver receiver) {
            this.receiver = receiver;
        }

        void receive(Lane lane, Address from, byte[] bytes) {
            if (receiver != null) receiver.onReceive(lane, from, bytes);
        }

        @Override
        public void close() {
            receiver = null;
        }
    }

    /** Addresses with an endpoint, in no particular order. */
    public List<Address> addresses() {
        return new ArrayList<>(endpoints.keySet());
    }
}
