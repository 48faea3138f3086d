package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.LeaderSightings;
import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.cluster.OwnershipReconciler;
import io.ringwork.core.cluster.LogCatchUp;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.PartitionLeader;
import io.ringwork.core.cluster.PartitionLeader.Effects;
import io.ringwork.core.cluster.PartitionLeader.Outbound;
import io.ringwork.core.cluster.ReadinessHold;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReleaseNotices;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.membership.Member;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.runtime.processing.ProcessingEngine;
import io.ringwork.runtime.processing.Replication;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime edge of ownership and replication on one node. Every {@value #RECONCILE_MS} ms and
 * on every membership change it computes the {@link OwnershipPlan} from the live members' gossiped
 * metadata, starts and stops partitions on the {@link ProcessingEngine} as the
 * {@link OwnershipReconciler} decides, keeps each running partition's {@link PartitionLeader}
 * pointed at the plan's replica set (scale-out: only the replica set holds a partition; the other
 * members relay its feed and drop its state, {@link FeedRelayService}), and gossips which
 * partitions this node runs and holds in sync. Commits go out over one {@link ReplicaLink} per member, to the peer address in
 * its metadata ({@value #PEER_METADATA}); what arrives on this node's peer port is applied by the
 * partition's {@link PartitionFollower} ({@link #receive}) and its changes join this node's feed.
 *
 * <p>Locking: each partition has a lock guarding its leader and follower; the store's monitor is
 * taken inside it (never the other way round), which keeps feed positions in order.
 */
public final class ClusterService implements Replication, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterService.class);
    static final long RECONCILE_MS = 100;
    private static final long TICK_MS = 20;
    private static final long HANDOFF_WAIT_MS = 5000;
    /** The handoff gate ({@link OwnershipReconciler}): the new owner answers "now" within this... */
    private static final long HANDOFF_LAG_MS = 250;
    /** ...and a moved partition's stop waits at most this for it (below the handoff wait). */
    private static final long HANDOFF_GATE_MS = 4000;
    /** Catch-ups count as over when none has run for this long (the next Hello of a batch is sooner)... */
    private static final long CATCH_UP_QUIET_MS = 300;
    /** ...and newly in-sync partitions wait for that at most this long before they are announced ready. */
    private static final long READY_HOLD_MAX_MS = 10_000;
    private static final long RESTART_BACKOFF_MS = 1000;
    public static final long JOIN_WAIT_MS = 3000;
    private static final int SNAPSHOT_PAGE = 256;
    private static final int PAGES_PER_TICK = 8;
    /** How long an owner waits after a failed link before it says Hello again. */
    private static final long LINK_RETRY_MS = 500;
    /** In the log line of every digest that differed (counted in /metrics as ringwork_replication_repairs). */
    public static final String REPAIR_LOG_MARK = "anti-entropy digest differs";
    /** In the log line of every partition start and release, after "partition N " (counted by {@link #starts}, {@link #releases}). */
    public static final String STARTED_LOG_MARK = "started under term";
    public static final String RELEASED_LOG_MARK = "released at checkpoint";

    /** Anti-entropy: how often an idle partition's owner checks each in-sync replica's digest. */
    private static final long DIGEST_INTERVAL_MS = 10_000;

    private final String self;
    private final int partitions;
    private final int replicationFactor;
    private final StateStore store;
    private final io.ringwork.core.log.RecordLog log;
    private final Object[] locks;
    private final PartitionFollower[] followers;
    /** Old owners' word that they released a partition, ahead of their gossip; guarded by itself. */
    private final ReleaseNotices releaseNotices = new ReleaseNotices(HANDOFF_WAIT_MS);
    /** Who this node last heard leading each partition, from the leaders' own messages. */
    private final LeaderSightings sightings = new LeaderSightings(HANDOFF_WAIT_MS / 2);
    private final PartitionLeader[] leaders;
    /** Readable without the partition's lock (a catch-up holds it while it applies a chunk of up to 1,000 records): in sync, and the term led. */
    private final java.util.concurrent.atomic.AtomicIntegerArray inSyncFlags;
    private final java.util.concurrent.atomic.AtomicReferenceArray<Term> leadTerms;
    /** When each partition was last started here, until its first commit (for the log); 0 otherwise. */
    private final java.util.concurrent.atomic.AtomicLongArray startedNs;
    /** When a replication message of each partition last arrived (for {@link #dropIfUnreplicated}). */
    private final java.util.concurrent.atomic.AtomicLongArray lastHeardMs;
    /** Relays the feeds of the partitions this node does not replicate, and drops their state. */
    private final FeedRelayService feedRelay;
    private final Map<String, ReplicaLink> links = new ConcurrentHashMap<>();
    private final Set<Integer> stopping = ConcurrentHashMap.newKeySet();
    /** Catch-ups running on this node now, and when the last one ended ({@link #readySet}). */
    private final java.util.concurrent.atomic.AtomicInteger catchUpsRunning = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long lastCatchUpEndMs;
    /** Newly in-sync partitions wait for the node's catch-ups before they are announced; guarded by itself. */
    private final ReadinessHold readinessHold = new ReadinessHold(READY_HOLD_MAX_MS);
    /** Partitions whose held handoff was logged (the timer thread only). */
    private final BitSet gatedLogged = new BitSet();
    /** Partitions whose start a sighting holds, as logged (the timer thread only). */
    private final BitSet sightedLogged = new BitSet();
    private final OwnershipReconciler reconciler;
    private final ScheduledExecutorService timer;
    /** The metadata key under which a member gossips its peer address (host:port). */
    public static final String PEER_METADATA = "peer";
    private final long startedMs = System.currentTimeMillis();
    private final LongAdder replicatedChanges = new LongAdder();
    private final LongAdder handoffs = new LongAdder();
    /** Per partition: how often it was started and released here since this process began (for /metrics). */
    private final java.util.concurrent.atomic.AtomicLongArray starts;
    private final java.util.concurrent.atomic.AtomicLongArray releases;
    /** Replication bodies and acks refused because a term's epoch was out of range (the codec's count). */
    private final LongAdder termsRefusedAtDecode = new LongAdder();
    /** Partitions whose start found no term left, each logged once; guarded by that partition's lock. */
    private final BitSet epochsExhaustedLogged = new BitSet();
    private volatile ProcessingEngine engine;
    private volatile MembershipService membership;
    private volatile PeerIdentity peerIdentity;
    private volatile PeerCounters peerCounters;
    private volatile PeerCodec peerCodec = PeerCodec.CURRENT;
    private volatile Map<String, String> baseMetadata = Map.of();
    private volatile boolean expectPeers;
    private volatile OwnershipPlan plan;
    private volatile boolean closed;
    private volatile boolean leaving;
    private String publishedReady = "";
    private String publishedOwned = "";
    private boolean publishedLeaving;

    /** Longest catch-up a replica does by applying the log itself; beyond it, a snapshot. */
    private static final long CATCH_UP_MAX_RECORDS = 200_000;
    /** Where a catch-up's records are read, without the partition's lock ({@link #receive}). */
    private final LogCatchUp.Source logSource;

    /**
     * @param log     the shared log, which a replica that fell behind applies itself when it can
     * @param applier the one apply path, as the engine uses it
     */
    public ClusterService(String self, int partitions, int replicationFactor, StateStore store,
                          io.ringwork.core.log.RecordLog log, io.ringwork.core.processing.RecordApplier applier) {
        this.self = self;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.store = store;
        this.log = log;
        this.locks = new Object[partitions];
        this.followers = new PartitionFollower[partitions];
        this.leaders = new PartitionLeader[partitions];
        this.inSyncFlags = new java.util.concurrent.atomic.AtomicIntegerArray(partitions);
        this.leadTerms = new java.util.concurrent.atomic.AtomicReferenceArray<>(partitions);
        this.startedNs = new java.util.concurrent.atomic.AtomicLongArray(partitions);
        this.starts = new java.util.concurrent.atomic.AtomicLongArray(partitions);
        this.releases = new java.util.concurrent.atomic.AtomicLongArray(partitions);
        this.lastHeardMs = new java.util.concurrent.atomic.AtomicLongArray(partitions);
        this.feedRelay = new FeedRelayService(this, store);
        this.logSource = new LogSource(log);
        for (int p = 0; p < partitions; p++) {
            locks[p] = new Object();
            // Each starts from the store's highest term seen for its partition: after a restart this
            // node refuses lower terms and starts owners above it (finding 11).
            followers[p] = new PartitionFollower(new ProcessingMachine(p, store, applier), CATCH_UP_MAX_RECORDS);
        }
        this.reconciler = new OwnershipReconciler(self, HANDOFF_WAIT_MS, RESTART_BACKOFF_MS, HANDOFF_LAG_MS, HANDOFF_GATE_MS);
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

    /**
     * Starts reconciling. With {@code expectPeers} (the node was given seeds) it runs nothing
     * until it sees another member or {@value #JOIN_WAIT_MS} ms pass, so a restarted node joins
     * before it claims partitions. Links to members go out as {@code identity} and are counted in
     * {@code counters}.
     */
    public void start(ProcessingEngine engine, MembershipService membership, Map<String, String> metadata,
                      boolean expectPeers, PeerIdentity identity, PeerCounters counters) {
        this.peerIdentity = identity;
        this.peerCounters = counters;
        this.engine = engine;
        this.membership = membership;
        this.baseMetadata = Map.copyOf(metadata);
        this.expectPeers = expectPeers;
        membership.subscribe(event -> {
            if (event.kind() != io.ringwork.core.membership.MemberEvent.Kind.UPDATED) {
                LOG.info("member {} {}", event.member().id(), event.kind().name().toLowerCase());
            }
            reconcileSoon();
        });
        reconcileQuietly();
        timer.scheduleWithFixedDelay(this::reconcileQuietly, RECONCILE_MS, RECONCILE_MS, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::tickQuietly, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        feedRelay.start(identity, counters);
    }

    // ---------------------------------------------------------------- the owner side

    /**
     * Holds the locks of the commit's partitions (ascending, the only place that takes more than
     * one) across the engine's store write and its {@link #committed} calls, so that a snapshot
     * page, a digest or a Hello never sees a state whose commit is not yet queued on the links.
     */
    @Override
    public void writing(int[] partitions, Runnable write) {
        holding(partitions, 0, write);
    }

    private void holding(int[] partitions, int from, Runnable write) {
        if (from == partitions.length) {
            write.run();
            return;
        }
        synchronized (locks[partitions[from]]) {
            holding(partitions, from + 1, write);
        }
    }

    /**
     * Under the partition's lock ({@link #writing}): feed at once when this owner alone makes a
     * quorum with nothing pending; otherwise stage under the number {@link #committed} will give the
     * commit. Not led (stopping timed out): staged until a durable checkpoint covers the records.
     */
    @Override
    public io.ringwork.core.store.Stage stage(int partition) {
        synchronized (locks[partition]) {
            PartitionLeader leader = leaders[partition];
            Term term = leader != null ? leader.term() : followers[partition].term();
            if (leader != null && leader.durableAtOnce()) return null;
            return new io.ringwork.core.store.Stage(new io.ringwork.core.store.StoredTerm(term.epoch(), term.node()),
                    leader != null ? leader.nextSeq() : io.ringwork.core.store.Stage.BY_CHECKPOINT);
        }
    }

    @Override
    public void committed(int partition, long checkpoint, List<StateWrite> states, List<Change> changes,
                          List<DeadLetter> deadLetters, Runnable onDurable) {
        Effects effects;
        synchronized (locks[partition]) {
            PartitionLeader leader = leaders[partition];
            if (leader == null) {
                // Not led (stopping timed out and the leader was dropped): the next owner redoes it.
                return;
            }
            effects = leader.committed(checkpoint, new ProcessingMachine.Writes(states, changes, deadLetters), onDurable);
            send(leader, effects);
            // A plain read first: the write happens once per start, not on every commit.
            long started = startedNs.get(partition) == 0 ? 0 : startedNs.getAndSet(partition, 0);
            if (started != 0) {
                LOG.info("partition {}: first commit {} ms after its start", partition, (System.nanoTime() - started) / 1_000_000);
            }
        }
        effects.durable().forEach(Runnable::run);
    }

    void onAck(String from, ReplicaAck ack) {
        int p = ack.partition();
        if (p < 0 || p >= partitions) return;
        Effects effects;
        synchronized (locks[p]) {
            PartitionLeader leader = leaders[p];
            if (leader == null) return;
            effects = leader.onAck(from, ack);
            send(leader, effects);
        }
        effects.durable().forEach(Runnable::run);
    }

    /** The link to {@code to} lost what it had: every owner here stops sending there until its next Hello. */
    void linkDown(String to) {
        long now = System.currentTimeMillis();
        for (int p = 0; p < partitions; p++) {
            synchronized (locks[p]) {
                PartitionLeader leader = leaders[p];
                if (leader != null) leader.linkFailed(to, now);
            }
        }
    }

    /** Queues the effects' messages; the caller holds the partition's lock. */
    private void send(PartitionLeader leader, Effects effects) {
        for (Outbound out : effects.messages()) {
            ReplicaLink link = links.get(out.to());
            if (link == null || !link.offer(out.message())) leader.linkFailed(out.to(), System.currentTimeMillis());
        }
    }

    // ---------------------------------------------------------------- the receiving side

    /** A received batch that took at least this long to apply is logged (the sender's link waited for it). */
    static final long SLOW_RECEIVE_MS = 100;

    /**
     * Applies a batch from {@code from}, in order; returns one ack per message. A catch-up from the
     * log that a message starts reads its records without the partition's lock, a chunk at a time
     * ({@link PartitionFollower#continueCatchUp}), and applies each under it: the lock is never held
     * across a log read, so the partition's owner side and the other links are not held up by it.
     */
    public List<ReplicaAck> receive(String from, List<ReplicaMessage> messages) {
        List<ReplicaAck> acks = new ArrayList<>(messages.size());
        boolean released = false;
        long batchStartNs = System.nanoTime();
        long longestNs = 0;
        int longestPartition = -1;
        String longestMessage = "";
        for (ReplicaMessage message : messages) {
            int p = message.partition();
            if (p < 0 || p >= partitions) throw new IllegalArgumentException("no partition " + p);
            long messageStartNs = System.nanoTime();
            boolean wasInSync;
            boolean mayCatchUp;
            int fed;
            PartitionFollower.Outcome outcome;
            synchronized (locks[p]) {
                // The store publishes what each write adds to the feed, under its own monitor and
                // in position order; a catch-up from the log writes (and so publishes) in chunks.
                wasInSync = followers[p].inSync();
                // A Hello or snapshot to a member that is not in sync may start a catch-up (from the
                // log): while any runs, newly in-sync partitions are not announced.
                mayCatchUp = !wasInSync
                        && (message instanceof ReplicaMessage.Hello || message instanceof ReplicaMessage.SnapshotBegin);
                if (mayCatchUp) catchUpsRunning.incrementAndGet();
                // Heard now, not only once a catch-up it starts ends: the partition is not quiet meanwhile (dropIfUnreplicated).
                lastHeardMs.set(p, System.currentTimeMillis());
                outcome = followers[p].receive(message);
                fed = outcome.fed().size();
                if (!outcome.needsRecords()) released |= received(p, from, message, outcome, wasInSync, fed);
            }
            try {
                while (outcome.needsRecords()) {
                    List<io.ringwork.core.record.Record> records = readForCatchUp(outcome.read());
                    synchronized (locks[p]) {
                        // Refused (the follower answers as after a failed catch-up) if anything changed it meanwhile.
                        outcome = followers[p].continueCatchUp(outcome.read(), records);
                        fed += outcome.fed().size();
                        if (!outcome.needsRecords()) released |= received(p, from, message, outcome, wasInSync, fed);
                    }
                }
            } finally {
                if (mayCatchUp) {
                    lastCatchUpEndMs = System.currentTimeMillis();
                    catchUpsRunning.decrementAndGet();
                }
            }
            acks.add(outcome.ack());
            long tookNs = System.nanoTime() - messageStartNs;
            if (tookNs > longestNs) {
                longestNs = tookNs;
                longestPartition = p;
                longestMessage = message.getClass().getSimpleName();
            }
        }
        long batchMs = (System.nanoTime() - batchStartNs) / 1_000_000;
        if (batchMs >= SLOW_RECEIVE_MS) {
            // The sender's link waits for this answer: every partition it carries waited too.
            LOG.info("replication from {}: {} messages took {} ms here (the longest: {} of partition {}, {} ms with its lock waits)",
                    from, messages.size(), batchMs, longestMessage, longestPartition, longestNs / 1_000_000);
        }
        if (released) reconcileSoon(); // this node may be the one to take over
        return acks;
    }

    /** A catch-up's records, read without any lock; a log that fails to read gives none (the follower falls back to a snapshot). */
    private List<io.ringwork.core.record.Record> readForCatchUp(PartitionFollower.LogRead read) {
        try {
            return LogCatchUp.read(logSource, read);
        } catch (RuntimeException e) {
            LOG.warn("catch-up of partition {}: reading the log from offset {} failed ({}); a snapshot instead",
                    read.partition(), read.fromOffset(), e.toString());
            return List.of();
        }
    }

    /**
     * What follows a message's final outcome, under the partition's lock: a newer owner deposes the
     * local one, sightings, the log line, readiness, metrics, release notices. Returns true when the
     * owner said it released the partition.
     */
    private boolean received(int p, String from, ReplicaMessage message, PartitionFollower.Outcome outcome, boolean wasInSync, int fed) {
        if (followers[p].superseded() && leaders[p] != null) leaders[p].depose();
        synchronized (sightings) {
            sightings.heard(from, message, System.currentTimeMillis());
        }
        logCatchUp(p, from, message, outcome.ack().status(), fed, wasInSync, store.stagedCount(p));
        inSyncFlags.set(p, followers[p].inSync() ? 1 : 0);
        lastHeardMs.set(p, System.currentTimeMillis());
        replicatedChanges.add(fed);
        if (!followers[p].releasedByOwner(from, message)) return false;
        synchronized (releaseNotices) {
            releaseNotices.released(from, p, gossipedOwned(from), System.currentTimeMillis());
        }
        return true;
    }

    /** One line per change of a replica's standing, so a catch-up can be followed in the log. */
    private static void logCatchUp(int p, String from, ReplicaMessage message, ReplicaAck.Status status, int fed,
                                   boolean wasInSync, int staged) {
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
            LOG.info("partition {}: out of sync with {} ({}); asking to catch up", p, from,
                    message.getClass().getSimpleName());
        }
    }

    // ---------------------------------------------------------------- reconciling

    private void reconcileSoon() {
        try {
            if (!closed) timer.execute(this::reconcileQuietly);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closing: nothing to reconcile any more.
        }
    }

    private void reconcileQuietly() {
        try {
            if (!closed) reconcile();
        } catch (RuntimeException e) {
            LOG.warn("reconciling ownership failed; will retry", e);
        }
    }

    private void reconcile() {
        MembershipService member = membership;
        ProcessingEngine processing = engine;
        if (member == null || processing == null || processing.failure() != null) return;
        long now = System.currentTimeMillis();
        List<MemberView> views = new ArrayList<>();
        Map<String, BitSet> released = new HashMap<>();
        int clusterSize = 0;
        for (Member m : member.members()) {
            // Members that left, or are leaving, no longer count toward the cluster's size.
            if (m.state() != io.ringwork.core.membership.MemberState.LEFT && !"1".equals(m.metadata().get("leaving"))
                    && !(m.id().equals(self) && leaving)) clusterSize++;
            if (!m.state().isActive()) continue;
            if (m.id().equals(self)) {
                views.add(new MemberView(self, weightOf(m), readySet(), ownedSet(), leaving));
                continue;
            }
            String address = m.metadata().get(PEER_METADATA);
            if (address != null) {
                try {
                    links.computeIfAbsent(m.id(), id -> new ReplicaLink(peerIdentity, id, address, this, peerCodec, peerCounters))
                            .address(address);
                } catch (IllegalArgumentException e) {
                    LOG.debug("member {} gossips a bad peer address '{}'; no link to it", m.id(), address);
                }
            }
            BitSet owned = bits(m.metadata().get("owned"));
            synchronized (releaseNotices) {
                BitSet said = releaseNotices.releasedSince(m.id(), owned, now);
                if (!said.isEmpty()) released.put(m.id(), said);
            }
            views.add(new MemberView(m.id(), weightOf(m), bits(m.metadata().get("ready")), owned,
                    "1".equals(m.metadata().get("leaving"))));
        }
        // A member no longer in the view: its link (and its sender thread) goes; a new one is made if it comes back.
        links.keySet().removeIf(id -> {
            if (views.stream().anyMatch(v -> v.id().equals(id))) return false;
            links.get(id).close();
            synchronized (releaseNotices) {
                releaseNotices.forget(id);
            }
            synchronized (sightings) {
                sightings.forget(id); // it died or left: its partitions fail over without waiting for the sighting to lapse
            }
            return true;
        });
        if (views.stream().noneMatch(v -> v.id().equals(self))) {
            views.add(new MemberView(self, weightOf(null), readySet(), ownedSet(), leaving));
        }
        if (expectPeers && views.size() == 1 && now - startedMs < JOIN_WAIT_MS) return;
        OwnershipPlan current = OwnershipPlan.compute(views, partitions, replicationFactor, clusterSize);
        plan = current;
        synchronized (sightings) {
            sightings.compare(current);
        }
        BitSet running = new BitSet();
        for (int p = 0; p < partitions; p++) if (processing.runs(p) || stopping.contains(p)) running.set(p);
        OwnershipReconciler.Decision decision = reconciler.decide(current, running, now, released,
                p -> newOwnerLagMs(p, current.owner(p), now), this::heardLeading);
        logGated(current, running, now);
        logSighted();
        for (int p = decision.stop().nextSetBit(0); p >= 0; p = decision.stop().nextSetBit(p + 1)) stop(p, false);
        if (!leaving) {
            for (int p = decision.start().nextSetBit(0); p >= 0; p = decision.start().nextSetBit(p + 1)) begin(p, current);
        }
        for (int p = 0; p < partitions; p++) {
            // Only partitions this node leads: a catch-up holds a follower's lock while it applies each chunk,
            // and waiting for it here would hold up every start and stop on this node.
            if (leadTerms.get(p) == null) continue;
            Effects effects = null;
            synchronized (locks[p]) {
                PartitionLeader leader = leaders[p];
                if (leader == null || stopping.contains(p)) continue;
                if (leader.deposed()) {
                    reconciler.deposed(p, now);
                } else {
                    int partition = p;
                    // Scale-out: the replica set only (displaced replicas keep their votes while the
                    // new list catches up); other members relay the feed (FeedRelayService).
                    effects = leader.members(current.replicas(p), List.of(), current.votingSlots(),
                            m -> current.isReady(m, partition));
                    send(leader, effects);
                }
            }
            if (effects == null) stop(p, true);
            else effects.durable().forEach(Runnable::run);
        }
        publishMetadata();
    }

    /**
     * How long {@code owner}, the plan's new owner of {@code p}, has owed this node an answer on p;
     * 0 where holding the partition would not help: it is already handing off, or this owner has
     * no write quorum now (nothing it does becomes durable; the new owner should take over).
     */
    private long newOwnerLagMs(int p, String owner, long now) {
        if (stopping.contains(p)) return 0;
        synchronized (locks[p]) {
            PartitionLeader leader = leaders[p];
            return leader == null || owner == null || !leader.hasQuorum() ? 0 : leader.answerLagMs(owner, now);
        }
    }

    /** Logs each start a sighting holds, once per hold (a member whose gossip had not caught up yet). */
    private void logSighted() {
        for (int p = 0; p < partitions; p++) {
            String heard = reconciler.heldBySighting(p);
            if ((heard != null) == sightedLogged.get(p)) continue;
            sightedLogged.set(p, heard != null);
            if (heard != null) {
                LOG.info("partition {}: the plan gives it to this node, but {} was heard leading it; not starting it yet", p, heard);
            }
        }
    }

    /** One line when the handoff gate starts holding a partition (the release is the "released" line). */
    private void logGated(OwnershipPlan current, BitSet running, long now) {
        for (int p = running.nextSetBit(0); p >= 0; p = running.nextSetBit(p + 1)) {
            boolean held = reconciler.gated(p);
            if (held == gatedLogged.get(p)) continue;
            gatedLogged.set(p, held);
            if (held) {
                long lag = newOwnerLagMs(p, current.owner(p), now);
                LOG.info("partition {}: moves to {}, which {}; running it until it answers (at most {} ms)", p, current.owner(p),
                        lag == Long.MAX_VALUE ? "is not yet an in-sync replica of this owner" : "owes answers for " + lag + " ms",
                        HANDOFF_GATE_MS);
            }
        }
        for (int p = gatedLogged.nextSetBit(0); p >= 0; p = gatedLogged.nextSetBit(p + 1)) {
            if (!running.get(p)) gatedLogged.clear(p);
        }
    }

    /**
     * A graceful leave. The node says it is leaving (it goes off the ring and is never chosen to
     * run a partition), stops every partition it runs (each drains to a quorum), and then waits
     * until each partition's owner has told it a checkpoint at least its own: then the owners
     * hold everything it holds, and its leaving loses no copy. At most {@code timeout} in all.
     */
    public void release(Duration timeout) {
        leaving = true;
        ProcessingEngine processing = engine;
        MembershipService member = membership;
        if (processing == null || member == null) return;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            publishMetadata();
            for (int p = 0; p < partitions; p++) if (processing.runs(p)) stop(p, false);
            while (!stopping.isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
            boolean othersStay = member.members().stream()
                    .anyMatch(m -> !m.id().equals(self) && m.state().isActive() && !"1".equals(m.metadata().get("leaving")));
            if (!othersStay) return; // nobody to hand off to: the log and this store are all there is
            long[] held = new long[partitions];
            for (int p = 0; p < partitions; p++) held[p] = store.checkpoint(p);
            while (System.nanoTime() < deadline && !ownersPast(held)) Thread.sleep(20);
            if (!ownersPast(held)) LOG.warn("leaving before every partition's owner is past this node's checkpoint");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("handing off before leaving failed", e);
        }
    }

    private boolean ownersPast(long[] held) {
        OwnershipPlan current = plan;
        for (int p = 0; p < partitions; p++) {
            if (held[p] < 0 || handedOff(current, p)) continue;
            synchronized (locks[p]) {
                if (followers[p].ownerCheckpoint() < held[p]) return false;
            }
        }
        return true;
    }

    /**
     * Scale-out: once the plan lists this leaving node nowhere for {@code p}, another member runs
     * it and every replica on its list is ready (in sync with that owner), no owner sends this node
     * anything more of {@code p}, so it would wait for a checkpoint it never hears; and it need not:
     * the owner took over from an in-sync copy (or this node drained to it) and its list holds what
     * it holds.
     */
    private boolean handedOff(OwnershipPlan current, int p) {
        if (current == null) return false;
        String owner = current.owner(p);
        if (owner == null || owner.equals(self) || current.replicas(p).contains(self) || !gossipedOwned(owner).get(p)) return false;
        for (String replica : current.replicas(p)) if (!current.isReady(replica, p)) return false;
        return true;
    }

    private void begin(int p, OwnershipPlan current) {
        Effects effects;
        Term term;
        synchronized (locks[p]) {
            try {
                term = Term.after(followers[p].term(), self);
            } catch (Term.EpochsExhausted e) {
                // Unreachable by counting owners (2^53 of them); the edges refuse terms above the bound.
                if (!epochsExhaustedLogged.get(p)) LOG.error("partition {} cannot be started here: {}", p, e.getMessage());
                epochsExhaustedLogged.set(p);
                return;
            }
            followers[p].lead(term);
            PartitionLeader leader = new PartitionLeader(term, self, ProcessingMachine.of(p, store), SNAPSHOT_PAGE, LINK_RETRY_MS);
            leaders[p] = leader;
            leadTerms.set(p, term);
            inSyncFlags.set(p, 0);
            effects = leader.members(current.replicas(p), List.of(), current.votingSlots(), m -> current.isReady(m, p));
            send(leader, effects);
        }
        effects.durable().forEach(Runnable::run);
        startedNs.set(p, System.nanoTime());
        engine.startPartition(p);
        starts.incrementAndGet(p);
        LOG.info("partition {} " + STARTED_LOG_MARK + " {} (checkpoint {})", p, term, store.checkpoint(p));
    }

    private String heardLeading(int partition) {
        synchronized (sightings) {
            return sightings.leader(partition, System.currentTimeMillis());
        }
    }

    /** Stops a partition off the timer thread: draining may wait for a quorum. */
    private void stop(int p, boolean deposed) {
        if (!stopping.add(p)) return;
        if (leadTerms.get(p) == null && !engine.runs(p)) {
            // A decision taken while the last stop was finishing: nothing runs here any more, and
            // the stop's clean-up would reset the replica the new owner may already have synced.
            stopping.remove(p);
            return;
        }
        handoffs.increment();
        Thread.ofVirtual().name("ringwork-stop-" + p).start(() -> {
            long checkpoint = -1;
            boolean stopped = false;
            long stopStartNs = System.nanoTime();
            try {
                // Deposed: its pending commits can never count under a stale term, so no drain wait.
                checkpoint = engine.stopPartition(p, !deposed);
                stopped = true;
                releases.incrementAndGet(p);
                LOG.info("partition {} " + RELEASED_LOG_MARK + " {}{} (stopping took {} ms)", p, checkpoint, deposed ? " (deposed)" : "",
                        (System.nanoTime() - stopStartNs) / 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("stopping partition {} failed", p, e);
            } finally {
                synchronized (locks[p]) {
                    // Tell the members directly, after the last commit: the next owner need not wait for gossip.
                    if (stopped && !deposed && leaders[p] != null && !leaders[p].deposed()) send(leaders[p], leaders[p].released(checkpoint));
                    Term newer = leaders[p] == null ? null : leaders[p].newerTerm();
                    leaders[p] = null;
                    leadTerms.set(p, null);
                    inSyncFlags.set(p, 0);
                    followers[p].reset();
                    followers[p].observe(newer);
                }
                stopping.remove(p);
                reconcileSoon();
            }
        });
    }

    /** Everything in the log of a partition this node runs is applied and counted. */
    private boolean idle(int p) {
        ProcessingEngine processing = engine;
        ProcessingEngine.PartitionStatus status = processing == null ? null : processing.status(p);
        return status != null && status.inFlight() == 0 && status.checkpoint() >= log.endOffset(p) - 1;
    }

    /**
     * Digests that differed from an owner's on this node, each repaired by snapshot. Read without
     * the partition locks (a metric; a catch-up's chunk may hold one).
     */
    public long repairs() {
        long sum = 0;
        for (int p = 0; p < partitions; p++) sum += followers[p].repairs();
        return sum;
    }

    private BitSet ownedSet() {
        BitSet owned = new BitSet();
        ProcessingEngine processing = engine;
        for (int p = 0; p < partitions; p++) if (processing != null && processing.runs(p)) owned.set(p);
        return owned;
    }

    /** Partitions this node runs or holds in sync with their owner. */
    private BitSet readySet() {
        BitSet ready = ownedSet();
        if (leaving) return ready; // about to go: no one should count on what it holds
        BitSet inSync = new BitSet();
        for (int p = 0; p < partitions; p++) {
            if (inSyncFlags.get(p) == 1) inSync.set(p);
        }
        long now = System.currentTimeMillis();
        boolean catchingUp = catchUpsRunning.get() > 0 || now - lastCatchUpEndMs < CATCH_UP_QUIET_MS;
        synchronized (readinessHold) {
            ready.or(readinessHold.announce(inSync, catchingUp, now));
        }
        return ready;
    }

    private synchronized void publishMetadata() {
        String ready = HexFormat.of().formatHex(readySet().toByteArray());
        String owned = HexFormat.of().formatHex(ownedSet().toByteArray());
        if (ready.equals(publishedReady) && owned.equals(publishedOwned) && leaving == publishedLeaving) return;
        Map<String, String> metadata = new HashMap<>(baseMetadata);
        metadata.put("ready", ready);
        metadata.put("owned", owned);
        if (leaving) metadata.put("leaving", "1");
        membership.updateMetadata(metadata);
        publishedReady = ready;
        publishedOwned = owned;
        publishedLeaving = leaving;
    }

    /** A member's capacity weight from its metadata (this node's own when {@code m} is null); 1 if absent or bad. */
    private int weightOf(Member m) {
        String raw = m == null ? baseMetadata.get("weight") : m.metadata().get("weight");
        try {
            int weight = raw == null ? 1 : Integer.parseInt(raw);
            return weight >= 1 && weight <= io.ringwork.core.ring.RingNode.WEIGHT_MAX ? weight : 1;
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static BitSet bits(String hex) {
        if (hex == null || hex.isEmpty()) return new BitSet();
        try {
            return BitSet.valueOf(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            return new BitSet(); // a peer with damaged metadata holds nothing we can count on
        }
    }

    private void tickQuietly() {
        try {
            long now = System.currentTimeMillis();
            for (int p = 0; p < partitions; p++) {
                if (leadTerms.get(p) == null) continue; // not led here; its lock may be a catch-up chunk's
                Effects effects;
                synchronized (locks[p]) {
                    PartitionLeader leader = leaders[p];
                    if (leader == null) continue;
                    effects = leader.tick(now, to -> {
                        ReplicaLink link = links.get(to);
                        return link != null && link.hasRoom();
                    }, PAGES_PER_TICK);
                    send(leader, effects);
                    if (idle(p)) send(leader, leader.digest(now, DIGEST_INTERVAL_MS));
                }
                effects.durable().forEach(Runnable::run);
            }
        } catch (RuntimeException e) {
            LOG.warn("replication tick failed", e);
        }
    }

    /**
     * The shared log as the catch-up reads it: a short-lived reader per batch. Another process's
     * append can be counted in the end offset a moment before its frames read back, so an empty
     * poll below the end is tried again (briefly) before the catch-up gives up on the log.
     */
    private record LogSource(io.ringwork.core.log.RecordLog log) implements LogCatchUp.Source {
        private static final int EMPTY_POLLS_MAX = 50;

        @Override
        public List<io.ringwork.core.record.Record> read(int partition, long fromOffset, int max) {
            try (io.ringwork.core.log.PartitionReader reader = log.reader(partition, fromOffset)) {
                for (int attempt = 0; attempt < EMPTY_POLLS_MAX; attempt++) {
                    List<io.ringwork.core.record.Record> records = reader.poll(max);
                    if (!records.isEmpty()) return records;
                    log.awaitAppend(partition, reader.position(), 10);
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

    // ---------------------------------------------------------------- reading

    /** The plan as last computed, or null before the first. */
    public OwnershipPlan plan() {
        return plan;
    }

    /** The partitions {@code member} runs as its gossip says now. */
    private BitSet gossipedOwned(String member) {
        MembershipService m = membership;
        if (m == null) return new BitSet();
        for (Member each : m.members()) if (each.id().equals(member)) return bits(each.metadata().get("owned"));
        return new BitSet();
    }

    /** The HTTP address of {@code member} from its metadata, or null. */
    public String httpAddressOf(String member) {
        MembershipService m = membership;
        if (m == null) return null;
        for (Member each : m.members()) if (each.id().equals(member)) return each.metadata().get("http");
        return null;
    }

    public String self() {
        return self;
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    /** Per partition: the term this node leads it under, or null. */
    public Term leading(int partition) {
        return leadTerms.get(partition);
    }

    public boolean inSync(int partition) {
        return inSyncFlags.get(partition) == 1;
    }

    public long replicatedChanges() {
        return replicatedChanges.sum();
    }

    public long handoffs() {
        return handoffs.sum();
    }

    /** How often {@code partition} was started here (this node took it over) since this process began. */
    public long starts(int partition) {
        return starts.get(partition);
    }

    /** How often {@code partition} was stopped here after running (a handoff, a deposition, a leave) since this process began. */
    public long releases(int partition) {
        return releases.get(partition);
    }

    /** A replication body or its acks carried a term out of range, and the codec refused it. */
    public void termRefused() {
        termsRefusedAtDecode.increment();
    }

    /**
     * Replication messages and acks refused because a term's epoch was above {@link Term#MAX_EPOCH}:
     * those the codec refused, and any that reached a follower. Read without the partition locks.
     */
    public long termsRefused() {
        long sum = termsRefusedAtDecode.sum();
        for (int p = 0; p < partitions; p++) sum += followers[p].termsRefused();
        return sum;
    }

    // ---------------------------------------------------------------- scale-out (FeedRelayService)

    /** The partitions each other live member runs, as its gossip says now. */
    Map<String, BitSet> ownedByMember() {
        Map<String, BitSet> owned = new java.util.TreeMap<>();
        MembershipService m = membership;
        if (m == null) return owned;
        for (Member each : m.members()) {
            if (!each.id().equals(self) && each.state().isActive()) owned.put(each.id(), bits(each.metadata().get("owned")));
        }
        return owned;
    }

    /** The peer address {@code member} gossips, or null. */
    String peerAddressOf(String member) {
        MembershipService m = membership;
        if (m == null) return null;
        for (Member each : m.members()) if (each.id().equals(member)) return each.metadata().get(PEER_METADATA);
        return null;
    }

    int partitions() {
        return partitions;
    }

    boolean isLeaving() {
        return leaving || closed;
    }

    /** True when this node runs {@code partition} (handing off included). */
    public boolean runs(int partition) {
        return leadTerms.get(partition) != null || stopping.contains(partition);
    }

    /** Answers other members' feed relays: a partition is served only where it is run or held in sync. */
    public List<io.ringwork.core.cluster.FeedRelay.Page> serveFeed(String from, List<io.ringwork.core.cluster.FeedRelay.Fetch> fetches) {
        return FeedRelayService.serve(store, fetches, p -> runs(p) || inSyncFlags.get(p) == 1, partitions);
    }

    /**
     * Drops this node's state of {@code p} if it may: it neither runs p nor is on p's replica set
     * nor is its owner, the owner runs it (gossip), every replica on the list is ready, the owner
     * said it holds at least this node's checkpoint ({@code ownerHolds}), and no replication message
     * of p arrived for {@code quietMs} (an owner still sending may count this node's vote, or its
     * view still lists it; it hears of the drop from the next answer). Under p's lock; logged.
     */
    boolean dropIfUnreplicated(int p, OwnershipPlan current, long ownerHolds, long quietMs) {
        String owner = current.owner(p);
        if (owner == null || runs(p) || current.replicas(p).contains(self) || self.equals(owner)) return false;
        if (!gossipedOwned(owner).get(p)) return false;
        for (String replica : current.replicas(p)) if (!current.isReady(replica, p)) return false;
        if (System.currentTimeMillis() - lastHeardMs.get(p) < quietMs) return false;
        long held;
        synchronized (locks[p]) {
            if (runs(p) || !store.holds(p)) return false;
            held = store.checkpoint(p);
            if (ownerHolds < held) return false;
            store.dropPartition(p);
            followers[p].reset();
            inSyncFlags.set(p, 0);
        }
        LOG.info("partition {} dropped at checkpoint {}: this node left its replica set {} (owner {} holds {})", p, held,
                current.replicas(p), owner, ownerHolds);
        publishMetadata();
        return true;
    }

    /** Changes relayed to this node's feed from other members' feeds (partitions it does not replicate). */
    public long relayedChanges() {
        return feedRelay.relayedChanges();
    }

    /** Partitions this node dropped because it left their replica sets. */
    public long drops() {
        return feedRelay.drops();
    }

    @Override
    public void close() {
        closed = true;
        feedRelay.close();
        timer.shutdownNow();
        links.values().forEach(ReplicaLink::close);
    }
}
