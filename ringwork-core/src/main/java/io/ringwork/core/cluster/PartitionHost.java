package io.ringwork.core.cluster;

import io.ringwork.core.cluster.PartitionLeader.Effects;
import io.ringwork.core.cluster.PartitionLeader.Outbound;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredTerm;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A node's cluster wiring as one state machine, the same class in the node and in the simulator:
 * the ownership plan and its reconciling, starting and stopping partitions, the owner
 * ({@link PartitionLeader}) and replica ({@link PartitionFollower}) of each partition, the handoff
 * gate, release notices and sightings, readiness, the gossiped metadata, graceful leave, the feed
 * relay of the partitions this node does not replicate and the drop of their state.
 *
 * <p>Inputs: the membership view ({@link Ports#view}, read when it reconciles; {@link #viewChanged}
 * says when to), peer messages ({@link #receive}, {@link #onAck}, {@link #onFeedPage},
 * {@link #linkFailed}), time ({@link #tick}, {@link #relayTick}), and the engine's progress
 * ({@link #stage}, {@link #committed}, {@link #stopped}). Outputs go through {@link Ports}: start or
 * stop a partition on the engine, send a message, publish this node's metadata, depart. No thread,
 * clock or socket of its own: the node drives it from its threads, the simulator from its
 * single-threaded loop.
 *
 * <p>Threading: {@link #tick}, {@link #relayTick} and {@link #leave} come from one thread at a time
 * (the node's cluster timer; the simulator's loop); the others from any thread. Each partition
 * has a monitor guarding its owner and replica; the store's monitor is taken inside it, never the
 * other way round; nothing blocks while holding it. The small shared structures (sightings,
 * release notices, readiness) are guarded by themselves.
 */
public final class PartitionHost {
    /** What the node around the host provides and does. */
    public interface Ports {
        /** The active members this node believes in now, itself excluded, and the cluster's size. */
        View view();

        /** Queues {@code message} to {@code to}'s replication lane; false when it cannot (the message is lost). */
        boolean send(String to, ReplicaMessage message);

        /** Room on {@code to}'s lane for bulk traffic (snapshot pages) without crowding out commits. */
        boolean hasRoom(String to);

        /** The engine starts processing {@code partition} from the store's checkpoint. */
        void startPartition(int partition);

        /**
         * The engine stops {@code partition} (draining its commits to a quorum when
         * {@code awaitDurable}, bounded) and then calls {@link #stopped}, from any thread.
         */
        void stopPartition(int partition, boolean awaitDurable);

        /** Everything in the log of a partition the engine runs is applied and durable. */
        boolean idle(int partition);

        /**
         * Reads the records a replica's catch-up asks for ({@link LogCatchUp#read}); called without
         * any of the host's monitors held. Empty when the log cannot give them (the replica then
         * falls back to a snapshot).
         */
        List<Record> readLog(PartitionFollower.LogRead read);

        /** This node's metadata changed: gossip it. */
        void publish(MemberView self);

        /** A graceful leave is complete: every partition is stopped and handed off. */
        void departed();
    }

    /**
     * The membership as this node sees it: the active members (itself excluded) with their
     * gossiped metadata, and how many members count toward the cluster's size (crashed ones
     * included until they are reaped; departed and leaving ones not, this node when it leaves not).
     */
    public record View(List<MemberView> others, int clusterSize) {
        public View {
            others = List.copyOf(others);
        }

        /** The partitions {@code member} runs as its gossip says; empty if it is not in the view. */
        public BitSet ownedBy(String member) {
            for (MemberView view : others) if (view.id().equals(member)) return view.owned();
            return new BitSet();
        }
    }

    /** What the host did, for the node's log and the simulator's trace; every method is optional. */
    public interface Events {
        default void started(int partition, Term term, long checkpoint) {}

        default void firstCommit(int partition, long afterMs) {}

        /** An owner's starting state is held by a write quorum: every record at or below {@code checkpoint} is. */
        default void startHeld(int partition, long checkpoint) {}

        default void stopping(int partition, boolean deposed) {}

        default void released(int partition, long checkpoint, boolean deposed) {}

        default void startHeldBySighting(int partition, String heard) {}

        default void handoffGated(int partition, String newOwner, long lagMs) {}

        /** A message was answered {@code ack}; {@code fed} changes entered the feed; {@code staged} wait for durability. */
        default void received(String from, ReplicaMessage message, ReplicaAck ack, int fed, boolean wasInSync, int staged) {}

        default void dropped(int partition, long checkpoint, List<String> replicas, String owner, long ownerHolds) {}

        default void leftEarly(String behind) {}

        default void epochsExhausted(int partition, String reason) {}
    }

    /** Makes the replica of a partition; called once per partition, and again by {@link #reloadFollower}. */
    public interface FollowerFactory {
        PartitionFollower follower(int partition);
    }

    /** Makes the state machine an owner of a partition replicates (it reads it for snapshots and digests). */
    public interface OwnerFactory {
        PartitionMachine machine(int partition);
    }

    private final String self;
    private final int weight;
    private final int partitions;
    private final int replicationFactor;
    private final StateStore store;
    private final HostConfig config;
    private final Ports ports;
    private final Events events;
    private final FollowerFactory followerFactory;
    private final OwnerFactory ownerFactory;
    private final boolean expectPeers;

    /** Per partition: its monitor and what it guards, plus what is read without it (volatile). */
    private static final class Slot {
        final Object lock = new Object();
        volatile PartitionFollower follower;
        PartitionLeader leader;
        boolean stopping;
        boolean startHeld;
        long startedAtMs = Long.MIN_VALUE;
        /** Readable without the monitor: the term led, in sync, when a replication message last arrived. */
        volatile Term leadTerm;
        volatile boolean inSync;
        volatile long lastHeardMs = Long.MIN_VALUE / 2;
        // Counts, written under the monitor (one writer at a time), read without it.
        volatile long starts;
        volatile long releases;
        volatile long handoffs;
        volatile long drops;
        volatile long lingeringVotes;
        volatile long replicated;
    }

    private final Slot[] slots;
    /** Partitions this node ever took a snapshot page of (its feed jumped there). */
    private final BitSet snapshotted = new BitSet();

    private final OwnershipReconciler reconciler;
    private final ReleaseNotices releaseNotices;
    private final LeaderSightings sightings;
    private final ReadinessHold readinessHold;
    private final FeedRelay relay;

    /** Catch-ups running now; guarded by {@link #readinessHold}. */
    private int catchUpsRunning;
    /** When the last catch-up ended; guarded by {@link #readinessHold}. */
    private long lastCatchUpEndMs = Long.MIN_VALUE / 2;
    private volatile boolean viewDirty = true;
    private volatile boolean leaving;
    private volatile boolean departed;
    private volatile OwnershipPlan plan;
    private long firstTickMs = Long.MIN_VALUE;
    private long nextReconcileMs;
    private long leaveDeadlineMs = Long.MAX_VALUE;
    private Set<String> lastInView = Set.of();
    private final BitSet gatedLogged = new BitSet();
    private final BitSet sightedLogged = new BitSet();
    private final BitSet epochsExhaustedLogged = new BitSet();
    private MemberView published;
    /**
     * Per partition: when this node's plan last named a new owner for it, and when this node last
     * published itself ready for it (both this host's clock, {@code Long.MIN_VALUE} before the
     * first). Read by the health checker, whose scheduler notices a plan only once per round: a
     * new owner works out from these when the old one may have stopped (its takeover window).
     * Replaced whole when they change (rarely), so another thread reads a consistent array.
     */
    private volatile long[] ownerNamedMs, readyPublishedMs;

    /**
     * @param expectPeers the node was given members to join: it runs nothing alone for
     *                    {@link HostConfig#joinWaitMs} after its first tick (it joins before it claims partitions)
     */
    public PartitionHost(String self, int weight, int partitions, int replicationFactor, StateStore store, HostConfig config,
                         boolean expectPeers, FollowerFactory followerFactory, OwnerFactory ownerFactory, Ports ports,
                         Events events) {
        this.self = self;
        this.weight = weight;
        this.partitions = partitions;
        this.replicationFactor = replicationFactor;
        this.store = store;
        this.config = config;
        this.expectPeers = expectPeers;
        this.followerFactory = followerFactory;
        this.ownerFactory = ownerFactory;
        this.ports = ports;
        this.events = events;
        this.slots = new Slot[partitions];
        this.ownerNamedMs = new long[partitions];
        this.readyPublishedMs = new long[partitions];
        java.util.Arrays.fill(ownerNamedMs, Long.MIN_VALUE);
        java.util.Arrays.fill(readyPublishedMs, Long.MIN_VALUE);
        for (int p = 0; p < partitions; p++) {
            slots[p] = new Slot();
            // Each starts from the store's highest term seen: after a restart this node refuses
            // lower terms and leads above it.
            slots[p].follower = followerFactory.follower(p);
        }
        this.reconciler = new OwnershipReconciler(self, config.handoffWaitMs(), config.restartBackoffMs(), config.handoffLagMs(),
                config.handoffGateMs());
        this.releaseNotices = new ReleaseNotices(config.handoffWaitMs());
        this.sightings = new LeaderSightings(config.handoffWaitMs() / 2);
        this.readinessHold = new ReadinessHold(config.readyHoldMaxMs());
        this.relay = new FeedRelay(store, config.relay());
    }

    // ---------------------------------------------------------------- the engine's side (owner)

    /**
     * Runs {@code write} holding the monitors of {@code partitions} (ascending; the only place that
     * takes more than one): the engine's store write and its {@link #committed} calls are one step
     * for whatever reads those partitions for replication (a snapshot page, a digest, a Hello).
     */
    public void writing(int[] partitions, Runnable write) {
        holding(partitions, 0, write);
    }

    private void holding(int[] partitions, int from, Runnable write) {
        if (from == partitions.length) {
            write.run();
            return;
        }
        synchronized (slots[partitions[from]].lock) {
            holding(partitions, from + 1, write);
        }
    }

    /**
     * Inside {@link #writing}: null to feed the next commit's changes at once (this owner alone is
     * a quorum with nothing pending), else where to stage them until a quorum holds it. Not led
     * (a stop that timed out): staged until a durable checkpoint covers the records.
     */
    public Stage stage(int partition) {
        synchronized (slots[partition].lock) {
            PartitionLeader leader = slots[partition].leader;
            if (leader != null && leader.durableAtOnce()) return null;
            Term term = leader != null ? leader.term() : slots[partition].follower.term();
            return new Stage(new StoredTerm(term.epoch(), term.node()), leader != null ? leader.nextSeq() : Stage.BY_CHECKPOINT);
        }
    }

    /**
     * Inside {@link #writing}: one partition's part of a local commit, as its state machine's body
     * ({@link ProcessingMachine.Writes} for the engine); {@code onDurable} runs once a quorum holds it.
     */
    public void committed(int partition, long checkpoint, CommitBody body, Runnable onDurable, long nowMs) {
        Effects effects;
        synchronized (slots[partition].lock) {
            PartitionLeader leader = slots[partition].leader;
            if (leader == null) return; // not led (a stop timed out): the next owner redoes it
            effects = leader.committed(checkpoint, body, onDurable);
            send(leader, effects, nowMs);
            if (slots[partition].startedAtMs != Long.MIN_VALUE) {
                events.firstCommit(partition, nowMs - slots[partition].startedAtMs);
                slots[partition].startedAtMs = Long.MIN_VALUE;
            }
        }
        effects.durable().forEach(Runnable::run);
    }

    /** The engine stopped {@code partition} after {@link Ports#stopPartition}; {@code checkpoint} is its last. */
    public void stopped(int partition, long checkpoint, long nowMs) {
        synchronized (slots[partition].lock) {
            PartitionLeader leader = slots[partition].leader;
            if (leader == null) return;
            boolean deposed = leader.deposed();
            // Tell the members directly, after the last commit: the next owner need not wait for gossip.
            if (!deposed) send(leader, leader.released(checkpoint), nowMs);
            Term newer = leader.newerTerm();
            slots[partition].lingeringVotes += leader.durableByLingeringVotes();
            slots[partition].leader = null;
            slots[partition].stopping = false;
            slots[partition].leadTerm = null;
            slots[partition].inSync = false;
            slots[partition].follower.reset();
            slots[partition].follower.observe(newer);
            slots[partition].releases++;
            events.released(partition, checkpoint, deposed);
        }
        viewDirty = true;
    }

    // ---------------------------------------------------------------- peer messages

    /** Applies a batch of replication messages from {@code from}, in order; returns one answer per message. */
    public List<ReplicaAck> receive(String from, List<ReplicaMessage> messages, long nowMs) {
        List<ReplicaAck> acks = new ArrayList<>(messages.size());
        for (ReplicaMessage message : messages) acks.add(receive(from, message, nowMs));
        return acks;
    }

    /**
     * Applies one replication message from {@code from}; returns its answer. A catch-up from the
     * log that the message starts reads its records through {@link Ports#readLog} without the
     * partition's monitor, a chunk at a time, and applies each chunk holding it
     * ({@link PartitionFollower#continueCatchUp}): no log read ever happens under a monitor.
     */
    public ReplicaAck receive(String from, ReplicaMessage message, long nowMs) {
        int p = message.partition();
        if (p < 0 || p >= partitions) throw new IllegalArgumentException("no partition " + p);
        Slot slot = slots[p];
        boolean wasInSync;
        boolean mayCatchUp;
        PartitionFollower.Outcome outcome;
        int fed;
        synchronized (slot.lock) {
            wasInSync = slot.follower.inSync();
            // A Hello or a snapshot's start to a member not in sync may catch up from the log: while
            // any does, newly in-sync partitions are not announced (ReadinessHold).
            mayCatchUp = !wasInSync && (message instanceof ReplicaMessage.Hello || message instanceof ReplicaMessage.SnapshotBegin);
            if (mayCatchUp) {
                synchronized (readinessHold) {
                    catchUpsRunning++;
                }
            }
            // Heard now, not when a catch-up it starts ends: the drop waits for a quiet partition.
            slot.lastHeardMs = nowMs;
            outcome = slot.follower.receive(message);
            fed = outcome.fed().size();
        }
        try {
            while (outcome.needsRecords()) {
                List<Record> records = ports.readLog(outcome.read());
                synchronized (slot.lock) {
                    // Refused (the answer a failed catch-up gets) if anything changed the follower meanwhile.
                    outcome = slot.follower.continueCatchUp(outcome.read(), records);
                    fed += outcome.fed().size();
                }
            }
        } finally {
            if (mayCatchUp) {
                synchronized (readinessHold) {
                    lastCatchUpEndMs = nowMs;
                    catchUpsRunning--;
                }
            }
        }
        boolean released;
        synchronized (slot.lock) {
            PartitionFollower follower = slot.follower;
            if (follower.superseded() && slot.leader != null) slot.leader.depose();
            synchronized (sightings) {
                sightings.heard(from, message, nowMs);
            }
            if (message instanceof ReplicaMessage.SnapshotPage) {
                synchronized (snapshotted) {
                    snapshotted.set(p);
                }
            }
            events.received(from, message, outcome.ack(), fed, wasInSync, store.stagedCount(p));
            slot.inSync = follower.inSync();
            slot.replicated += fed;
            released = follower.releasedByOwner(from, message);
        }
        if (released) {
            // The old owner's word, ahead of its gossip: replan now (this node may take over).
            BitSet gossiped = ports.view().ownedBy(from);
            synchronized (releaseNotices) {
                releaseNotices.released(from, p, gossiped, nowMs);
            }
            viewDirty = true;
        }
        return outcome.ack();
    }

    /** An answer from {@code from} to this node's owner of the ack's partition. */
    public void onAck(String from, ReplicaAck ack, long nowMs) {
        int p = ack.partition();
        if (p < 0 || p >= partitions) return;
        Effects effects;
        synchronized (slots[p].lock) {
            PartitionLeader leader = slots[p].leader;
            if (leader == null) return;
            effects = leader.onAck(from, ack);
            send(leader, effects, nowMs);
            noteStartHeld(p, leader);
        }
        effects.durable().forEach(Runnable::run);
    }

    /** The lane to {@code to} lost what it had: every owner here stops sending there until its next Hello. */
    public void linkFailed(String to, long nowMs) {
        for (int p = 0; p < partitions; p++) {
            if (slots[p].leadTerm == null) continue;
            synchronized (slots[p].lock) {
                PartitionLeader leader = slots[p].leader;
                if (leader != null) leader.linkFailed(to, nowMs);
            }
        }
        synchronized (relay) {
            relay.linkFailed(to, nowMs);
        }
    }

    /** Queues the effects' messages; the caller holds the partition's monitor. */
    private void send(PartitionLeader leader, Effects effects, long nowMs) {
        for (Outbound out : effects.messages()) {
            if (!ports.send(out.to(), out.message())) leader.linkFailed(out.to(), nowMs);
        }
    }

    private void noteStartHeld(int p, PartitionLeader leader) {
        if (!slots[p].startHeld && leader.durableSeq() >= -1) {
            slots[p].startHeld = true;
            events.startHeld(p, leader.startCheckpoint());
        }
    }

    // ---------------------------------------------------------------- time

    /** The membership changed as this node sees it: reconcile at the next {@link #tick}. */
    public void viewChanged() {
        viewDirty = true;
    }

    /**
     * One step: stop deposed owners, tick every owner (resends, snapshot pages, anti-entropy when
     * idle), reconcile when the view changed or {@link HostConfig#reconcileMs} passed, and finish a
     * graceful leave when it can.
     */
    public void tick(long nowMs) {
        if (firstTickMs == Long.MIN_VALUE) firstTickMs = nowMs;
        for (int p = 0; p < partitions; p++) {
            if (slots[p].leadTerm == null) continue;
            Effects effects;
            boolean depose = false;
            synchronized (slots[p].lock) {
                PartitionLeader leader = slots[p].leader;
                if (leader == null) continue;
                if (leader.deposed() && !slots[p].stopping) {
                    // A replica refused our term: someone else runs p. Stop at once and back off.
                    reconciler.deposed(p, nowMs);
                    depose = true;
                    effects = null;
                } else {
                    effects = leader.tick(nowMs, ports::hasRoom, config.pagesPerTick());
                    send(leader, effects, nowMs);
                    // idle() only when a digest is due: on Kafka it asks the broker for the end, and
                    // this runs every tick for every partition led, under the partition's monitor.
                    if (!slots[p].stopping && leader.digestDue(nowMs) && ports.idle(p)) {
                        Effects digest = leader.digest(nowMs, config.digestIntervalMs());
                        send(leader, digest, nowMs);
                    }
                    noteStartHeld(p, leader);
                }
            }
            if (depose) stop(p, true);
            else effects.durable().forEach(Runnable::run);
        }
        if (viewDirty || nowMs >= nextReconcileMs) reconcile(nowMs);
        if (leaving && !departed) finishLeave(nowMs);
    }

    private void reconcile(long nowMs) {
        viewDirty = false;
        nextReconcileMs = nowMs + config.reconcileMs();
        View view = ports.view();
        Map<String, BitSet> released = new HashMap<>();
        Set<String> inView = new HashSet<>();
        for (MemberView member : view.others()) {
            inView.add(member.id());
            synchronized (releaseNotices) {
                BitSet said = releaseNotices.releasedSince(member.id(), member.owned(), nowMs);
                if (!said.isEmpty()) released.put(member.id(), said);
            }
        }
        // A member that left the view (it died or left) runs nothing any more: its partitions fail
        // over without waiting for its sightings or notices to lapse. One not yet in it may (a joiner).
        for (String gone : lastInView) {
            if (inView.contains(gone)) continue;
            synchronized (releaseNotices) {
                releaseNotices.forget(gone);
            }
            synchronized (sightings) {
                sightings.forget(gone);
            }
        }
        lastInView = inView;
        if (expectPeers && view.others().isEmpty() && nowMs - firstTickMs < config.joinWaitMs()) return;
        List<MemberView> members = new ArrayList<>(view.others());
        members.add(describe(nowMs));
        int live = (int) members.stream().filter(m -> !m.leaving()).count();
        OwnershipPlan current = OwnershipPlan.compute(members, partitions, replicationFactor, Math.max(live, view.clusterSize()));
        OwnershipPlan previous = plan;
        long[] named = null;
        for (int p = 0; p < partitions; p++) {
            if (previous != null && java.util.Objects.equals(previous.owner(p), current.owner(p))) continue;
            if (named == null) named = ownerNamedMs.clone();
            named[p] = nowMs;
        }
        if (named != null) ownerNamedMs = named;
        plan = current;
        synchronized (sightings) {
            sightings.compare(current);
        }
        BitSet running = new BitSet();
        for (int p = 0; p < partitions; p++) if (slots[p].leadTerm != null) running.set(p);
        OwnershipReconciler.Decision decision = reconciler.decide(current, running, nowMs, released,
                p -> newOwnerLagMs(p, current.owner(p), nowMs), p -> heardLeading(p, nowMs));
        noteGated(current, running, nowMs);
        noteSighted();
        for (int p = decision.stop().nextSetBit(0); p >= 0; p = decision.stop().nextSetBit(p + 1)) stop(p, false);
        if (!leaving) {
            for (int p = decision.start().nextSetBit(0); p >= 0; p = decision.start().nextSetBit(p + 1)) start(p, current, nowMs);
        }
        for (int p = 0; p < partitions; p++) {
            if (slots[p].leadTerm == null) continue;
            Effects effects;
            synchronized (slots[p].lock) {
                PartitionLeader leader = slots[p].leader;
                if (leader == null || slots[p].stopping || leader.deposed()) continue;
                int partition = p;
                // Scale-out: the replica set only (displaced replicas keep their votes while the new
                // list catches up); the other members relay the feed.
                effects = leader.members(current.replicas(p), List.of(), current.votingSlots(), m -> current.isReady(m, partition));
                send(leader, effects, nowMs);
                noteStartHeld(p, leader);
            }
            effects.durable().forEach(Runnable::run);
        }
        publishIfChanged(nowMs);
    }

    /**
     * How long {@code owner}, the plan's new owner of {@code p}, has owed this node an answer on p;
     * 0 where holding the partition would not help: it is already handing off, or this owner has
     * no write quorum (nothing it does becomes durable; the new owner should take over).
     */
    private long newOwnerLagMs(int p, String owner, long nowMs) {
        synchronized (slots[p].lock) {
            PartitionLeader leader = slots[p].leader;
            return leader == null || slots[p].stopping || owner == null || !leader.hasQuorum() ? 0 : leader.answerLagMs(owner, nowMs);
        }
    }

    private String heardLeading(int p, long nowMs) {
        synchronized (sightings) {
            return sightings.leader(p, nowMs);
        }
    }

    private void noteSighted() {
        for (int p = 0; p < partitions; p++) {
            String heard = reconciler.heldBySighting(p);
            if ((heard != null) == sightedLogged.get(p)) continue;
            sightedLogged.set(p, heard != null);
            if (heard != null) events.startHeldBySighting(p, heard);
        }
    }

    private void noteGated(OwnershipPlan current, BitSet running, long nowMs) {
        for (int p = running.nextSetBit(0); p >= 0; p = running.nextSetBit(p + 1)) {
            boolean held = reconciler.gated(p);
            if (held == gatedLogged.get(p)) continue;
            gatedLogged.set(p, held);
            if (held) events.handoffGated(p, current.owner(p), newOwnerLagMs(p, current.owner(p), nowMs));
        }
        for (int p = gatedLogged.nextSetBit(0); p >= 0; p = gatedLogged.nextSetBit(p + 1)) {
            if (!running.get(p)) gatedLogged.clear(p);
        }
    }

    private void start(int p, OwnershipPlan current, long nowMs) {
        Effects effects;
        Term term;
        synchronized (slots[p].lock) {
            if (slots[p].leader != null) return;
            try {
                term = Term.after(slots[p].follower.term(), self);
            } catch (Term.EpochsExhausted e) {
                // Unreachable by counting owners (2^53 of them); the edges refuse terms above the bound.
                if (!epochsExhaustedLogged.get(p)) events.epochsExhausted(p, e.getMessage());
                epochsExhaustedLogged.set(p);
                return;
            }
            slots[p].follower.lead(term);
            PartitionLeader leader = new PartitionLeader(term, self, ownerFactory.machine(p), config.snapshotPageSize(), config.linkRetryMs());
            slots[p].leader = leader;
            slots[p].stopping = false;
            slots[p].startHeld = false;
            slots[p].startedAtMs = nowMs;
            slots[p].leadTerm = term;
            slots[p].inSync = false;
            effects = leader.members(current.replicas(p), List.of(), current.votingSlots(), m -> current.isReady(m, p));
            send(leader, effects, nowMs);
            noteStartHeld(p, leader);
            slots[p].starts++;
        }
        effects.durable().forEach(Runnable::run);
        events.started(p, term, store.checkpoint(p));
        ports.startPartition(p);
    }

    /** Asks the engine to stop {@code p}; {@link #stopped} finishes it. Deposed: its pending commits never count, no drain. */
    private void stop(int p, boolean deposed) {
        synchronized (slots[p].lock) {
            if (slots[p].leader == null || slots[p].stopping) return;
            slots[p].stopping = true;
            slots[p].handoffs++;
        }
        events.stopping(p, deposed);
        ports.stopPartition(p, !deposed);
    }

    // ---------------------------------------------------------------- leave

    /**
     * Starts a graceful leave: the node says it is leaving (it goes off the ring and is never
     * chosen to run a partition), stops every partition it runs (each drains to a quorum,
     * bounded), and departs ({@link Ports#departed}) once each partition's owner has told it a
     * checkpoint at least its own, so its leaving loses no copy; or once nobody else stays; or
     * after {@link HostConfig#leaveWaitMs}.
     */
    public void leave(long nowMs) {
        if (leaving) return;
        leaving = true;
        leaveDeadlineMs = nowMs + config.leaveWaitMs();
        for (int p = 0; p < partitions; p++) if (slots[p].leadTerm != null) stop(p, false);
        publishIfChanged(nowMs);
    }

    private void finishLeave(long nowMs) {
        publishIfChanged(nowMs);
        for (int p = 0; p < partitions; p++) if (slots[p].leadTerm != null) return; // still stopping
        // Nobody else counts toward the cluster (they left): the log and this store are all there is.
        // Members this node cannot reach (suspected, dead, cut off) still count: their copies may be
        // the only others, so the leave waits for them until its deadline.
        boolean othersStay = ports.view().clusterSize() > 0;
        boolean past = ownersPast();
        if (othersStay && !past && nowMs < leaveDeadlineMs) return;
        if (othersStay && !past) events.leftEarly(behind());
        departed = true;
        ports.departed();
    }

    /** Every partition this node holds is held, at least as far, by its current owner, or handed off. */
    private boolean ownersPast() {
        OwnershipPlan current = plan;
        for (int p = 0; p < partitions; p++) {
            synchronized (slots[p].lock) {
                long held = store.checkpoint(p);
                if (held < 0 || handedOff(current, p, held)) continue;
                if (slots[p].follower.ownerCheckpoint() < held) return false;
            }
        }
        return true;
    }

    private String behind() {
        StringBuilder behind = new StringBuilder();
        for (int p = 0; p < partitions; p++) {
            synchronized (slots[p].lock) {
                long held = store.checkpoint(p);
                if (held >= 0 && slots[p].follower.ownerCheckpoint() < held) {
                    behind.append(String.format(" p%d(held %d, owner at %d, term %s, %s)", p, held, slots[p].follower.ownerCheckpoint(),
                            slots[p].follower.term(), slots[p].follower.mode()));
                }
            }
        }
        return behind.toString();
    }

    /**
     * Scale-out: once the plan lists this node nowhere for {@code p}, no owner sends it anything
     * more of {@code p}, so it would wait for a checkpoint it never hears. It need not once a member
     * that runs {@code p} said, in a relay page, that it holds at least {@code held}
     * ({@link FeedRelay#claimedByRunner}): its own word, not its gossip, which may be stale
     * (simulator seed 7); and not the word of a member that merely holds the partition, which may
     * drop it on this very node's word (seed 394: two nodes each counted on the other's copy).
     */
    private boolean handedOff(OwnershipPlan current, int p, long held) {
        if (current == null || current.replicas(p).contains(self) || self.equals(current.owner(p))) return false;
        synchronized (relay) {
            return relay.claimedByRunner(p) >= held;
        }
    }

    // ---------------------------------------------------------------- scale-out: feed relay and drop

    /**
     * The relay's step (from one thread, {@link #tick}'s or its own): the fetches to send for the
     * feeds of the partitions this node neither runs nor replicates, from the member running each,
     * else a ready replica; then drops what this node still holds of such partitions once that is
     * safe ({@link #dropUnreplicated}).
     */
    public List<FeedRelay.Request> relayTick(long nowMs) {
        OwnershipPlan current = plan;
        if (current == null || departed) return List.of();
        View view = ports.view();
        BitSet relayed = new BitSet();
        for (int p = 0; p < partitions; p++) {
            if (slots[p].leadTerm != null || current.replicas(p).contains(self)) continue;
            // A leaving node relays only what it still holds: it needs a runner's claim on those to
            // go, and a new source's first fetches scan its retained feed, a cost on the members
            // that take its partitions over just then.
            if (leaving && !store.holds(p)) continue;
            relayed.set(p);
        }
        List<FeedRelay.Request> requests;
        synchronized (relay) {
            requests = relay.tick(nowMs, relayed, p -> sources(current, view, p));
        }
        // A leaving node keeps relaying (the owners' claims tell it when it may go) but drops nothing.
        if (!leaving) {
            for (int p = relayed.nextSetBit(0); p >= 0; p = relayed.nextSetBit(p + 1)) dropUnreplicated(p, current, view, nowMs);
        }
        return requests;
    }

    /** Members to relay {@code p}'s feed from, best first: those running it, then its ready replicas. */
    private List<String> sources(OwnershipPlan current, View view, int p) {
        List<String> sources = new ArrayList<>();
        for (MemberView member : view.others()) if (member.owned().get(p)) sources.add(member.id());
        for (String replica : current.replicas(p)) {
            if (!replica.equals(self) && !sources.contains(replica) && current.isReady(replica, p)) sources.add(replica);
        }
        return sources;
    }

    /** A relay fetch to {@code to} failed: its partitions go to another source. */
    public void relayFailed(String to, long nowMs) {
        synchronized (relay) {
            relay.linkFailed(to, nowMs);
        }
    }

    /** A page answering this node's relay fetch; returns what it added to this node's feed. */
    public List<FeedEntry> onFeedPage(String from, FeedRelay.Page page, long nowMs) {
        synchronized (relay) {
            return relay.onPage(from, page, nowMs);
        }
    }

    /** Answers another member's relay fetch: a partition is served only where it is run or held in sync. */
    public FeedRelay.Page serveFeed(FeedRelay.Fetch fetch) {
        if (fetch.partition() < 0 || fetch.partition() >= partitions) {
            return new FeedRelay.Page(Math.max(0, fetch.partition()), false, List.of(), 0, -1, -1, -1);
        }
        FeedRelay.Fetch bounded = new FeedRelay.Fetch(fetch.partition(), fetch.fromPosition(), fetch.afterVersion(),
                Math.min(fetch.limit(), config.relay().pageLimit()));
        return FeedRelay.serve(store, bounded, holdsInSync(fetch.partition()), runsActively(fetch.partition()), config.relay().scanMax());
    }

    /**
     * Drops this node's state of {@code p} once it cannot be needed: this node neither runs p nor
     * is on its replica set nor is its owner; the owner runs it (its gossip says so); every replica
     * on the list is ready (the displaced members' votes are over or about to be); the owner has
     * claimed, in a relay page, a checkpoint at least this node's (it holds everything this node
     * holds); and no replication message of p arrived for {@link HostConfig#dropQuietMs} (an owner
     * still sending may count this node's vote; it hears of the drop from the next answer).
     */
    private void dropUnreplicated(int p, OwnershipPlan current, View view, long nowMs) {
        String owner = current.owner(p);
        if (owner == null || self.equals(owner) || current.replicas(p).contains(self) || !view.ownedBy(owner).get(p)) return;
        for (String replica : current.replicas(p)) if (!current.isReady(replica, p)) return;
        if (nowMs - slots[p].lastHeardMs < config.dropQuietMs()) return;
        long claimed;
        synchronized (relay) {
            claimed = relay.claimedBy(p, owner);
        }
        long held;
        synchronized (slots[p].lock) {
            if (slots[p].leader != null || !store.holds(p)) return;
            held = store.checkpoint(p);
            if (claimed < held) return;
            store.dropPartition(p);
            slots[p].follower.reset();
            slots[p].inSync = false;
            slots[p].drops++;
        }
        events.dropped(p, held, current.replicas(p), owner, claimed);
        publishIfChanged(nowMs);
    }

    // ---------------------------------------------------------------- metadata

    /** What this node gossips: owned = runs (handing off included); ready = owned or holds an in-sync replica. */
    public MemberView describe(long nowMs) {
        BitSet owned = new BitSet();
        BitSet inSync = new BitSet();
        for (int p = 0; p < partitions; p++) {
            if (slots[p].leadTerm != null) owned.set(p);
            if (slots[p].inSync) inSync.set(p);
        }
        BitSet ready = (BitSet) owned.clone();
        if (!leaving) { // about to go: no one should count on what it holds
            synchronized (readinessHold) {
                boolean catchingUp = catchUpsRunning > 0 || nowMs - lastCatchUpEndMs < config.catchUpQuietMs();
                ready.or(readinessHold.announce(inSync, catchingUp, nowMs));
            }
        }
        return new MemberView(self, weight, ready, owned, leaving);
    }

    /** Publishes this node's metadata when it changed since the last time. */
    public synchronized void publishIfChanged(long nowMs) {
        MemberView now = describe(nowMs);
        if (now.equals(published)) return;
        BitSet newlyReady = now.ready();
        if (published != null) newlyReady.andNot(published.ready());
        if (!newlyReady.isEmpty()) {
            long[] ready = readyPublishedMs.clone();
            for (int p = newlyReady.nextSetBit(0); p >= 0; p = newlyReady.nextSetBit(p + 1)) ready[p] = nowMs;
            readyPublishedMs = ready;
        }
        published = now;
        ports.publish(now);
    }

    // ---------------------------------------------------------------- reading

    public String self() {
        return self;
    }

    public int partitions() {
        return partitions;
    }

    public int replicationFactor() {
        return replicationFactor;
    }

    public HostConfig config() {
        return config;
    }

    /** The plan as last computed, or null before the first. */
    public OwnershipPlan plan() {
        return plan;
    }

    /** When this node's plan last named a new owner for {@code partition} (this host's clock), or {@code Long.MIN_VALUE}. */
    public long ownerNamedMs(int partition) {
        return ownerNamedMs[partition];
    }

    /**
     * When this node last published itself ready for {@code partition} (holding an in-sync replica,
     * or running it), or {@code Long.MIN_VALUE}: no other member's plan can have named this node
     * its owner because of that readiness before then.
     */
    public long readyPublishedMs(int partition) {
        return readyPublishedMs[partition];
    }

    /** The term this node leads {@code partition} under (handing off included), or null. */
    public Term leading(int partition) {
        return slots[partition].leadTerm;
    }

    /** True when this node runs {@code partition}, handing it off or not. */
    public boolean runs(int partition) {
        return slots[partition].leadTerm != null;
    }

    /** True when this node runs {@code partition} and is not handing it off. */
    public boolean runsActively(int partition) {
        synchronized (slots[partition].lock) {
            return slots[partition].leader != null && !slots[partition].stopping;
        }
    }

    public boolean inSync(int partition) {
        return slots[partition].inSync;
    }

    /** True when this node holds {@code partition} in sync: it runs it, or it is an in-sync replica. */
    public boolean holdsInSync(int partition) {
        return slots[partition].leadTerm != null || slots[partition].inSync;
    }

    public boolean leaving() {
        return leaving;
    }

    public boolean departed() {
        return departed;
    }

    /** The owners this node runs now (handing off included), by partition: for checkers, under each partition's monitor. */
    public Map<Integer, PartitionLeader> leaders() {
        Map<Integer, PartitionLeader> result = new java.util.TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            synchronized (slots[p].lock) {
                if (slots[p].leader != null) result.put(p, slots[p].leader);
            }
        }
        return result;
    }

    /** The owner this node runs {@code partition} with (handing off included), or null. */
    public PartitionLeader leader(int partition) {
        synchronized (slots[partition].lock) {
            return slots[partition].leader;
        }
    }

    /** Commits of {@code partition} sent but not yet durable (0 when not led): the engine bounds them. */
    public int pendingCommits(int partition) {
        synchronized (slots[partition].lock) {
            return slots[partition].leader == null ? 0 : slots[partition].leader.pendingCount();
        }
    }

    /** This node's replica of {@code partition} (for checkers and metrics; callers must not change it). */
    public PartitionFollower follower(int partition) {
        return slots[partition].follower;
    }

    /**
     * Forgets this node's memory of {@code partition}'s replica and reads it from the store again,
     * as a restarted process would; only while this node does not run it. Returns false otherwise.
     */
    public boolean reloadFollower(int partition) {
        synchronized (slots[partition].lock) {
            if (slots[partition].leader != null) return false;
            slots[partition].follower = followerFactory.follower(partition);
            slots[partition].inSync = false;
            return true;
        }
    }

    /** Runs {@code action} under {@code partition}'s monitor (for a driver's own bookkeeping of the partition). */
    public void underLock(int partition, Runnable action) {
        synchronized (slots[partition].lock) {
            action.run();
        }
    }

    /** True when this node ever caught up {@code partition} by snapshot: its feed jumped there, by design. */
    public boolean snapshotted(int partition) {
        synchronized (snapshotted) {
            return snapshotted.get(partition);
        }
    }

    /** How often {@code partition} was started here since this host began. */
    public long starts(int partition) {
        return slots[partition].starts;
    }

    /** How often {@code partition} was stopped here after running since this host began. */
    public long releases(int partition) {
        return slots[partition].releases;
    }

    public long handoffs() {
        long sum = 0;
        for (Slot slot : slots) sum += slot.handoffs;
        return sum;
    }

    public long drops() {
        long sum = 0;
        for (Slot slot : slots) sum += slot.drops;
        return sum;
    }

    public long replicatedChanges() {
        long sum = 0;
        for (Slot slot : slots) sum += slot.replicated;
        return sum;
    }

    public long relayedChanges() {
        synchronized (relay) {
            return relay.relayedChanges();
        }
    }

    /** True when this node relays {@code partition} and its fed floor reached {@code checkpoint}. */
    public boolean relayCaughtUp(int partition, long checkpoint) {
        synchronized (relay) {
            return relay.caughtUpTo(partition, checkpoint);
        }
    }

    /** Anti-entropy digests that differed on this node (each followed by a repairing snapshot); read without the monitors. */
    public long repairs() {
        long sum = 0;
        for (Slot slot : slots) sum += slot.follower.repairs();
        return sum;
    }

    /** Messages refused because a term's epoch was out of range; read without the monitors. */
    public long termsRefused() {
        long sum = 0;
        for (Slot slot : slots) sum += slot.follower.termsRefused();
        return sum;
    }

    public long gateHolds() {
        return reconciler.gateHolds();
    }

    public long gateTimeouts() {
        return reconciler.gateTimeouts();
    }

    public long sightingHolds() {
        return reconciler.sightingHolds();
    }

    /** Commits made durable by a displaced member's vote, by every owner this host ran. */
    public long lingeringVotes() {
        long sum = 0;
        for (Slot slot : slots) sum += slot.lingeringVotes;
        for (PartitionLeader leader : leaders().values()) sum += leader.durableByLingeringVotes();
        return sum;
    }
}
