package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.HostConfig;
import io.ringwork.core.cluster.LogCatchUp;
import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.PartitionHost;
import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberEvent;
import io.ringwork.core.membership.MemberState;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import io.ringwork.runtime.processing.ProcessingEngine;
import io.ringwork.runtime.processing.Replication;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's driver of its {@link PartitionHost}, the cluster wiring it shares with the simulator.
 * It gives the host its inputs from the node's threads: the membership view (gossiped metadata
 * decoded into {@link MemberView}s), time (one {@code ringwork-cluster} thread ticks it every
 * {@value #TICK_MS} ms and at once on a membership change), replication messages from the peer
 * port ({@link #receive}), acks and link losses from the {@link ReplicaLink}s, and the engine's
 * commits ({@link Replication}). It carries out the host's effects: commits go out over one link
 * per member, to the peer address in its metadata ({@value #PEER_METADATA}); starts and stops go
 * to the {@link ProcessingEngine} (a stop drains on its own virtual thread); metadata is gossiped;
 * a replica's catch-up reads the shared log off the partition's monitor. The feed relay's fetches run on {@link FeedRelayService}'s thread.
 */
public final class ClusterService implements Replication, ReplicaLink.Sink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterService.class);
    static final long RECONCILE_MS = HostConfig.DEFAULTS.reconcileMs();
    private static final long TICK_MS = 20;
    public static final long JOIN_WAIT_MS = HostConfig.DEFAULTS.joinWaitMs();
    /** In the log line of every digest that differed (counted in /metrics as ringwork_replication_repairs_total). */
    public static final String REPAIR_LOG_MARK = "anti-entropy digest differs";
    /** In the log line of every partition start and release, after "partition N ". */
    public static final String STARTED_LOG_MARK = "started under term";
    public static final String RELEASED_LOG_MARK = "released at checkpoint";
    /** The metadata key under which a member gossips its peer address (host:port). */
    public static final String PEER_METADATA = "peer";
    /** A received batch that took at least this long to apply is logged (the sender's link waited for it). */
    static final long SLOW_RECEIVE_MS = 100;
    /** Longest catch-up a replica does by applying the log itself; beyond it, a snapshot. */
    private static final long CATCH_UP_MAX_RECORDS = 200_000;

    private final String self;
    private final int partitions;
    private final StateStore store;
    private final RecordLog log;
    private final PartitionHost host;
    /** Where a replica's catch-up reads the shared log, off the partition's monitor ({@link Ports#readLog}). */
    private final LogCatchUp.Source logSource;
    private final FeedRelayService feedRelay;
    private final Map<String, ReplicaLink> links = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final CountDownLatch departed = new CountDownLatch(1);
    private final LongAdder termsRefusedAtDecode = new LongAdder();
    /** When each partition's current stop began (for its log line). */
    private final long[] stopStartNs;
    private volatile ProcessingEngine engine;
    private volatile MembershipService membership;
    private volatile PeerIdentity peerIdentity;
    private volatile PeerCounters peerCounters;
    private volatile PeerCodec peerCodec = PeerCodec.CURRENT;
    private volatile Map<String, String> baseMetadata = Map.of();
    /** The host's view as last published, guarded by this; null before the first. */
    private MemberView lastView;
    private volatile boolean closed;
    private int ticks;

    /**
     * @param log         the shared log, which a replica that fell behind applies itself when it can
     * @param applier     the one apply path, as the engine uses it
     * @param weight      this node's capacity weight on the ring
     * @param expectPeers the node was given seeds: it runs nothing alone for {@value #JOIN_WAIT_MS} ms
     */
    public ClusterService(String self, int partitions, int replicationFactor, StateStore store, RecordLog log,
                          RecordApplier applier, int weight, boolean expectPeers) {
        this.self = self;
        this.partitions = partitions;
        this.store = store;
        this.log = log;
        this.stopStartNs = new long[partitions];
        this.logSource = new LogSource(log);
        this.host = new PartitionHost(self, weight, partitions, replicationFactor, store, HostConfig.DEFAULTS, expectPeers,
                p -> new PartitionFollower(new ProcessingMachine(p, store, applier), CATCH_UP_MAX_RECORDS),
                p -> ProcessingMachine.of(p, store), new Ports(), new LogEvents());
        this.feedRelay = new FeedRelayService(this, host);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringwork-cluster");
            t.setDaemon(true);
            return t;
        });
    }

    /** The codec the links speak; set before {@link #start}. Another than {@link PeerCodec#CURRENT} only in tests of a newer version. */
    public void peerCodec(PeerCodec codec) {
        this.peerCodec = codec;
    }

    /** Starts ticking the host. Links to members go out as {@code identity} and are counted in {@code counters}. */
    public void start(ProcessingEngine engine, MembershipService membership, Map<String, String> metadata,
                      PeerIdentity identity, PeerCounters counters) {
        this.peerIdentity = identity;
        this.peerCounters = counters;
        this.engine = engine;
        this.membership = membership;
        this.baseMetadata = Map.copyOf(metadata);
        membership.subscribe(event -> {
            if (event.kind() != MemberEvent.Kind.UPDATED) LOG.info("member {} {}", event.member().id(), event.kind().name().toLowerCase());
            host.viewChanged();
            tickSoon();
        });
        // The first tick here, before the node says it is up: a node alone (or past its join wait)
        // runs its partitions from then on, so its first /v1/cluster shows their lag, not none.
        tickQuietly();
        timer.scheduleWithFixedDelay(this::tickQuietly, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        feedRelay.start(identity, counters);
    }

    private void tickSoon() {
        try {
            if (!closed) timer.execute(this::tickQuietly);
        } catch (RejectedExecutionException e) {
            // Closing: nothing to do any more.
        }
    }

    private void tickQuietly() {
        try {
            ProcessingEngine processing = engine;
            // Fail-stop: a failed engine is about to take the node down; nothing more is decided.
            if (closed || processing == null || processing.failure() != null) return;
            if (ticks++ % 5 == 0) refreshLinks();
            host.tick(System.currentTimeMillis());
        } catch (RuntimeException e) {
            LOG.warn("cluster tick failed; will retry", e);
        }
    }

    /** One link per member that gossips a peer address; a member gone from the view loses its link. */
    private void refreshLinks() {
        MembershipService m = membership;
        if (m == null) return;
        List<String> present = new ArrayList<>();
        for (Member member : m.members()) {
            if (member.id().equals(self) || !member.state().isActive()) continue;
            String address = member.metadata().get(PEER_METADATA);
            if (address == null) continue;
            present.add(member.id());
            try {
                links.computeIfAbsent(member.id(), id -> new ReplicaLink(peerIdentity, id, address, this, peerCodec, peerCounters))
                        .address(address);
            } catch (IllegalArgumentException e) {
                LOG.debug("member {} gossips a bad peer address '{}'; no link to it", member.id(), address);
            }
        }
        links.keySet().removeIf(id -> {
            if (present.contains(id)) return false;
            links.get(id).close();
            return true;
        });
    }

    // ---------------------------------------------------------------- the engine's side

    @Override
    public void writing(int[] partitions, Runnable write) {
        host.writing(partitions, write);
    }

    @Override
    public Stage stage(int partition) {
        return host.stage(partition);
    }

    @Override
    public void committed(int partition, long checkpoint, List<StateWrite> states, List<Change> changes,
                          List<DeadLetter> deadLetters, Runnable onDurable) {
        host.committed(partition, checkpoint, new ProcessingMachine.Writes(states, changes, deadLetters), onDurable,
                System.currentTimeMillis());
    }

    // ---------------------------------------------------------------- the links' and the peer port's side

    @Override
    public void onAck(String from, ReplicaAck ack) {
        host.onAck(from, ack, System.currentTimeMillis());
    }

    /** The link to {@code to} lost what it had: every owner here stops sending there until its next Hello. */
    @Override
    public void linkDown(String to) {
        host.linkFailed(to, System.currentTimeMillis());
    }

    /** Applies a batch from {@code from}, in order; returns one ack per message. */
    public List<ReplicaAck> receive(String from, List<ReplicaMessage> messages) {
        List<ReplicaAck> acks = new ArrayList<>(messages.size());
        long batchStartNs = System.nanoTime();
        long longestNs = 0;
        int longestPartition = -1;
        String longestMessage = "";
        boolean released = false;
        for (ReplicaMessage message : messages) {
            long messageStartNs = System.nanoTime();
            acks.add(host.receive(from, message, System.currentTimeMillis()));
            released |= message instanceof ReplicaMessage.Released;
            long tookNs = System.nanoTime() - messageStartNs;
            if (tookNs > longestNs) {
                longestNs = tookNs;
                longestPartition = message.partition();
                longestMessage = message.getClass().getSimpleName();
            }
        }
        long batchMs = (System.nanoTime() - batchStartNs) / 1_000_000;
        if (batchMs >= SLOW_RECEIVE_MS) {
            // The sender's link waits for this answer: every partition it carries waited too.
            LOG.info("replication from {}: {} messages took {} ms here (the longest: {} of partition {}, {} ms with its lock wait)",
                    from, messages.size(), batchMs, longestMessage, longestPartition, longestNs / 1_000_000);
        }
        if (released) tickSoon(); // this node may be the one to take over
        return acks;
    }

    /** Answers other members' feed relays. */
    public List<io.ringwork.core.cluster.FeedRelay.Page> serveFeed(String from, List<io.ringwork.core.cluster.FeedRelay.Fetch> fetches) {
        List<io.ringwork.core.cluster.FeedRelay.Page> pages = new ArrayList<>(fetches.size());
        for (io.ringwork.core.cluster.FeedRelay.Fetch fetch : fetches) {
            pages.add(fetch == null ? new io.ringwork.core.cluster.FeedRelay.Page(0, false, List.of(), 0, -1, -1, -1)
                    : host.serveFeed(fetch));
        }
        return pages;
    }

    // ---------------------------------------------------------------- leave

    /**
     * A graceful leave ({@link PartitionHost#leave}): stops every partition (each drains to a
     * quorum) and waits until the owners hold everything this node holds, at most {@code timeout}.
     */
    public void release(Duration timeout) {
        if (engine == null || membership == null) return;
        try {
            timer.submit(() -> host.leave(System.currentTimeMillis())).get();
            if (!departed.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("leaving before every partition's owner is past this node's checkpoint");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RejectedExecutionException e) {
            LOG.warn("handing off before leaving failed", e);
        }
    }

    // ---------------------------------------------------------------- the host's effects

    /** What the host reads from and does to the node. */
    private final class Ports implements PartitionHost.Ports {
        @Override
        public PartitionHost.View view() {
            MembershipService m = membership;
            if (m == null) return new PartitionHost.View(List.of(), host.leaving() ? 0 : 1);
            List<MemberView> others = new ArrayList<>();
            int clusterSize = 0;
            for (Member member : m.members()) {
                boolean saysLeaving = "1".equals(member.metadata().get(MemberView.LEAVING));
                boolean isSelf = member.id().equals(self);
                // Members that left, or are leaving, no longer count toward the cluster's size.
                if (member.state() != MemberState.LEFT && !saysLeaving && !(isSelf && host.leaving())) clusterSize++;
                if (isSelf || !member.state().isActive()) continue;
                others.add(MemberView.fromMetadata(member.id(), member.metadata()));
            }
            return new PartitionHost.View(others, clusterSize);
        }

        @Override
        public boolean send(String to, ReplicaMessage message) {
            ReplicaLink link = links.get(to);
            return link != null && link.offer(message);
        }

        @Override
        public boolean hasRoom(String to) {
            ReplicaLink link = links.get(to);
            return link != null && link.hasRoom();
        }

        @Override
        public void startPartition(int partition) {
            engine.startPartition(partition);
        }

        @Override
        public void stopPartition(int partition, boolean awaitDurable) {
            stopStartNs[partition] = System.nanoTime();
            Thread.ofVirtual().name("ringwork-stop-" + partition).start(() -> {
                long checkpoint = store.checkpoint(partition);
                try {
                    checkpoint = engine.stopPartition(partition, awaitDurable);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.warn("stopping partition {} failed", partition, e);
                } finally {
                    host.stopped(partition, checkpoint, System.currentTimeMillis());
                    tickSoon();
                }
            });
        }

        @Override
        public boolean idle(int partition) {
            ProcessingEngine processing = engine;
            ProcessingEngine.PartitionStatus status = processing == null ? null : processing.status(partition);
            return status != null && status.caughtUp(log.endOffset(partition));
        }

        @Override
        public List<Record> readLog(PartitionFollower.LogRead read) {
            try {
                return LogCatchUp.read(logSource, read);
            } catch (RuntimeException e) {
                LOG.warn("catch-up of partition {}: reading the log from offset {} failed ({}); a snapshot instead",
                        read.partition(), read.fromOffset(), e.toString());
                return List.of();
            }
        }

        @Override
        public void publish(MemberView view) {
            publishMetadata(view, null, null);
        }

        @Override
        public void departed() {
            departed.countDown();
        }
    }

    /** The host's events as the node's log lines. */
    private final class LogEvents implements PartitionHost.Events {
        @Override
        public void started(int partition, Term term, long checkpoint) {
            startedAtMs.put(partition, System.currentTimeMillis());
            LOG.info("partition {} " + STARTED_LOG_MARK + " {} (checkpoint {})", partition, term, checkpoint);
        }

        @Override
        public void firstCommit(int partition, long afterMs) {
            LOG.info("partition {}: first commit {} ms after its start", partition, afterMs);
        }

        @Override
        public void released(int partition, long checkpoint, boolean deposed) {
            LOG.info("partition {} " + RELEASED_LOG_MARK + " {}{} (stopping took {} ms)", partition, checkpoint, deposed ? " (deposed)" : "",
                    (System.nanoTime() - stopStartNs[partition]) / 1_000_000);
        }

        @Override
        public void startHeldBySighting(int partition, String heard) {
            LOG.info("partition {}: the plan gives it to this node, but {} was heard leading it; not starting it yet", partition, heard);
        }

        @Override
        public void handoffGated(int partition, String newOwner, long lagMs) {
            LOG.info("partition {}: moves to {}, which {}; running it until it answers (at most {} ms)", partition, newOwner,
                    lagMs == Long.MAX_VALUE ? "is not yet an in-sync replica of this owner" : "owes answers for " + lagMs + " ms",
                    HostConfig.DEFAULTS.handoffGateMs());
        }

        @Override
        public void dropped(int partition, long checkpoint, List<String> replicas, String owner, long ownerHolds) {
            LOG.info("partition {} dropped at checkpoint {}: this node left its replica set {} (owner {} holds {})", partition,
                    checkpoint, replicas, owner, ownerHolds);
        }

        @Override
        public void leftEarly(String behind) {
            LOG.warn("leaving at the deadline before every partition's owner caught up:{}", behind);
        }

        @Override
        public void epochsExhausted(int partition, String reason) {
            LOG.error("partition {} cannot be started here: {}", partition, reason);
        }

        /** One line per change of a replica's standing, so a catch-up can be followed in the log. */
        @Override
        public void received(String from, ReplicaMessage message, ReplicaAck ack, int fed, boolean wasInSync, int staged) {
            int p = message.partition();
            ReplicaAck.Status status = ack.status();
            if (message instanceof ReplicaMessage.Digest && status == ReplicaAck.Status.NEED_SNAPSHOT) {
                LOG.warn("partition {}: " + REPAIR_LOG_MARK + " from the owner {}; asking for a repair", p, from);
            } else if (message instanceof ReplicaMessage.SnapshotBegin && status == ReplicaAck.Status.CATCHING_UP) {
                LOG.info("partition {}: catching up by snapshot from {}", p, from);
            } else if (message instanceof ReplicaMessage.SnapshotEnd && status == ReplicaAck.Status.IN_SYNC) {
                LOG.info("partition {}: snapshot from {} complete; in sync", p, from);
            } else if (!wasInSync && status == ReplicaAck.Status.IN_SYNC && (staged > 0 || fed > 0)
                    && (message instanceof ReplicaMessage.Hello || message instanceof ReplicaMessage.SnapshotBegin)) {
                // The catch-up's changes are staged: they reach the feed once the owner says a quorum holds them.
                LOG.info("partition {}: caught up from the log ({} changes fed, {} staged until durable); in sync with {}", p,
                        fed, staged, from);
            } else if (wasInSync && status == ReplicaAck.Status.NEED_SNAPSHOT) {
                LOG.info("partition {}: out of sync with {} ({}); asking to catch up", p, from, message.getClass().getSimpleName());
            }
        }
    }

    /**
     * The shared log as the catch-up reads it: a short-lived reader per batch (on Kafka, one of the
     * log's pooled consumers, so a batch opens no connection). Another process's
     * append can be counted in the end offset a moment before its frames read back, so an empty
     * poll below the end is tried again (briefly) before the catch-up gives up on the log.
     */
    private record LogSource(RecordLog log) implements LogCatchUp.Source {
        private static final int EMPTY_POLLS_MAX = 50;

        @Override
        public List<Record> read(int partition, long fromOffset, int max) {
            try (PartitionReader reader = log.reader(partition, fromOffset)) {
                for (int attempt = 0; attempt < EMPTY_POLLS_MAX; attempt++) {
                    List<Record> records = reader.poll(max);
                    if (!records.isEmpty()) return records;
                    if (!reader.pollWaits()) log.awaitAppend(partition, reader.position(), 10);
                }
                LOG.warn("catch-up of partition {}: offset {} does not read back; a snapshot instead", partition, fromOffset);
                return List.of();
            }
        }

        @Override
        public long startOffset(int partition) {
            return log.startOffset(partition);
        }
    }

    /**
     * Adds {@code key: value} to the metadata this node gossips (a load level, say) and announces
     * it. Announcements go out under one lock, so a later value never loses to an earlier one
     * that the host's own publishing read first.
     */
    public void putMetadata(String key, String value) {
        publishMetadata(null, key, value);
    }

    private synchronized void publishMetadata(MemberView view, String key, String value) {
        if (key != null) {
            Map<String, String> copy = new java.util.HashMap<>(baseMetadata);
            copy.put(key, value);
            baseMetadata = Map.copyOf(copy);
        }
        if (view != null) lastView = view;
        MembershipService m = membership;
        if (m == null || lastView == null) return;
        m.updateMetadata(lastView.toMetadata(baseMetadata));
    }

    // ---------------------------------------------------------------- reading

    /** The plan as last computed, or null before the first. */
    public OwnershipPlan plan() {
        return host.plan();
    }

    /** When this node's plan last named a new owner for {@code partition} (wall clock), or {@code Long.MIN_VALUE}. */
    public long ownerNamedMs(int partition) {
        return host.ownerNamedMs(partition);
    }

    /** When this node last gossiped itself ready for {@code partition} (wall clock), or {@code Long.MIN_VALUE}. */
    public long readyPublishedMs(int partition) {
        return host.readyPublishedMs(partition);
    }

    /** The HTTP address of {@code member} from its metadata, or null. */
    public String httpAddressOf(String member) {
        MembershipService m = membership;
        if (m == null) return null;
        for (Member each : m.members()) if (each.id().equals(member)) return each.metadata().get("http");
        return null;
    }

    /** The peer address {@code member} gossips, or null. */
    String peerAddressOf(String member) {
        MembershipService m = membership;
        if (m == null) return null;
        for (Member each : m.members()) if (each.id().equals(member)) return each.metadata().get(PEER_METADATA);
        return null;
    }

    public String self() {
        return self;
    }

    public int replicationFactor() {
        return host.replicationFactor();
    }

    int partitions() {
        return partitions;
    }

    boolean closed() {
        return closed;
    }

    /** Per partition, when this node last started running it (wall clock). */
    private final java.util.concurrent.ConcurrentHashMap<Integer, Long> startedAtMs = new java.util.concurrent.ConcurrentHashMap<>();

    /** When this node last started running {@code partition} (wall-clock ms), or {@code Long.MIN_VALUE} if never. */
    public long startedAtMs(int partition) {
        return startedAtMs.getOrDefault(partition, Long.MIN_VALUE);
    }

    /** Per partition: the term this node leads it under, or null. */
    public Term leading(int partition) {
        return host.leading(partition);
    }

    /** True when this node runs {@code partition} (handing off included). */
    public boolean runs(int partition) {
        return host.runs(partition);
    }

    public boolean inSync(int partition) {
        return host.inSync(partition);
    }

    public long replicatedChanges() {
        return host.replicatedChanges();
    }

    public long handoffs() {
        return host.handoffs();
    }

    /** How often {@code partition} was started here (this node took it over) since this process began. */
    public long starts(int partition) {
        return host.starts(partition);
    }

    /** How often {@code partition} was stopped here after running (a handoff, a deposition, a leave) since this process began. */
    public long releases(int partition) {
        return host.releases(partition);
    }

    /** Digests that differed from an owner's on this node, each repaired by snapshot. */
    public long repairs() {
        return host.repairs();
    }

    /** A replication body or its acks carried a term out of range, and the codec refused it. */
    public void termRefused() {
        termsRefusedAtDecode.increment();
    }

    /** Replication messages and acks refused because a term's epoch was above {@link Term#MAX_EPOCH}. */
    public long termsRefused() {
        return termsRefusedAtDecode.sum() + host.termsRefused();
    }

    /** Changes relayed to this node's feed from other members' feeds (partitions it does not replicate). */
    public long relayedChanges() {
        return host.relayedChanges();
    }

    /** Partitions this node dropped because it left their replica sets. */
    public long drops() {
        return host.drops();
    }

    @Override
    public void close() {
        closed = true;
        feedRelay.close();
        timer.shutdownNow();
        links.values().forEach(ReplicaLink::close);
    }
}
