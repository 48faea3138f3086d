package io.ringwork.sim.cluster;

import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.resource.ResourceProcessor;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.sim.Scheduler;
import io.ringwork.sim.SimulationFailure;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A simulated processing cluster: nodes running the real assignment, processing and replication
 * logic over one shared {@link SimLog}, a {@link ClusterNetwork} and a {@link MembershipOracle},
 * all driven by one seeded {@link Scheduler}. Every scheduled step is followed by every
 * {@link ClusterInvariant}; a violation becomes a {@link SimulationFailure} naming the seed, the
 * step and the invariant. Scenario methods return {@code this}, so tests read as sentences:
 * {@code cluster.start().crash("n1").runFor(2_000).restart("n1").awaitDrained()}. Not thread-safe.
 */
public final class ProcessingCluster implements SimProcessingNode.Hooks, MembershipOracle.Truth, ClusterNetwork.StepScheduler {
    private final long seed;
    private final ClusterConfig config;
    private final Scheduler scheduler;
    private final RandomSource random;
    private final RecordApplier applier;
    private final SimLog log;
    private final GluerWorkload workload;
    private final ClusterNetwork network;
    private final MembershipOracle oracle;
    private final Map<String, SimProcessingNode> nodes = new TreeMap<>();
    private final Set<String> members = new TreeSet<>();
    private final long[] durable;
    private final List<ClusterInvariant> invariants = new ArrayList<>();
    private final SingleReadyOwner singleReadyOwner = new SingleReadyOwner();
    private final MonotonicFeed monotonicFeed = new MonotonicFeed();
    private final MonotonicEpochs monotonicEpochs = new MonotonicEpochs();
    private final OneDurableOwnerPerEpoch oneDurableOwnerPerEpoch = new OneDurableOwnerPerEpoch();
    private final NoDurableCommitLost noDurableCommitLost = new NoDurableCommitLost();
    private final DurableUnderPromises durableUnderPromises = new DurableUnderPromises();
    private final FeedOnlyDurable feedOnlyDurable;
    private final Map<String, Long> reported = new TreeMap<>();
    private final List<DurableObserver> durableObservers = new ArrayList<>();
    private final KvClients kvClients;
    private final ElectionClients electionClients;
    private final ElectionTokens electionTokens = new ElectionTokens();
    private final SessionKeepers sessionKeepers = new SessionKeepers(this);
    private long steps;
    private int nextNodeIndex;
    private long faults;

    public ProcessingCluster(long seed, ClusterConfig config) {
        this.seed = seed;
        this.config = config;
        this.scheduler = new Scheduler(seed, config.stepsMax());
        this.random = scheduler.derivedRandom();
        this.applier = new RecordApplier(new ProcessorRegistry(List.of(new GluerProcessor(), new ResourceProcessor(),
                new io.ringwork.core.kv.KvProcessor(), new io.ringwork.core.coord.SessionProcessor(),
                new io.ringwork.core.coord.ElectionProcessor())));
        this.log = new SimLog(config.partitions(), applier);
        this.workload = new GluerWorkload(new GluerWorkload.Config(seed, 4, 12, config.records(), 0.05),
                new SequentialFold(applier));
        this.network = new ClusterNetwork(this, scheduler.derivedRandom(), config.latencyMsMin(), config.latencyMsMax(),
                config.failureNoticeMs());
        this.oracle = new MembershipOracle(this, scheduler.derivedRandom(), this, this::viewChanged,
                config.viewDelayMsMin(), config.viewDelayMsMax(), config.viewDelayMsMax());
        this.kvClients = new KvClients(this, scheduler.derivedRandom(), applier);
        this.electionClients = new ElectionClients(this, scheduler.derivedRandom());
        this.durable = new long[config.partitions()];
        java.util.Arrays.fill(durable, -1);
        this.feedOnlyDurable = new FeedOnlyDurable(config.partitions());
        invariants.add(new PerKeyOrder());
        invariants.add(monotonicFeed);
        invariants.add(feedOnlyDurable);
        invariants.add(new NoDuplicatedEffect());
        invariants.add(noDurableCommitLost); // before NoLostRecord: a skipped record shows here first, by epoch
        invariants.add(new NoLostRecord());
        invariants.add(singleReadyOwner);
        invariants.add(monotonicEpochs);
        invariants.add(oneDurableOwnerPerEpoch);
        invariants.add(durableUnderPromises);
        invariants.add(electionTokens);
    }

    // ---- the step loop ----------------------------------------------------------------------

    @Override
    public void at(long atMs, Runnable action) {
        scheduler.at(atMs, () -> {
            try {
                action.run();
            } catch (SimulationFailure e) {
                throw e;
            } catch (RuntimeException e) {
                throw failure("a step threw " + e, e);
            }
            checkInvariants();
        });
    }

