package io.ringwork.runtime.membership;

import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberEvent;
import io.ringwork.core.membership.Membership;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.membership.MembershipEffect;
import io.ringwork.core.membership.MembershipStats;
import io.ringwork.core.membership.wire.DecodeResult;
import io.ringwork.core.membership.wire.DropReason;
import io.ringwork.core.membership.wire.Packet;
import io.ringwork.core.membership.wire.PacketCodec;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import io.ringwork.core.transport.Transport;
import io.ringwork.runtime.transport.FaultInjectingTransport;
import io.ringwork.runtime.transport.UdpTcpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Runs one node's {@link Membership} state machine on a dedicated thread: feeds it packets from
 * the transport and the monotonic clock, executes its effects (encode and send, notify
 * subscribers), and publishes snapshots that any thread may read.
 *
 * <p>Use: {@code MembershipService.bind(settings, "127.0.0.1", 7946)}, then {@link #start()},
 * then {@link #members()} / {@link #metrics()} from anywhere; {@link #leave} or {@link #close}
 * to stop. Subscribers run on the membership thread and must return quickly.
 *
 * <p>Limits: the inbox holds {@link #INBOX_MAX} packets; more are dropped and counted as
 * INBOX_FULL (the protocol treats them as lost). If the state machine breaks an invariant the
 * thread stops, {@link #failure()} says why, and the node no longer answers probes — peers then
 * declare it dead, which is the safe outcome.
 */
public final class MembershipService implements AutoCloseable {
    public static final int INBOX_MAX = 8192;
    private static final Logger log = LoggerFactory.getLogger(MembershipService.class);

    /**
     * What a node needs to take part.
     *
     * @param id       unique node id, 1..128 characters
     * @param config   protocol settings; {@link MembershipConfig#lan} or {@link MembershipConfig#fast}
     * @param seeds    addresses to join through; empty (or only ourselves) starts a new cluster
     * @param metadata initial metadata, bounded by {@code config.metadataBytesMax()}
     * @param secret   shared key (>= 16 bytes) to authenticate packets with HMAC-SHA256, or null
     */
    public record Settings(String id, MembershipConfig config, List<Address> seeds, Map<String, String> metadata,
                           byte[] secret) {
        public Settings {
            seeds = List.copyOf(seeds);
            metadata = Map.copyOf(metadata);
        }
    }

    private sealed interface Inbound {
        record Received(Lane lane, byte[] bytes) implements Inbound {}

        record Command(Runnable action) implements Inbound {}
    }

    private final Settings settings;
    private final Transport transport;
    /** The real network under the fault hook, for its counters; null when running on another transport. */
    private final UdpTcpTransport network;
    private final FaultInjectingTransport faults;
    private final PacketCodec codec;
    private final BlockingQueue<Inbound> inbox = new ArrayBlockingQueue<>(INBOX_MAX);
    private final List<Consumer<MemberEvent>> subscribers = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> drops = new TreeMap<>();
    private final LongAdder gossipBytesSent = new LongAdder(), gossipBytesReceived = new LongAdder();
    private final LongAdder syncBytesSent = new LongAdder(), syncBytesReceived = new LongAdder();
    private final long originNs = System.nanoTime();
    private final Membership membership;
    private final Thread thread;
    private volatile List<Member> membersSnapshot;
    private volatile MembershipStats statsSnapshot;
    private volatile int activeSnapshot;
    private volatile Membership.Lifecycle lifecycleSnapshot;
    private volatile boolean running;
    /** A broadcastNow waiting on the membership thread: later calls fold into it. */
    private final java.util.concurrent.atomic.AtomicBoolean broadcastNowAsked = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Throwable failure;
    /** Counted down once the join has an outcome: joined, given up, or our id is taken. */
    private final CountDownLatch joinSettled = new CountDownLatch(1);
    private final List<Consumer<Member>> conflictListeners = new CopyOnWriteArrayList<>();
    private long idConflictsLogged;
    private long idConflictLoggedAtMs = Long.MIN_VALUE;

    /** Wraps {@code transport} (which this service then owns and closes) with a fault-injection hook. */
    public MembershipService(Settings settings, Transport transport) {
        this.settings = settings;
        this.network = transport instanceof UdpTcpTransport udpTcp ? udpTcp : null;
        this.faults = new FaultInjectingTransport(transport);
        this.transport = faults;
        this.codec = new PacketCodec(settings.config().clusterName(), settings.secret());
        for (String reason : List.of("WRONG_CLUSTER", "BAD_AUTH", "MALFORMED", "OVERSIZED", "INBOX_FULL", "FAULT_INJECTED")) {
            drops.put(reason, new LongAdder());
        }
        // Wall-clock milliseconds as the first incarnation: a restarted node outranks its previous life's gossip.
        this.membership = new Membership(settings.config(), settings.id(), transport.localAddress(), settings.metadata(),
                System.currentTimeMillis(), RandomSource.seeded(System.nanoTime() ^ settings.id().hashCode()), nowMs());
        this.thread = new Thread(this::run, "ringwork-membership-" + settings.id());
        this.thread.setDaemon(true);
        publishSnapshots();
    }

    /** Binds UDP and TCP on {@code host:port} (0 = any free port) and builds a service on them. */
    public static MembershipService bind(Settings settings, String host, int port) throws IOException {
        MembershipConfig config = settings.config();
        return new MembershipService(settings, UdpTcpTransport.bind(host, port, config.packetBytesMax(), config.reliableBytesMax()));
    }

    /** Starts the thread and joins through the seeds. Call once. */
    public MembershipService start() {
        running = true;
        transport.setReceiver((lane, from, bytes) -> {
            if (!inbox.offer(new Inbound.Received(lane, bytes))) drops.get("INBOX_FULL").increment();
        });
        submit(() -> membership.join(settings.seeds(), nowMs()));
        thread.start();
        return this;
    }

    /** Every known member (dead ones until reaped), this node included, sorted by id. Any thread. */
    public MembershipConfig config() {
        return settings.config();
    }

    public List<Member> members() {
        return membersSnapshot;
    }

    public Member localMember() {
        return membersSnapshot.stream().filter(m -> m.id().equals(settings.id())).findFirst().orElseThrow();
    }

    public Address localAddress() {
        return transport.localAddress();
    }

    public MembershipMetrics metrics() {
        Map<String, Long> dropped = new TreeMap<>();
        drops.forEach((reason, count) -> dropped.put(reason, count.sum()));
        dropped.put("FAULT_INJECTED", faults.dropped());
        return new MembershipMetrics(statsSnapshot, gossipBytesSent.sum(), gossipBytesReceived.sum(), syncBytesSent.sum(),
                syncBytesReceived.sum(), dropped, membersSnapshot.size(), activeSnapshot,
                network == null ? null : network.counters());
    }

    /** The chaos hook: drop or delay traffic to or from given peers while running. */
    public FaultInjectingTransport faults() {
        return faults;
    }

    /**
     * Waits until the join has an outcome or {@code max} passes, and returns where the node is:
     * JOINED (a seed answered, or there were none), JOIN_FAILED, ID_CONFLICT (see
     * {@link #idConflict()}), or still JOINING if no seed answered in time.
     */
    public Membership.Lifecycle awaitJoin(Duration max) throws InterruptedException {
        joinSettled.await(max.toMillis(), TimeUnit.MILLISECONDS);
        return lifecycleSnapshot;
    }

    /** Where the node is in its life (any thread). */
    public Membership.Lifecycle lifecycle() {
        return lifecycleSnapshot;
    }

    /** The other process that holds our id (as the member that told us sees it), once in ID_CONFLICT. */
    public java.util.Optional<Member> idConflict() {
        return lifecycleSnapshot == Membership.Lifecycle.ID_CONFLICT ? membership.idConflict() : java.util.Optional.empty();
    }

    /**
     * Called once, on the membership thread, with the holder of our id if the join finds it alive
     * elsewhere; by then the state machine has stopped sending. The node must stop too.
     */
    public void onIdConflict(Consumer<Member> listener) {
        conflictListeners.add(listener);
    }

    /** A sentence for the operator about an id conflict, e.g. "node id n2 is already alive at 127.0.0.1:7947; pick another --node-id". */
    public static String describeIdConflict(Member holder) {
        String state = holder.state().name().toLowerCase();
        String hint = holder.state() == io.ringwork.core.membership.MemberState.SUSPECT
                ? " (if that process is gone, start this one again once the cluster has declared it dead)" : "";
        return "node id " + holder.id() + " is already " + state + " at " + holder.address() + hint + "; pick another --node-id";
    }

    /** Called on the membership thread for every change of view; keep it short. */
    public void subscribe(Consumer<MemberEvent> subscriber) {
        subscribers.add(subscriber);
    }

    /**
     * Lets {@code delegate} ride on this membership's gossip and push-pulls (see
     * {@link io.ringwork.core.membership.Membership.Delegate}); it is called on the membership
     * thread, so it must be thread-safe with respect to the application's other threads.
     */
    public void delegate(io.ringwork.core.membership.Membership.Delegate delegate) {
        submit(() -> membership.delegate(delegate));
    }

    /**
     * Asks the membership thread to send the delegate's queued broadcasts to every active member at
     * once ({@link io.ringwork.core.membership.Membership#broadcastNow}), asynchronously. Calls made
     * while one is still waiting on the thread are folded into it, so a burst costs one round.
     */
    public void broadcastNow() {
        if (!broadcastNowAsked.compareAndSet(false, true)) return;
        boolean queued = inbox.offer(new Inbound.Command(() -> {
            broadcastNowAsked.set(false);
            membership.broadcastNow(nowMs());
        }));
        // A full inbox: the news goes with the next ordinary gossip round instead.
        if (!queued) broadcastNowAsked.set(false);
    }

    /** Announces new metadata (asynchronously). Oversized metadata fails the returned check at once. */
    public void updateMetadata(Map<String, String> metadata) {
        Member.metadataOf(metadata); // validates keys and values are non-null before crossing threads
        submit(() -> membership.updateMetadata(metadata, nowMs()));
    }

    /** Why the membership thread stopped, or null while healthy. */
    public Throwable failure() {
        return failure;
    }

    /** Leaves gracefully, keeps gossiping for {@code propagation} so peers hear it, then closes. */
    public void leave(Duration propagation) throws InterruptedException {
        submit(() -> membership.leave(nowMs()));
        Thread.sleep(propagation.toMillis());
        close();
    }

    /** Stops the thread and closes the transport without telling anyone (peers will detect a failure). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.close();
    }

    private void submit(Runnable action) {
        if (!inbox.offer(new Inbound.Command(action))) throw new IllegalStateException("membership inbox full");
    }

    private long nowMs() {
        return (System.nanoTime() - originNs) / 1_000_000;
    }

    private void run() {
        try {
            while (running) {
                long waitMs = Math.max(0, Math.min(membership.nextDeadlineMs() - nowMs(), 100));
                Inbound inbound = inbox.poll(waitMs, TimeUnit.MILLISECONDS);
                // Bounded batch: timers must still run while a flood of packets arrives.
                for (int handled = 0; inbound != null && handled < 256; handled++, inbound = inbox.poll()) {
                    handle(inbound);
                }
                if (inbound != null) handle(inbound);
                membership.tick(nowMs());
                executeEffects();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
            log.error("membership of {} stopped", settings.id(), e);
        }
    }

    private void handle(Inbound inbound) {
        switch (inbound) {
            case Inbound.Command command -> command.action().run();
            case Inbound.Received received -> {
                boolean reliable = received.lane() == Lane.RELIABLE;
                (reliable ? syncBytesReceived : gossipBytesReceived).add(received.bytes().length);
                int limit = reliable ? settings.config().reliableBytesMax() : settings.config().packetBytesMax();
                switch (codec.decode(received.bytes(), limit)) {
                    case DecodeResult.Dropped dropped -> drops.get(dropped.reason().name()).increment();
                    case DecodeResult.Decoded decoded -> membership.onPacket(decoded.packet(), nowMs());
                }
            }
        }
        executeEffects();
    }

    private void executeEffects() {
        boolean changed = false;
        for (MembershipEffect effect : membership.drainEffects()) {
            switch (effect) {
                case MembershipEffect.Send send -> send(send);
                case MembershipEffect.Notify notify -> {
                    changed = true;
                    for (Consumer<MemberEvent> subscriber : subscribers) notifySafely(subscriber, notify.event());
                }
            }
        }
        if (changed) membersSnapshot = membership.members();
        statsSnapshot = membership.stats();
        activeSnapshot = membership.activeMemberCount();
        publishLifecycle();
        logIdConflicts();
    }

    private void publishLifecycle() {
        Membership.Lifecycle previous = lifecycleSnapshot;
        Membership.Lifecycle now = membership.lifecycle();
        if (now == previous) return;
        lifecycleSnapshot = now;
        if (now != Membership.Lifecycle.IDLE && now != Membership.Lifecycle.JOINING) joinSettled.countDown();
        if (now == Membership.Lifecycle.ID_CONFLICT) {
            Member holder = membership.idConflict().orElseThrow();
            log.error("{}: not joining the cluster", describeIdConflict(holder));
            for (Consumer<Member> listener : conflictListeners) {
                try {
                    listener.accept(holder);
                } catch (RuntimeException e) {
                    log.warn("id conflict listener failed", e);
                }
            }
        }
    }

    /** Claims of a live member's id from another address: at most one warning per 10 s, with the count. */
    private void logIdConflicts() {
        long conflicts = statsSnapshot.idConflicts();
        long nowMs = nowMs();
        if (conflicts == idConflictsLogged || nowMs - idConflictLoggedAtMs < 10_000) return;
        log.warn("{} claim(s) of a live member's id from another address ignored (two processes with one --node-id?)",
                conflicts - idConflictsLogged);
        idConflictsLogged = conflicts;
        idConflictLoggedAtMs = nowMs;
    }

    private void send(MembershipEffect.Send send) {
        boolean reliable = send.lane() == Lane.RELIABLE;
        int limit = reliable ? settings.config().reliableBytesMax() : settings.config().packetBytesMax();
        byte[] bytes;
        try {
            bytes = codec.encode(new Packet(settings.id(), transport.localAddress(), send.messages()), limit);
        } catch (IllegalArgumentException e) {
            drops.get(DropReason.OVERSIZED.name()).increment(); // the state machine sized it wrong: count, do not die
            return;
        }
        (reliable ? syncBytesSent : gossipBytesSent).add(bytes.length);
        transport.send(send.lane(), send.to(), bytes);
    }

    private void notifySafely(Consumer<MemberEvent> subscriber, MemberEvent event) {
        try {
            subscriber.accept(event);
        } catch (RuntimeException e) {
            log.warn("membership subscriber failed on {}", event, e);
        }
    }

    private void publishSnapshots() {
        membersSnapshot = membership.members();
        statsSnapshot = membership.stats();
        activeSnapshot = membership.activeMemberCount();
        lifecycleSnapshot = membership.lifecycle();
    }
}
