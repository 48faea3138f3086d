package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.FeedRelay;
import io.ringwork.core.cluster.LeaderSightings;
import io.ringwork.core.cluster.LogCatchUp;
import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.ReleaseNotices;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.cluster.OwnershipReconciler;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.PartitionLeader;
import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One processing node of the simulated cluster, single-threaded: the wiring the runtime does
 * around the core state machines (reader, {@link RecordApplier}, local commit, {@link PartitionLeader},
 * {@link PartitionFollower}, {@link OwnershipReconciler}), driven by {@link #tick} and
 * {@link #receive}. The {@link MemoryStateStore} models the durable store and survives
 * {@link #crash}; everything else is memory and is lost. Not thread-safe.
 */
public final class SimProcessingNode implements ClusterNetwork.Endpoint {
    /** Where the node is in its life. */
    public enum Status { UP, PAUSED, CRASHED, LEAVING, GONE }

    /** What the cluster around the node provides and observes. */
    public interface Hooks {
        /** The live members this node currently believes in, itself excluded. */
        Collection<MemberView> view(String self);

        /** The node's gossiped metadata changed. */
        void metadataChanged(String self);

        /** A commit of {@code partition} up to {@code checkpoint}, made under {@code term}, was reported durable to this node. */
        void durable(String self, int partition, long checkpoint, Term term);

        /** The highest checkpoint of {@code partition} any commit was reported durable at, or -1 (for sabotage only). */
        long durableUpTo(int partition);

        /**
         * An owner's starting state is held by a write quorum (its durable frontier reached -1):
         * every record of {@code partition} at or below {@code checkpoint} is.
         */
        default void startHeld(String self, int partition, long checkpoint) {}

        /** A graceful leave finished: the node has stopped everything and departs. */
        void departed(String self);

        /** Simulated time now. */
        long nowMs();

        /**
         * Members that count toward the cluster's size: those taking part, crashed ones included,
         * departed ones not (what SWIM's member list gives a node: dead members stay until reaped).
         */
        int clusterSize();
    }

    /** One partition this node runs. */
    static final class Running {
        final PartitionLeader leader;
        /** Whether the cluster was told that a quorum holds the state it started from. */
        boolean startHeld;
        long nextOffset;
        boolean stopping;
        long stopDeadlineMs;

        Running(PartitionLeader leader, long nextOffset) {
            this.leader = leader;
            this.nextOffset = nextOffset;
        }
    }

    /** {@code -Dringwork.sim.trace=true} prints what nodes start, stop and receive, for replaying a seed. */
    private static final boolean TRACE = Boolean.getBoolean("ringwork.sim.trace");

    private final String id;
    private final MemoryStateStore store;
    private final RecordApplier applier;
    private final SimLog log;
    private final ClusterNetwork network;
    private final Hooks hooks;
    private final ClusterConfig config;
    private Status status = Status.UP;
    private int incarnation;
    // Memory: lost on crash.
    private final Map<Integer, Running> running = new TreeMap<>();
    private final Map<Integer, PartitionFollower> followers = new TreeMap<>();
    /** Anti-entropy repairs of followers this node dropped on a crash. */
    private long repairsBefore;
    /** Handoff-gate counts of reconcilers this node dropped on a crash. */
    private long gateHoldsBefore;
    /** Starts held by a sighting, in reconcilers this node dropped on a crash. */
    private long sightingHoldsBefore;
    /** Commits made durable by a displaced member's vote, in leaders that are gone. */
    private long lingeringVotesBefore;
    private long gateTimeoutsBefore;
    private final ArrayDeque<Object[]> inbox = new ArrayDeque<>();
    private OwnershipReconciler reconciler;
    /** Relays the feeds of the partitions this node does not replicate (memory: lost on crash; the floor is in the store). */
    private FeedRelay relay;
    /** Partitions this node dropped (it left their replica set), and relays before a crash: counts. */
    private long drops;
    private long relayedBefore;
    private ReleaseNotices releaseNotices;
    private LeaderSightings sightings;
    private Set<String> lastInView = Set.of();
    private long nextReconcileMs;
    private boolean viewDirty = true;
    private long nowMs;
    private BitSet publishedReady = new BitSet();
    private BitSet publishedOwned = new BitSet();
    private boolean publishedLeaving;

    public SimProcessingNode(String id, MemoryStateStore store, RecordApplier applier, SimLog log,
                             ClusterNetwork network, Hooks hooks, ClusterConfig config) {
        this.id = id;
        this.store = store;
        this.applier = applier;
        this.log = log;
        this.network = network;
        this.hooks = hooks;
        this.config = config;
        this.reconciler = reconciler(id, config);
        this.relay = new FeedRelay(store, relayConfig(config));
        this.releaseNotices = new ReleaseNotices(config.handoffWaitMs());
        this.sightings = new LeaderSightings(config.handoffWaitMs() / 2);
    }

    public String id() {
        return id;
    }

    public Status status() {
        return status;
    }

    public int incarnation() {
        return incarnation;
    }

    public MemoryStateStore store() {
        return store;
    }

    /** The partitions this node runs now (stopping ones included), with their leaders. */
    public Map<Integer, PartitionLeader> leaders() {
        Map<Integer, PartitionLeader> result = new TreeMap<>();
        running.forEach((p, r) -> result.put(p, r.leader));
        return result;
    }

    /** This node's follower of {@code partition}, or null if it never heard of it since it (re)started. */
    public PartitionFollower followerOrNull(int partition) {
        return followers.get(partition);
    }

    public boolean alive() {
        return status == Status.UP || status == Status.PAUSED || status == Status.LEAVING;
    }

    // ---- life cycle -------------------------------------------------------------------------

    /** Loses everything but the store. */
    public void crash() {
        status = Status.CRASHED;
        running.values().forEach(r -> lingeringVotesBefore += r.leader.durableByLingeringVotes());
        running.clear();
        followers.values().forEach(f -> repairsBefore += f.repairs());
        gateHoldsBefore += reconciler.gateHolds();
        sightingHoldsBefore += reconciler.sightingHolds();
        gateTimeoutsBefore += reconciler.gateTimeouts();
        followers.clear();
        relayedBefore += relay.relayedChanges();
        relay = new FeedRelay(store, relayConfig(config));
        inbox.clear();
        publishedReady = new BitSet();
        publishedOwned = new BitSet();
    }

    /** Starts again from the store, as a new process. */
    public void restart(long nowMs) {
        if (status != Status.CRASHED) return;
        status = Status.UP;
        incarnation++;
        reconciler = reconciler(id, config);
        releaseNotices = new ReleaseNotices(config.handoffWaitMs());
        sightings = new LeaderSightings(config.handoffWaitMs() / 2);
        lastPlan = null;
        lastInView = Set.of();
        viewDirty = true;
        nextReconcileMs = nowMs;
    }

    /** Stops taking steps and handling messages; messages queue until {@link #resume}. */
    public void pause() {
        if (status == Status.UP) status = Status.PAUSED;
    }

    public void resume(long nowMs) {
        if (status != Status.PAUSED) return;
        status = Status.UP;
        this.nowMs = nowMs;
        // 1. Everything that arrived while paused, in arrival order. 2. Then a fresh look at the view.
        while (!inbox.isEmpty() && status == Status.UP) {
            Object[] queued = inbox.poll();
            if (queued[1] == LINK_FAILED) linkFailed((String) queued[0]);
            else handle((String) queued[0], queued[1]);
        }
        viewDirty = true;
    }

    /** Longest a graceful leave waits for the owners to be past what this node holds. */
    static final long LEAVE_WAIT_MS = 30_000;

    /**
     * Starts a graceful leave, as the runtime does: stops every partition (each drains to a
     * quorum, bounded), says it holds nothing, and departs once every partition's owner has told
     * it a checkpoint at least its own (so the owner holds all it holds), or after
     * {@link #LEAVE_WAIT_MS}.
     */
    public void leave(long nowMs) {
        if (status != Status.UP) return;
        status = Status.LEAVING;
        leaveDeadlineMs = nowMs + LEAVE_WAIT_MS;
        for (Running r : running.values()) beginStop(r, nowMs);
        publishIfChanged();
    }

    private long leaveDeadlineMs = Long.MAX_VALUE;

    /** True when every partition this node holds is held, at least as far, by its current owner. */
    private boolean ownersCaughtUp() {
        for (int p = 0; p < log.partitionCount(); p++) {
            long held = store.checkpoint(p);
            if (held >= 0 && follower(p).ownerCheckpoint() < held) return false;
        }
        return true;
    }

    // ---- network ----------------------------------------------------------------------------

    @Override
    public boolean reachable() {
        return alive();
    }

    @Override
    public boolean receive(String from, Object message) {
        nowMs = hooks.nowMs();
        if (status == Status.PAUSED) {
            if (inbox.size() >= config.pausedInboxMax()) return false; // a full socket buffer: lost
            inbox.add(new Object[] {from, message});
            return true;
        }
        if (!alive()) return false;
        handle(from, message);
        return true;
    }

    private void handle(String from, Object message) {
        switch (message) {
            case ReplicaMessage m -> {
                PartitionFollower follower = follower(m.partition());
                if (config.sabotage() == ClusterConfig.Sabotage.FOLLOWER_ACCEPTS_LOWER_TERM && m.term().isBefore(follower.term())
                        && !running.containsKey(m.partition())) {
                    // Deliberately broken (checker self-test): instead of refusing a lower term, forget ours (the
                    // stored one too) and take it.
                    StateStore followerStore = config.followerStore().apply(store);
                    follower = new PartitionFollower(new ProcessingMachine(m.partition(), TermForgettingStore.onRead(followerStore), applier),
                            catchUpLimit());
                    followers.put(m.partition(), follower);
                }
                // The simulated log is read at once, between the chunks, as the node reads its log off the lock.
                PartitionFollower.Outcome outcome = PartitionFollower.receiveAll(follower, m, logSource(), this);
                if (config.sabotage() == ClusterConfig.Sabotage.FEED_AT_APPLY && !running.containsKey(m.partition())) {
                    // Deliberately broken (checker self-test): feed whatever was staged at once, durable or not.
                    store.promote(m.partition(), new io.ringwork.core.store.StoredTerm(follower.term().epoch(), follower.term().node()),
                            Long.MAX_VALUE - 1, Long.MAX_VALUE);
                }
                lastHeardMs.put(m.partition(), nowMs);
                if (m instanceof ReplicaMessage.SnapshotPage) snapshotted.set(m.partition());
                sightings.heard(from, m, nowMs);
                Running mine = running.get(m.partition());
                // A newer owner wrote to a partition this node runs: this owner must stop.
                if (follower.superseded() && mine != null) mine.leader.depose();
                if (follower.releasedByOwner(from, m)) {
                    // The old owner's word, ahead of its gossip: replan now (this node may take over).
                    releaseNotices.released(from, m.partition(), gossipedOwned(from), nowMs);
                    viewDirty = true;
                }
                if (TRACE) trace("<- %s %s: %s fed %d", from, brief(m), outcome.ack().status(), outcome.fed().size());
                network.send(id, from, outcome.ack());
            }
            case ReplicaAck ack -> {
                Running r = running.get(ack.partition());
                if (r != null) apply(r, r.leader.onAck(from, ack));
            }
            case FeedRelay.Fetch fetch -> network.send(id, from, FeedRelay.serve(store, fetch, holdsInSync(fetch.partition()),
                    relayConfig(config).scanMax()));
            case FeedRelay.Page page -> {
                List<FeedEntry> added = relay.onPage(from, page, nowMs);
                if (TRACE) trace("<- %s relay page p%d source %s next %d claim %d/%d changes %s, fed %s; floor now %d", from, page.partition(),
                        page.source(), page.nextPosition(), page.claim(), page.claimEnd(),
                        page.changes().stream().map(c -> c.key() + "@" + c.version()).toList(),
                        added.stream().map(e -> e.change().key() + "@" + e.change().version()).toList(), store.fedFloor(page.partition()));
            }
            default -> throw new IllegalArgumentException("unknown message " + message);
        }
        publishIfChanged();
    }

    private BitSet gossipedOwned(String member) {
        for (MemberView view : hooks.view(id)) if (view.id().equals(member)) return view.owned();
        return new BitSet();
    }

    @Override
    public void linkFailed(String to) {
        nowMs = hooks.nowMs();
        if (status == Status.PAUSED) {
            // A paused process sees the broken connection when it resumes. Dropping the notice left
            // a leader waiting for the answer to a lost Hello for good (seed 323: a replica never
            // caught up again).
            inbox.add(new Object[] {to, LINK_FAILED});
            return;
        }
        if (status != Status.UP && status != Status.LEAVING) return; // crashed or gone: its links went with it
        for (Running r : running.values()) r.leader.linkFailed(to, nowMs);
        relay.linkFailed(to, nowMs);
    }

    /** Stands in the paused inbox for a failure notice of the link to the member it is queued with. */
    private static final Object LINK_FAILED = new Object();

    /** The view changed (as this node sees it): replan at the next tick. */
    public void viewChanged() {
        viewDirty = true;
    }

    // ---- steps ------------------------------------------------------------------------------

    /** One step of the node's loop: stop what must stop, process and commit, tick leaders, reconcile. */
    public void tick(long nowMs) {
        this.nowMs = nowMs;
        if (status != Status.UP && status != Status.LEAVING) return;
        for (var it = running.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            int p = entry.getKey();
            Running r = entry.getValue();
            if (!r.stopping && r.leader.deposed()) {
                // 1. A replica refused our term: someone else runs p. Stop at once and back off.
                lingeringVotesBefore += r.leader.durableByLingeringVotes();
                it.remove();
                follower(p).reset();
                follower(p).observe(r.leader.newerTerm());
                reconciler.deposed(p, nowMs);
                trace("deposed from p%d", p);
                continue;
            }
            if (r.stopping) {
                // 2. Handing off: stop reading, let pending commits become durable, bounded.
                if (r.leader.pendingCount() == 0 || nowMs >= r.stopDeadlineMs || r.leader.deposed()) {
                    if (!r.leader.deposed()) apply(r.leader.released(store.checkpoint(p)));
                    lingeringVotesBefore += r.leader.durableByLingeringVotes();
                    it.remove();
                    follower(p).reset();
                    follower(p).observe(r.leader.newerTerm());
                    continue;
                }
            } else {
                process(p, r);
                // Anti-entropy while idle: everything in the log applied and counted.
                if (r.nextOffset >= log.end(p) && r.leader.pendingCount() == 0) apply(r.leader.digest(nowMs, DIGEST_INTERVAL_MS));
            }
            apply(r.leader.tick(nowMs, to -> true, config.snapshotPagesPerTick()));
        }
        if (status == Status.LEAVING) {
            if (running.isEmpty() && (ownersCaughtUp() || nowMs >= leaveDeadlineMs)) {
                if (!ownersCaughtUp()) {
                    StringBuilder behind = new StringBuilder();
                    for (int p = 0; p < log.partitionCount(); p++) {
                        long held = store.checkpoint(p);
                        if (held >= 0 && follower(p).ownerCheckpoint() < held) {
                            behind.append(String.format(" p%d(held %d, owner at %d, term %s, %s)", p, held,
                                    follower(p).ownerCheckpoint(), follower(p).term(), follower(p).mode()));
                        }
                    }
                    trace("leaves at the deadline before every owner caught up:%s", behind);
                }
                status = Status.GONE;
                hooks.departed(id);
            }
            publishIfChanged();
            return;
        }
        if (viewDirty || nowMs >= nextReconcileMs) reconcile();
        relayFeeds();
        publishIfChanged();
    }

    /**
     * The reconciler, with the runtime's handoff gate scaled to the simulated timings: the new owner
     * answers "now" within 5 ticks (the simulated round trip is at most two latencies, well under a
     * tick), and a stop waits for it at most half the handoff wait.
     */
    private static OwnershipReconciler reconciler(String id, ClusterConfig config) {
        return new OwnershipReconciler(id, config.handoffWaitMs(), config.restartBackoffMs(), 5 * config.tickMs(),
                config.handoffWaitMs() / 2);
    }

    /** How often an idle owner checks each in-sync replica's digest (simulated ms). */
    static final long DIGEST_INTERVAL_MS = 1_000;

    /** Starts held because another member was heard leading the partition ({@link OwnershipReconciler#sightingHolds}). */
    public long sightingHolds() {
        return sightingHoldsBefore + reconciler.sightingHolds();
    }

    /** Handoffs the gate held because the new owner did not answer at first ({@link OwnershipReconciler#gateHolds}). */
    public long gateHolds() {
        return gateHoldsBefore + reconciler.gateHolds();
    }

    /** Of those, the ones that went ahead when the gate's time was up. */
    public long gateTimeouts() {
        return gateTimeoutsBefore + reconciler.gateTimeouts();
    }

    /** Commits that became durable only by a displaced member's vote ({@link PartitionLeader#durableByLingeringVotes}). */
    public long lingeringVotes() {
        long sum = lingeringVotesBefore;
        for (Running r : running.values()) sum += r.leader.durableByLingeringVotes();
        return sum;
    }

    /** Anti-entropy digests that differed on this node (each followed by a repairing snapshot). */
    public long repairs() {
        long sum = repairsBefore;
        for (PartitionFollower f : followers.values()) sum += f.repairs();
        return sum;
    }

    /**
     * The relay's settings in simulated time: a node polls a caught-up source every 4 ticks, and a
     * fetch unanswered for the handoff wait goes to another source.
     */
    static FeedRelay.Config relayConfig(ClusterConfig config) {
        return new FeedRelay.Config(64, 256, 4 * config.tickMs(), config.handoffWaitMs(), config.handoffWaitMs() / 2);
    }

    /** True when this node holds {@code partition} in sync: it runs it, or it is an in-sync replica. */
    private boolean holdsInSync(int partition) {
        PartitionFollower follower = followers.get(partition);
        return running.containsKey(partition) || (follower != null && follower.inSync());
    }

    /**
     * Relays the feeds of the partitions this node neither runs nor replicates (scale-out: it
     * holds none of their state), from the member running each, else an in-sync replica; then
     * drops what it still holds of such partitions once that is safe ({@link #dropUnreplicated}).
     */
    private void relayFeeds() {
        OwnershipPlan plan = lastPlan;
        if (plan == null || status != Status.UP) return;
        BitSet relayed = new BitSet();
        for (int p = 0; p < log.partitionCount(); p++) {
            if (!running.containsKey(p) && !plan.replicas(p).contains(id)) relayed.set(p);
        }
        Collection<MemberView> view = hooks.view(id);
        for (FeedRelay.Request request : relay.tick(nowMs, relayed, p -> sources(plan, view, p))) {
            network.send(id, request.to(), request.fetch());
        }
        dropUnreplicated(plan);
    }

    /** Members to relay {@code p}'s feed from, best first: those running it, then its ready replicas. */
    private List<String> sources(OwnershipPlan plan, Collection<MemberView> view, int p) {
        List<String> sources = new ArrayList<>();
        for (MemberView member : view) if (member.owned().get(p)) sources.add(member.id());
        for (String replica : plan.replicas(p)) {
            if (!replica.equals(id) && !sources.contains(replica) && plan.isReady(replica, p)) sources.add(replica);
        }
        return sources;
    }

    /**
     * Drops the state of each partition this node holds but is neither running nor on the replica
     * set of, once it cannot be needed: the plan's owner runs it (its gossip says so), every replica
     * on the list is ready (so the displaced members' votes are over or about to be), and the owner
     * has claimed, in a relay page, a checkpoint at least this node's: it holds everything this node
     * holds. Never while this node runs the partition or is on its list.
     */
    private void dropUnreplicated(OwnershipPlan plan) {
        for (int p = 0; p < log.partitionCount(); p++) {
            if (running.containsKey(p) || plan.replicas(p).contains(id) || id.equals(plan.owner(p)) || !store.holds(p)) continue;
            String owner = plan.owner(p);
            if (owner == null || !gossipedOwned(owner).get(p)) continue;
            boolean listReady = true;
            for (String replica : plan.replicas(p)) listReady &= plan.isReady(replica, p);
            if (!listReady || relay.claimedBy(p, owner) < store.checkpoint(p)) continue;
            // An owner still sending to us (its view lags, or our vote still counts) hears of the drop
            // from our answers; wait until it has gone quiet.
            if (nowMs - lastHeardMs.getOrDefault(p, Long.MIN_VALUE / 2) < config.handoffWaitMs()) continue;
            trace("drops p%d at checkpoint %d (owner %s claimed %d)", p, store.checkpoint(p), owner, relay.claimedBy(p, owner));
            store.dropPartition(p);
            follower(p).reset();
            drops++;
        }
    }

    /** Partitions this node dropped since it started (it left their replica sets). */
    public long drops() {
        return drops;
    }

    /** Changes the feed relay added to this node's feed since it started. */
    public long relayedChanges() {
        return relayedBefore + relay.relayedChanges();
    }

    /** True when this node relays {@code partition} and its fed floor reached {@code checkpoint}. */
    public boolean relayCaughtUp(int partition, long checkpoint) {
        return relay.caughtUpTo(partition, checkpoint);
    }

    /**
     * Partitions this node ever took a snapshot page of (for the checkers, kept across crashes): its
     * feed jumped there to the snapshot's versions, by design, so it may lack changes before them.
     */
    private final BitSet snapshotted = new BitSet();

    /** True when this node ever caught up {@code partition} by snapshot (see {@link #snapshotted}). */
    public boolean snapshotted(int partition) {
        return snapshotted.get(partition);
    }

    /** When this node last heard a replication message of each partition (memory). */
    private final Map<Integer, Long> lastHeardMs = new java.util.HashMap<>();

    /** The last plan this node reconciled to (null before the first). */
    private OwnershipPlan lastPlan;

    private void reconcile() {
        boolean replan = viewDirty;
        viewDirty = false;
        nextReconcileMs = nowMs + config.reconcileEveryMs();
        OwnershipPlan plan = plan();
        lastPlan = plan;
        BitSet runningSet = new BitSet();
        running.keySet().forEach(runningSet::set);
        Map<String, BitSet> released = new java.util.HashMap<>(); // per member: partitions it said it released
        Set<String> inView = new HashSet<>();
        for (MemberView view : hooks.view(id)) {
            inView.add(view.id());
            BitSet said = releaseNotices.releasedSince(view.id(), view.owned(), nowMs);
            if (!said.isEmpty()) released.put(view.id(), said);
        }
        // A leader that left the view (it died) runs nothing any more; one not yet in it (a joiner) may.
        for (String gone : lastInView) if (!inView.contains(gone)) sightings.forget(gone);
        lastInView = inView;
        sightings.compare(plan);
        OwnershipReconciler.Decision decision = reconciler.decide(plan, runningSet, nowMs, released, p -> {
            Running r = running.get(p);
            String owner = plan.owner(p);
            // Not held where it would not help: already handing off, or no write quorum (no progress).
            return r == null || r.stopping || owner == null || !r.leader.hasQuorum() ? 0 : r.leader.answerLagMs(owner, nowMs);
        }, p -> sightings.leader(p, nowMs));
        decision.stop().stream().forEach(p -> {
            Running r = running.get(p);
            if (r != null && !r.stopping) beginStop(r, nowMs);
        });
        decision.start().stream().forEach(p -> start(p, plan));
        if (replan) {
            for (var entry : running.entrySet()) {
                int p = entry.getKey();
                if (!entry.getValue().stopping) {
                    apply(entry.getValue(), entry.getValue().leader.members(plan.replicas(p), List.of(), plan.votingSlots(), m -> plan.isReady(m, p)));
                }
            }
        }
    }

    /** The plan from this node's view, itself included with its current metadata. */
    public OwnershipPlan plan() {
        List<MemberView> members = new ArrayList<>(hooks.view(id));
        members.add(describe());
        int live = (int) members.stream().filter(m -> !m.leaving()).count();
        return OwnershipPlan.compute(members, log.partitionCount(), config.replicationFactor(),
                Math.max(live, hooks.clusterSize()));
    }

    private void start(int p, OwnershipPlan plan) {
        PartitionFollower follower = follower(p);
        Term term = Term.after(follower.term(), id);
        follower.lead(term);
        PartitionLeader leader = new PartitionLeader(term, id, ProcessingMachine.of(p, store), config.snapshotPageSize(), config.linkRetryMs());
        long from = store.checkpoint(p) + 1;
        if (config.sabotage() == ClusterConfig.Sabotage.OWNER_SKIPS_TO_DURABLE) {
            // Deliberately broken (checker self-test): start past what the cluster made durable, held or not.
            from = Math.max(from, hooks.durableUpTo(p) + 1);
        }
        Running r = new Running(leader, from);
        running.put(p, r);
        trace("starts p%d term %s from %d; replicas %s", p, term, r.nextOffset, plan.replicas(p));
        apply(r, leader.members(plan.replicas(p), List.of(), plan.votingSlots(), m -> plan.isReady(m, p)));
    }

    private void trace(String format, Object... args) {
        if (TRACE) System.out.println(nowMs + " " + id + "#" + incarnation + " " + String.format(format, args));
    }

    private static String brief(ReplicaMessage m) {
        return switch (m) {
            case ReplicaMessage.Commit c when c.body() instanceof ProcessingMachine.Writes w -> "Commit p" + c.partition() + " " + c.term()
                    + " seq " + c.seq() + " cp " + c.checkpoint() + " changes " + w.changes().stream().map(x -> x.key() + "@" + x.version()).toList();
            default -> m.toString();
        };
    }

    private void beginStop(Running r, long nowMs) {
        trace("stops p%d", r.leader.partition());
        r.stopping = true;
        r.stopDeadlineMs = nowMs + config.stopWaitMs();
    }

    /** Reads, applies per key in log order and commits up to one batch of {@code p}'s records. */
    private void process(int p, Running r) {
        if (r.leader.pendingCount() >= config.maxPendingCommits()) return; // in flight is bounded
        List<Record> records = log.read(p, r.nextOffset, config.commitBatchMax());
        if (records.isEmpty()) return;
        Map<String, VersionedState> touched = new LinkedHashMap<>();
        List<Change> changes = new ArrayList<>();
        // Every change goes to the replicas (each feeds what is new to it); only this node's feed skips
        // what it fed before without the state (relayed). Filtering the commit too left a replica with
        // states whose changes no feed of its had (seed 161).
        List<Change> replicated = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        for (Record record : records) {
            VersionedState current = touched.containsKey(record.key()) ? touched.get(record.key()) : load(p, record.key());
            ApplyOutcome outcome = applier.apply(current, record);
            switch (outcome.kind()) {
                case APPLIED -> {
                    // As the runtime engine: versions this node fed without the state (relayed) are not fed again.
                    replicated.add(outcome.change());
                    if (outcome.change().version() > store.fedVersion(p, outcome.change().key())) changes.add(outcome.change());
                }
                case REJECTED -> deadLetters.add(outcome.deadLetter());
                case SKIPPED -> { }
            }
            if (outcome.kind() != ApplyOutcome.Kind.SKIPPED) touched.put(record.key(), outcome.state());
        }
        long checkpoint = records.get(records.size() - 1).offset();
        WriteSet set = new WriteSet();
        List<StateWrite> states = new ArrayList<>();
        touched.forEach((key, state) -> {
            StoredState stored = SimLog.toStored(state);
            set.putState(p, key, stored);
            states.add(new StateWrite(p, key, stored));
        });
        // As the runtime's engine: a commit durable the moment it is made (this node alone is a quorum)
        // feeds its changes at once; any other stages them until its owner says a quorum holds it.
        if (r.leader.durableAtOnce() || config.sabotage() == ClusterConfig.Sabotage.FEED_AT_APPLY) {
            long position = store.feedEnd();
            for (Change change : changes) set.addChange(new FeedEntry(position++, change));
        } else {
            Term leading = r.leader.term();
            set.stage(p, new io.ringwork.core.store.Stage(new io.ringwork.core.store.StoredTerm(leading.epoch(), leading.node()),
                    r.leader.nextSeq()));
            changes.forEach(set::addStagedChange);
        }
        deadLetters.forEach(set::addDeadLetter);
        set.putCheckpoint(p, checkpoint);
        store.write(set);
        if (TRACE) trace("commits p%d to %d changes %s", p, checkpoint, changes.stream().map(x -> x.key() + "@" + x.version()).toList());
        r.nextOffset = checkpoint + 1;
        Term term = r.leader.term();
        apply(r, r.leader.committed(checkpoint, new ProcessingMachine.Writes(states, replicated, deadLetters),
                () -> hooks.durable(id, p, checkpoint, term)));
    }

    private VersionedState load(int p, String key) {
        StoredState stored = store.get(p, key);
        return stored == null ? VersionedState.ABSENT
                : applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value());
    }

    private void apply(PartitionLeader.Effects effects) {
        for (PartitionLeader.Outbound out : effects.messages()) network.send(id, out.to(), out.message());
        effects.durable().forEach(Runnable::run);
    }

    /** As {@link #apply(PartitionLeader.Effects)}, and reports when {@code r}'s starting state became quorum-held. */
    private void apply(Running r, PartitionLeader.Effects effects) {
        apply(effects);
        if (!r.startHeld && r.leader.durableSeq() >= -1) {
            r.startHeld = true;
            hooks.startHeld(id, r.leader.partition(), r.leader.startCheckpoint());
        }
    }

    private PartitionFollower follower(int p) {
        return followers.computeIfAbsent(p, x -> {
            StateStore followerStore = config.followerStore().apply(store);
            if (config.sabotage() == ClusterConfig.Sabotage.PROMISES_IN_MEMORY) {
                // Deliberately broken (checker self-test): terms are promised and led, never written down.
                followerStore = TermForgettingStore.onWrite(followerStore);
            }
            return new PartitionFollower(new ProcessingMachine(x, followerStore, applier), catchUpLimit());
        });
    }

    /**
     * How far behind this node still catches up from the log rather than by snapshot. Half the
     * nodes take long catch-ups from the log, the other half only short ones, so both paths run.
     */
    private long catchUpLimit() {
        return (id.hashCode() & 1) == 0 ? 10_000 : 8;
    }

    private LogCatchUp.Source logSource() {
        return new LogCatchUp.Source() {
            @Override
            public List<io.ringwork.core.record.Record> read(int partition, long fromOffset, int max) {
                return log.read(partition, fromOffset, max);
            }

            @Override
            public long startOffset(int partition) {
                return 0;
            }
        };
    }

    // ---- metadata ---------------------------------------------------------------------------

    /** What this node gossips: ready = runs or holds an in-sync replica; owned = runs. */
    public MemberView describe() {
        BitSet owned = new BitSet();
        running.keySet().forEach(owned::set);
        BitSet ready = (BitSet) owned.clone();
        if (status != Status.LEAVING) { // about to go: no one should count on what it holds
            followers.forEach((p, f) -> {
                if (f.inSync()) ready.set(p);
            });
        }
        return new MemberView(id, 1, ready, owned, status == Status.LEAVING);
    }

    private void publishIfChanged() {
        MemberView now = describe();
        if (!now.ready().equals(publishedReady) || !now.owned().equals(publishedOwned) || now.leaving() != publishedLeaving) {
            publishedReady = now.ready();
            publishedOwned = now.owned();
            publishedLeaving = now.leaving();
            hooks.metadataChanged(id);
        }
    }

    /** True when this node runs {@code partition}, handing it off or not. */
    public boolean runs(int partition) {
        return running.containsKey(partition);
    }

    /** True when this node runs {@code partition} and is not handing it off. */
    public boolean runsActively(int partition) {
        Running r = running.get(partition);
        return r != null && !r.stopping;
    }

    long nextOffset(int partition) {
        Running r = running.get(partition);
        return r == null ? -1 : r.nextOffset;
    }
}