    @Override
    public long nowMs() {
        return scheduler.nowMs();
    }

    private void checkInvariants() {
        steps++;
        for (ClusterInvariant invariant : invariants) {
            try {
                invariant.check(this);
            } catch (ClusterInvariant.Violation v) {
                violated(invariant.name(), v.getMessage());
            }
        }
    }

    /** Fails the run, unless the config asks to only count violations of {@code invariant}. */
    void violated(String invariant, String message) {
        if (!config.reportOnly().contains(invariant)) throw failure(invariant + ": " + message, null);
        if (reported.merge(invariant, 1L, Long::sum) == 1 && Boolean.getBoolean("ringwork.sim.trace")) {
            System.out.println("reported, not failed: " + invariant + ": " + message);
        }
    }

    /** Violations counted instead of failed, by invariant (see {@link ClusterConfig#reportOnly}). */
    public Map<String, Long> reported() {
        return reported;
    }

    SimulationFailure failure(String message, Throwable cause) {
        SimulationFailure failure = new SimulationFailure(seed, "step " + steps + " at " + nowMs() + " ms: " + message
                + "; config: " + config.describe());
        if (cause != null) failure.initCause(cause);
        return failure;
    }

    /** Adds an invariant checked after every step (tests add their own). */
    public ProcessingCluster check(ClusterInvariant invariant) {
        invariants.add(invariant);
        return this;
    }

    // ---- scenario ---------------------------------------------------------------------------

    /** Starts the initial nodes (each learns the others after its view delay) and the producer. */
    public ProcessingCluster start() {
        for (int i = 0; i < config.initialNodes(); i++) addNode();
        for (String id : members) oracle.rejoin(id, config.joinPushPull());
        produceUntil(config.faultPhaseMs() * 9 / 10);
        kvClients.start(config.faultPhaseMs() * 9 / 10);
        electionClients.start(config.faultPhaseMs() * 9 / 10);
        // Past the clients' end by more than a session's TTL and a failover: the last sessions expire.
        sessionKeepers.start(config.faultPhaseMs() + 20_000);
        return this;
    }

    /** The apply path every node and the reference use. */
    RecordApplier applier() {
        return applier;
    }

    /** The election's candidates and the invariant over its tokens. */
    ElectionClients electionClients() {
        return electionClients;
    }

    SessionKeepers sessionKeepers() {
        return sessionKeepers;
    }

    ElectionTokens electionTokens() {
        return electionTokens;
    }

    /** The key-value clients, whose history {@link ClusterSimulation} checks after the run. */
    KvClients kvClients() {
        return kvClients;
    }

    private String addNode() {
        String id = "n" + nextNodeIndex++;
        SimProcessingNode node = new SimProcessingNode(id, new MemoryStateStore(), applier, log, network, this, config);
        nodes.put(id, node);
        members.add(id);
        network.attach(id, node);
        tickLoop(node, nowMs() + 1 + random.nextInt((int) config.tickMs()));
        return id;
    }

    private void tickLoop(SimProcessingNode node, long atMs) {
        at(atMs, () -> {
            node.tick(nowMs());
            if (node.status() != SimProcessingNode.Status.GONE) tickLoop(node, nowMs() + config.tickMs());
        });
    }

    /** Appends the workload's records in small seeded bursts, spread until {@code untilMs}. */
    private void produceUntil(long untilMs) {
        long bursts = Math.max(1, config.records() / 3);
        long gapMs = Math.max(1, (untilMs - nowMs()) / bursts);
        at(nowMs() + 1 + random.nextInt((int) (2 * gapMs)), () -> {
            for (int n = 1 + random.nextInt(5); n > 0 && workload.hasNext(); n--) {
                NewRecord record = workload.next();
                log.append(record, nowMs());
            }
            if (workload.hasNext()) produceUntil(untilMs);
        });
    }

    /** Appends every record the producer has not yet appended, now. */
    public ProcessingCluster produceRest() {
        while (workload.hasNext()) log.append(workload.next(), nowMs());
        return this;
    }

    public ProcessingCluster runFor(long durationMs) {
        scheduler.runFor(durationMs);
        return this;
    }

    public ProcessingCluster crash(String id) {
        faults++;
        node(id).crash();
        oracle.publish(id);
        return this;
    }

    public ProcessingCluster restart(String id) {
        SimProcessingNode node = node(id);
        if (node.status() != SimProcessingNode.Status.CRASHED) return this;
        node.restart(nowMs());
        oracle.rejoin(id, config.joinPushPull());
        oracle.publish(id);
        return this;
    }

    public ProcessingCluster pause(String id) {
        faults++;
        node(id).pause();
        oracle.publish(id);
        return this;
    }

