package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.FeedRelay;
import io.ringwork.core.cluster.HostConfig;
import io.ringwork.core.cluster.LogCatchUp;
import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.PartitionHost;
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
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.store.WriteSet;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One processing node of the simulated cluster, single-threaded: the node's own
 * {@link PartitionHost} (the wiring the node runs: reconcile, start and stop, metadata, readiness,
 * leave, relay and drop), driven here as the runtime's {@code ClusterService} drives it, plus a
 * small engine in the place of the runtime's (reads the simulated log, applies through the
 * {@link RecordApplier}, commits locally and hands each commit to the host). The
 * {@link MemoryStateStore} models the durable store and survives {@link #crash}; the host and the
 * engine are memory and are lost. Not thread-safe.
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

    /** One partition the engine runs. */
    private static final class Run {
        long nextOffset;
        boolean stopping;
        boolean awaitDurable;
        long stopDeadlineMs;

        Run(long nextOffset) {
            this.nextOffset = nextOffset;
        }
    }

    /** {@code -Dringwork.sim.trace=true} prints what nodes start, stop and receive, for replaying a seed. */
    private static final boolean TRACE = Boolean.getBoolean("ringwork.sim.trace");

    /**
     * The node's timings ({@link HostConfig#DEFAULTS}) with three scalings for the simulator's small
     * data and short runs: snapshot pages of {@link ClusterConfig#snapshotPageSize} states (node: 256,
     * which would never make a second page of a few hundred keys); anti-entropy every 1 s (node:
     * 10 s, which a 20 s fault phase would hardly reach); relay pages of 64 changes read from at
     * most 256 feed entries (node: 256 and 16,384), so relays take several pages.
     */
    static HostConfig hostConfig(ClusterConfig config) {
        HostConfig node = HostConfig.DEFAULTS;
        return node.withSnapshots(config.snapshotPageSize(), config.snapshotPagesPerTick())
                .withDigestInterval(1_000)
                .withRelay(new FeedRelay.Config(64, 256, node.relay().pollMs(), node.relay().fetchTimeoutMs(), node.relay().refuseMs()));
    }

    private final String id;
    private final MemoryStateStore store;
    private final RecordApplier applier;
    private final SimLog log;
    private final ClusterNetwork network;
    private final Hooks hooks;
    private final ClusterConfig config;
    private final HostConfig hostConfig;
    private Status status = Status.UP;
    private int incarnation;
    // Memory: lost on crash.
    private PartitionHost host;
    private final Map<Integer, Run> runs = new TreeMap<>();
    private final ArrayDeque<Object[]> inbox = new ArrayDeque<>();
    /** Partitions whose next replica is to forget its term (the FOLLOWER_ACCEPTS_LOWER_TERM sabotage). */
    private final BitSet forgetTerm = new BitSet();
    private MemberView published;
    private long nowMs;
    // Counts of hosts this node lost on a crash.
    private long repairsBefore;
    private long gateHoldsBefore;
    private long sightingHoldsBefore;
    private long lingeringVotesBefore;
    private long gateTimeoutsBefore;
    private long relayedBefore;
    private long dropsBefore;
    /**
     * Partitions this node ever took a snapshot page of, or a commit while snapshotting outside a
     * repair, kept across crashes (see {@link #snapshotted}).
     */
    private final BitSet snapshotted = new BitSet();
    /** Partitions this node ever took a snapshot page of (a subset of {@link #snapshotted}). */
    private final BitSet pagesTaken = new BitSet();

    public SimProcessingNode(String id, MemoryStateStore store, RecordApplier applier, SimLog log,
                             ClusterNetwork network, Hooks hooks, ClusterConfig config) {
        this.id = id;
        this.store = store;
        this.applier = applier;
        this.log = log;
        this.network = network;
        this.hooks = hooks;
        this.config = config;
        this.hostConfig = hostConfig(config);
        this.published = new MemberView(id, 1, new BitSet(), new BitSet(), false);
        this.host = newHost();
    }

    private PartitionHost newHost() {
        // As nodes are started: every node but the first is given the others as seeds, and so waits to
        // join before it runs anything alone; a restarted node is given them too.
        boolean expectPeers = incarnation > 0 || !id.equals("n0");
        return new PartitionHost(id, 1, log.partitionCount(), config.replicationFactor(), store, hostConfig, expectPeers,
                this::newFollower, p -> ProcessingMachine.of(p, store), new Ports(), new TraceEvents());
    }

    private PartitionFollower newFollower(int p) {
        StateStore followerStore = config.followerStore().apply(store);
        if (config.sabotage() == ClusterConfig.Sabotage.PROMISES_IN_MEMORY) {
            // Deliberately broken (checker self-test): terms are promised and led, never written down.
            followerStore = TermForgettingStore.onWrite(followerStore);
        }
        if (forgetTerm.get(p)) {
            // Deliberately broken (checker self-test): forget the term, the stored one too, and take a lower one.
            forgetTerm.clear(p);
            return new PartitionFollower(new ProcessingMachine(p, TermForgettingStore.onRead(followerStore), applier), catchUpLimit());
        }
        return new PartitionFollower(new ProcessingMachine(p, followerStore, applier), catchUpLimit());
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
        return host == null ? Map.of() : host.leaders();
    }

    /** This node's owner of {@code partition} (stopping included), or null. */
    public PartitionLeader leaderOrNull(int partition) {
        return host == null ? null : host.leader(partition);
    }

    /** This node's replica of {@code partition}, or null while it is crashed. */
    public PartitionFollower followerOrNull(int partition) {
        return host == null ? null : host.follower(partition);
    }

    public boolean alive() {
        return status == Status.UP || status == Status.PAUSED || status == Status.LEAVING;
    }

    // ---- life cycle -------------------------------------------------------------------------

    /** Loses everything but the store. */
    public void crash() {
        if (host == null) return;
        status = Status.CRASHED;
        repairsBefore += host.repairs();
        gateHoldsBefore += host.gateHolds();
        sightingHoldsBefore += host.sightingHolds();
        gateTimeoutsBefore += host.gateTimeouts();
        lingeringVotesBefore += host.lingeringVotes();
        relayedBefore += host.relayedChanges();
        dropsBefore += host.drops();
        host = null;
        runs.clear();
        inbox.clear();
        forgetTerm.clear();
        published = new MemberView(id, 1, new BitSet(), new BitSet(), false);
    }

    /** Starts again from the store, as a new process. */
    public void restart(long nowMs) {
        if (status != Status.CRASHED) return;
        status = Status.UP;
        incarnation++;
        this.nowMs = nowMs;
        host = newHost();
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
        host.viewChanged();
    }

    /** Starts a graceful leave, as the node does ({@link PartitionHost#leave}). */
    public void leave(long nowMs) {
        if (status != Status.UP) return;
        status = Status.LEAVING;
        this.nowMs = nowMs;
        trace("leaves");
        host.leave(nowMs);
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
                int p = m.partition();
                if (config.sabotage() == ClusterConfig.Sabotage.FOLLOWER_ACCEPTS_LOWER_TERM && m.term().isBefore(host.follower(p).term())
                        && !host.runs(p)) {
                    // Deliberately broken (checker self-test): instead of refusing a lower term, forget ours and take it.
                    forgetTerm.set(p);
                    host.reloadFollower(p);
                }
                // A commit of the current term taken while snapshotting (not a repair) brings states ahead
                // of this node's feed, as a page does, whether or not a page ever follows (seed 986).
                PartitionFollower follower = host.follower(p);
                boolean snapshotCommit = m instanceof ReplicaMessage.Commit && follower.mode() == PartitionFollower.Mode.SNAPSHOTTING
                        && !follower.repairing() && m.term().equals(follower.term());
                ReplicaAck ack = host.receive(from, m, nowMs);
                if (config.sabotage() == ClusterConfig.Sabotage.FEED_AT_APPLY && !host.runs(p)) {
                    // Deliberately broken (checker self-test): feed whatever was staged at once, durable or not.
                    Term term = host.follower(p).term();
                    store.promote(p, new StoredTerm(term.epoch(), term.node()), Long.MAX_VALUE - 1, Long.MAX_VALUE);
                }
                if (m instanceof ReplicaMessage.SnapshotPage) pagesTaken.set(p);
                if (m instanceof ReplicaMessage.SnapshotPage || snapshotCommit) snapshotted.set(p);
                if (TRACE) trace("<- %s %s: %s", from, brief(m), ack.status());
                network.send(id, from, ack);
            }
            case ReplicaAck ack -> host.onAck(from, ack, nowMs);
            case FeedRelay.Fetch fetch -> network.send(id, from, host.serveFeed(fetch));
            case FeedRelay.Page page -> {
                List<FeedEntry> added = host.onFeedPage(from, page, nowMs);
                if (TRACE) {
                    // What the store dropped as held already: the key's state version here, and the fed version.
                    List<String> skipped = page.changes().stream()
                            .filter(c -> added.stream().noneMatch(e -> e.change().key().equals(c.key()) && e.change().version() == c.version()))
                            .map(c -> {
                                var held = store.get(c.partition(), c.key());
                                return c.key() + "@" + c.version() + "(state " + (held == null ? -1 : held.version())
                                        + ", fed " + store.fedVersion(c.partition(), c.key()) + ")";
                            }).toList();
                    trace("<- %s relay page p%d source %s next %d claim %d/%d changes %s, fed %s, skipped %s; floor now %d, feed gap %d",
                            from, page.partition(), page.source(), page.nextPosition(), page.claim(), page.claimEnd(),
                            page.changes().stream().map(c -> c.key() + "@" + c.version()).toList(),
                            added.stream().map(e -> e.change().key() + "@" + e.change().version()).toList(), skipped,
                            store.fedFloor(page.partition()), store.feedGap(page.partition()));
                }
            }
            default -> throw new IllegalArgumentException("unknown message " + message);
        }
        host.publishIfChanged(nowMs);
    }

    @Override
    public void linkFailed(String to) {
        nowMs = hooks.nowMs();
        if (status == Status.PAUSED) {
            // A paused process sees the broken connection when it resumes. Dropping the notice left
            // a leader waiting for the answer to a lost Hello for good (seed 323).
            inbox.add(new Object[] {to, LINK_FAILED});
            return;
        }
        if (status != Status.UP && status != Status.LEAVING) return; // crashed or gone: its links went with it
        host.linkFailed(to, nowMs);
    }

    /** Stands in the paused inbox for a failure notice of the link to the member it is queued with. */
    private static final Object LINK_FAILED = new Object();

    /** The view changed (as this node sees it): the host replans at the next tick. */
    public void viewChanged() {
        if (host != null) host.viewChanged();
    }

    // ---- steps ------------------------------------------------------------------------------

    /** One step of the node's loop: the engine's step (stops, then process and commit), then the host's tick and relay. */
    public void tick(long nowMs) {
        this.nowMs = nowMs;
        if (status != Status.UP && status != Status.LEAVING) return;
        for (var it = runs.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            int p = entry.getKey();
            Run run = entry.getValue();
            if (run.stopping) {
                // As the runtime engine's stop: reading stopped; pending commits drain to a quorum, bounded.
                PartitionLeader leader = host.leader(p);
                if (!run.awaitDurable || leader == null || leader.pendingCount() == 0 || nowMs >= run.stopDeadlineMs
                        || leader.deposed()) {
                    it.remove();
                    trace("stopped p%d at %d", p, store.checkpoint(p));
                    host.stopped(p, store.checkpoint(p), nowMs);
                }
            } else {
                process(p, run);
            }
        }
        host.tick(nowMs);
        if (status == Status.GONE) return;
        if (status == Status.UP || status == Status.LEAVING) {
            for (FeedRelay.Request request : host.relayTick(nowMs)) network.send(id, request.to(), request.fetch());
        }
        host.publishIfChanged(nowMs);
    }

    /** Reads, applies per key in log order and commits up to one batch of {@code p}'s records, as the runtime engine. */
    private void process(int p, Run run) {
        if (host.pendingCommits(p) >= config.maxPendingCommits()) return; // in flight is bounded
        List<Record> records = log.read(p, run.nextOffset, config.commitBatchMax());
        if (records.isEmpty()) return;
        Map<String, VersionedState> touched = new LinkedHashMap<>();
        List<Change> changes = new ArrayList<>();
        // Every change goes to the replicas (each feeds what is new to it); only this node's feed skips
        // what it fed before without the state (relayed).
        List<Change> replicated = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        for (Record record : records) {
            VersionedState current = touched.containsKey(record.key()) ? touched.get(record.key()) : load(p, record.key());
            ApplyOutcome outcome = applier.apply(current, record);
            switch (outcome.kind()) {
                case APPLIED -> {
                    replicated.add(outcome.change());
                    if (outcome.change().version() > store.fedVersion(p, outcome.change().key())) changes.add(outcome.change());
                }
                case REJECTED -> deadLetters.add(outcome.deadLetter());
                case SKIPPED, DUPLICATE, NOTED -> { }
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
        deadLetters.forEach(set::addDeadLetter);
        set.putCheckpoint(p, checkpoint);
        run.nextOffset = checkpoint + 1;
        Term term = host.leading(p);
        // As the runtime engine: the store write and the hand-off to the host are one step for replication.
        host.writing(new int[] {p}, () -> {
            Stage stage = host.stage(p);
            if (stage == null || config.sabotage() == ClusterConfig.Sabotage.FEED_AT_APPLY) {
                long position = store.feedEnd();
                for (Change change : changes) set.addChange(new FeedEntry(position++, change));
            } else {
                set.stage(p, stage);
                changes.forEach(set::addStagedChange);
            }
            store.write(set);
            if (TRACE) trace("commits p%d to %d changes %s", p, checkpoint, changes.stream().map(x -> x.key() + "@" + x.version()).toList());
            host.committed(p, checkpoint, new ProcessingMachine.Writes(states, replicated, deadLetters),
                    () -> hooks.durable(id, p, checkpoint, term), nowMs);
        });
    }

    private VersionedState load(int p, String key) {
        StoredState stored = store.get(p, key);
        return stored == null ? VersionedState.ABSENT
                : applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
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
            public List<Record> read(int partition, long fromOffset, int max) {
                return log.read(partition, fromOffset, max);
            }

            @Override
            public long startOffset(int partition) {
                return 0;
            }
        };
    }

    /** The host's effects on the simulated node. */
    private final class Ports implements PartitionHost.Ports {
        @Override
        public PartitionHost.View view() {
            return new PartitionHost.View(List.copyOf(hooks.view(id)), hooks.clusterSize());
        }

        @Override
        public boolean send(String to, ReplicaMessage message) {
            network.send(id, to, message);
            return true; // losses come back as linkFailed, as a broken connection does
        }

        @Override
        public boolean hasRoom(String to) {
            return true;
        }

        @Override
        public void startPartition(int partition) {
            long from = store.checkpoint(partition) + 1;
            if (config.sabotage() == ClusterConfig.Sabotage.OWNER_SKIPS_TO_DURABLE) {
                // Deliberately broken (checker self-test): start past what the cluster made durable, held or not.
                from = Math.max(from, hooks.durableUpTo(partition) + 1);
            }
            runs.put(partition, new Run(from));
        }

        @Override
        public void stopPartition(int partition, boolean awaitDurable) {
            Run run = runs.get(partition);
            if (run == null) {
                run = new Run(store.checkpoint(partition) + 1);
                runs.put(partition, run);
            }
            run.stopping = true;
            run.awaitDurable = awaitDurable;
            run.stopDeadlineMs = nowMs + hostConfig.stopDrainMs();
        }

        @Override
        public boolean idle(int partition) {
            Run run = runs.get(partition);
            return run != null && !run.stopping && run.nextOffset >= log.end(partition) && host.pendingCommits(partition) == 0;
        }

        @Override
        public List<Record> readLog(PartitionFollower.LogRead read) {
            // The simulated log is read at once, between the chunks, as the node reads its log off the monitor.
            return LogCatchUp.read(logSource(), read);
        }

        @Override
        public void publish(MemberView self) {
            // Through the node's metadata encoding, as gossip carries it.
            published = MemberView.fromMetadata(id, self.toMetadata(Map.of(MemberView.WEIGHT, Integer.toString(self.weight()))));
            hooks.metadataChanged(id);
        }

        @Override
        public void departed() {
            trace("departs");
            status = Status.GONE;
            hooks.departed(id);
        }
    }

    /** The host's events, as the trace prints them and as the checkers observe them. */
    private final class TraceEvents implements PartitionHost.Events {
        @Override
        public void started(int partition, Term term, long checkpoint) {
            trace("starts p%d term %s from %d", partition, term, checkpoint + 1);
        }

        @Override
        public void startHeld(int partition, long checkpoint) {
            hooks.startHeld(id, partition, checkpoint);
        }

        @Override
        public void stopping(int partition, boolean deposed) {
            trace("stops p%d%s", partition, deposed ? " (deposed)" : "");
        }

        @Override
        public void dropped(int partition, long checkpoint, List<String> replicas, String owner, long ownerHolds) {
            trace("drops p%d at checkpoint %d (owner %s claimed %d)", partition, checkpoint, owner, ownerHolds);
        }

        @Override
        public void leftEarly(String behind) {
            trace("leaves at the deadline before every owner caught up:%s", behind);
        }
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

    // ---- metadata and reading ---------------------------------------------------------------

    /** What this node gossips, as it last published it: ready = runs or holds an in-sync replica; owned = runs. */
    public MemberView describe() {
        return published;
    }

    /** True when this node runs {@code partition}, handing it off or not. */
    public boolean runs(int partition) {
        return host != null && host.runs(partition);
    }

    /** True when this node runs {@code partition} and is not handing it off. */
    public boolean runsActively(int partition) {
        return host != null && host.runsActively(partition);
    }

    long nextOffset(int partition) {
        Run run = runs.get(partition);
        return run == null ? -1 : run.nextOffset;
    }

    /** Partitions this node dropped since it started (it left their replica sets). */
    public long drops() {
        return dropsBefore + (host == null ? 0 : host.drops());
    }

    /** Changes the feed relay added to this node's feed since it started. */
    public long relayedChanges() {
        return relayedBefore + (host == null ? 0 : host.relayedChanges());
    }

    /** True when this node relays {@code partition} and its fed floor reached {@code checkpoint}. */
    public boolean relayCaughtUp(int partition, long checkpoint) {
        return host != null && host.relayCaughtUp(partition, checkpoint);
    }

    /**
     * True when this node ever took states of a catch-up by snapshot of {@code partition} (a page,
     * or a commit that came after the owner's Begin, outside a repair): its feed jumped there, by
     * design, whether or not the snapshot finished.
     */
    public boolean snapshotted(int partition) {
        return snapshotted.get(partition);
    }

    /** Partitions whose feed jumped here by a commit taken while snapshotting, with no page ever taken. */
    public int jumpsWithoutPage() {
        BitSet only = (BitSet) snapshotted.clone();
        only.andNot(pagesTaken);
        return only.cardinality();
    }

    public long sightingHolds() {
        return sightingHoldsBefore + (host == null ? 0 : host.sightingHolds());
    }

    public long gateHolds() {
        return gateHoldsBefore + (host == null ? 0 : host.gateHolds());
    }

    public long gateTimeouts() {
        return gateTimeoutsBefore + (host == null ? 0 : host.gateTimeouts());
    }

    public long lingeringVotes() {
        return lingeringVotesBefore + (host == null ? 0 : host.lingeringVotes());
    }

    public long repairs() {
        return repairsBefore + (host == null ? 0 : host.repairs());
    }

    /** The host this node runs now (null while crashed): the node's own class, for checkers. */
    public PartitionHost host() {
        return host;
    }
}