    public ProcessingCluster resume(String id) {
        node(id).resume(nowMs());
        oracle.publish(id);
        return this;
    }

    /** Cuts {@code side} off from everyone else until {@link #heal}. */
    public ProcessingCluster partition(Set<String> side) {
        faults++;
        network.partition(side);
        oracle.publishAll();
        return this;
    }

    /** Messages from {@code from} to {@code to} are lost until {@link #restoreOneWay}; views do not change (see {@link ClusterNetwork#visible}). */
    public ProcessingCluster cutOneWay(String from, String to) {
        faults++;
        network.cutOneWay(from, to);
        return this;
    }

    public ProcessingCluster restoreOneWay(String from, String to) {
        network.restoreOneWay(from, to);
        return this;
    }

    /** Nothing reaches {@code id} ({@code inbound}) or nothing it sends arrives; views follow as for a partition. */
    public ProcessingCluster isolateOneWay(String id, boolean inbound) {
        faults++;
        network.isolateOneWay(id, inbound);
        oracle.publishAll();
        return this;
    }

    public ProcessingCluster endIsolation(String id) {
        network.endIsolation(id);
        oracle.publishAll();
        return this;
    }

    /** Each message from {@code from} to {@code to} is lost with probability {@code rate} (0 ends it). */
    public ProcessingCluster lossy(String from, String to, double rate) {
        if (rate > 0) faults++;
        network.lossy(from, to, rate);
        return this;
    }

    /** Loses what is travelling between {@code a} and {@code b}, both ways. */
    public ProcessingCluster dropInFlight(String a, String b) {
        faults++;
        network.dropInFlight(a, b);
        network.dropInFlight(b, a);
        return this;
    }

    /**
     * Every replication message to {@code id} is lost until {@link #hear}: a member that joined (or
     * runs) and never catches up. Its membership is untouched: the others see it alive.
     */
    public ProcessingCluster deafen(String id) {
        faults++;
        network.deafen(id);
        return this;
    }

    public ProcessingCluster hear(String id) {
        network.hear(id);
        return this;
    }

    /** A new, empty node joins; returns its id. */
    public String join() {
        faults++;
        String id = addNode();
        oracle.rejoin(id, config.joinPushPull());
        oracle.publish(id);
        return id;
    }

    /** Starts a graceful leave of {@code id}. */
    public ProcessingCluster leave(String id) {
        faults++;
        node(id).leave(nowMs());
        return this;
    }

    /** Everyone hears again how everyone stands (after the network healed). */
    public ProcessingCluster healViews() {
        oracle.publishAll();
        return this;
    }

    /** Ends every fault: heals the network, resumes paused and restarts crashed nodes. */
    public ProcessingCluster heal() {
        network.heal();
        for (SimProcessingNode node : nodes.values()) {
            if (node.status() == SimProcessingNode.Status.PAUSED) resume(node.id());
            if (node.status() == SimProcessingNode.Status.CRASHED) restart(node.id());
        }
        oracle.publishAll();
        return this;
    }

    /**
     * Runs until every partition's records are all applied and durable, no member has a change
     * of it still staged, and every replica of the final preference lists holds the full fold;
     * fails with the seed after {@code boundMs}.
     * Returns how long it took.
     */
    public long awaitDrained(long boundMs) {
        long startMs = nowMs();
        String missing = drained();
        while (missing != null) {
            if (nowMs() - startMs >= boundMs) throw failure("not drained after " + boundMs + " ms: " + missing, null);
            runFor(100);
            missing = drained();
        }
        new ReplicasConverge(monotonicFeed).checkFinal(this);
        try {
            new NothingHeldOutsideReplicaSet(monotonicFeed).checkFinal(this);
        } catch (ClusterInvariant.Violation v) {
            throw failure("NothingHeldOutsideReplicaSet: " + v.getMessage(), null);
        }
        return nowMs() - startMs;
    }

    /** Null when drained, else the first thing still missing. */
    String drained() {
        if (workload.hasNext()) return "the producer is not done";
        for (String id : members) {
            if (node(id).status() != SimProcessingNode.Status.UP) return id + " is " + node(id).status();
        }
        OwnershipPlan plan = truePlan();
        for (int p = 0; p < log.partitionCount(); p++) {
            long end = log.end(p);
            SimProcessingNode owner = node(plan.owner(p));
            if (!owner.runsActively(p)) return plan.owner(p) + " does not run partition " + p;
            if (owner.nextOffset(p) != end) return plan.owner(p) + " has read partition " + p + " to " + owner.nextOffset(p) + " of " + end;
            if (owner.leaders().get(p).pendingCount() > 0) return "partition " + p + " has commits not yet durable";
            // Feed after durability is live too: once everything is durable and said so, nothing waits in staging.
            for (String id : members) {
                int staged = node(id).store().stagedCount(p);
                if (staged > 0) return id + " still stages " + staged + " changes of partition " + p;
            }
            for (String replica : plan.replicas(p)) {
                MemoryStateStore store = node(replica).store();
                if (store.checkpoint(p) != end - 1) return replica + " has checkpoint " + store.checkpoint(p) + " of partition " + p + ", not " + (end - 1);
                for (String key : log.keys(p)) {
                    StoredState state = store.get(p, key);
                    if (state == null || !NoDuplicatedEffect.same(state, log.finalState(key))) return replica + " lacks the final " + key;
                }
            }
        }
        return NothingHeldOutsideReplicaSet.missing(this);
    }

    /** The plan every node agrees on once views settle: from the true members and their metadata. */
    public OwnershipPlan truePlan() {
        List<MemberView> views = new ArrayList<>();
        for (String id : members) views.add(node(id).describe());
        return OwnershipPlan.compute(views, log.partitionCount(), config.replicationFactor());
    }

    // ---- truth, hooks -----------------------------------------------------------------------

    @Override
    public Collection<String> members() {
        return members;
    }

    @Override
    public boolean reachable(String observer, String member) {
        SimProcessingNode node = nodes.get(member);
        return node != null && node.alive() && node.status() != SimProcessingNode.Status.PAUSED
                && network.visible(observer, member);
    }

    @Override
    public MemberView describe(String member) {
        return node(member).describe();
    }

    @Override
    public Collection<MemberView> view(String self) {
        return oracle.view(self);
    }

    @Override
    public void metadataChanged(String self) {
        oracle.publish(self);
    }

    @Override
    public void durable(String self, int partition, long checkpoint, io.ringwork.core.cluster.Term term) {
        oneDurableOwnerPerEpoch.durable(self, node(self).incarnation(), partition, term);
        io.ringwork.core.cluster.PartitionLeader leader = node(self).leaderOrNull(partition);
        if (leader != null && leader.term().equals(term)) {
            durableUnderPromises.durable(this, self, partition, term, leader.votingSlots());
        }
        noDurableCommitLost.durable(partition, checkpoint, term);
        feedOnlyDurable.held(partition, checkpoint);
        if (checkpoint <= durable[partition]) return;
        durable[partition] = checkpoint;
        for (DurableObserver observer : durableObservers) observer.rose(partition, checkpoint, nowMs());
    }

    @Override
    public void startHeld(String self, int partition, long checkpoint) {
        feedOnlyDurable.held(partition, checkpoint);
    }

    /** Told each time a partition's durable checkpoint rises (a quorum now holds every record up to it). */
    public interface DurableObserver {
        void rose(int partition, long checkpoint, long nowMs);
    }

    /** Adds an observer of durable checkpoints (measurements; it must not change the run). */
    public ProcessingCluster observeDurable(DurableObserver observer) {
        durableObservers.add(observer);
        return this;
    }

    @Override
    public int clusterSize() {
        int size = 0; // leaving members count as gone, as in the runtime
        for (String id : members) if (nodes.get(id).status() != SimProcessingNode.Status.LEAVING) size++;
        return size;
    }

    @Override
    public void departed(String self) {
        members.remove(self);
        oracle.publish(self);
    }

    private void viewChanged(String observer) {
        SimProcessingNode node = nodes.get(observer);
        if (node != null) node.viewChanged();
    }

    // ---- reading ----------------------------------------------------------------------------

    public SimProcessingNode node(String id) {
        SimProcessingNode node = nodes.get(id);
        if (node == null) throw new IllegalArgumentException("no node " + id);
        return node;
    }

    /** Every node ever started, departed ones included, by id. */
    public Collection<SimProcessingNode> nodes() {
        return nodes.values();
    }

    /** Ids of the nodes taking part now (crashed ones included; departed ones not). */
    public List<String> memberIds() {
        return new ArrayList<>(members);
    }

    public SimLog log() {
        return log;
    }

    public ClusterConfig config() {
        return config;
    }

    public ClusterNetwork network() {
        return network;
    }

    public RandomSource random() {
        return random;
    }

    public long seed() {
        return seed;
    }

    public long steps() {
        return steps;
    }

    public long faults() {
        return faults;
    }

    public DurableUnderPromises durableUnderPromises() {
        return durableUnderPromises;
    }

    public MonotonicEpochs monotonicEpochs() {
        return monotonicEpochs;
    }

    public OneDurableOwnerPerEpoch oneDurableOwnerPerEpoch() {
        return oneDurableOwnerPerEpoch;
    }

    /** The highest checkpoint of {@code partition} any commit was reported durable at, or -1. */
    @Override
    public long durableUpTo(int partition) {
        return durable[partition];
    }

    public long splitQuorumSteps() {
        return singleReadyOwner.splitQuorumSteps();
    }
}
