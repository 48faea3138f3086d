package io.ringwork.sim.membership;

import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberEvent;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.membership.MembershipMessage.PushPull;
import io.ringwork.core.membership.wire.PacketCodec;
import io.ringwork.core.transport.Address;
import io.ringwork.sim.Scheduler;
import io.ringwork.sim.SimNetwork;
import io.ringwork.sim.SimulationFailure;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A simulated cluster of membership nodes on one thread, written to read as a scenario:
 * {@code cluster.startConverged().runFor(10_000).crash("n3").awaitConvergence(30_000)}.
 * Nodes are named n0..n(N-1) at addresses 10.x.y.z:7946; n0 is everyone's seed.
 * Invariants given to the builder are checked on every event as the run goes.
 */
public final class MembershipCluster {

    /** Receives every event any node publishes (reports use it to time detection). */
    @FunctionalInterface
    public interface EventListener {
        void onEvent(SimMember observer, MemberEvent event);
    }

    private final Scheduler scheduler;
    private final SimNetwork network;
    private final Map<String, SimMember> members = new LinkedHashMap<>();
    private final List<MembershipInvariant> invariants;
    private final List<EventListener> listeners = new ArrayList<>();
    private final List<SimMember> twins = new ArrayList<>();
    private final PacketCodec codec;
    private final MembershipConfig config;

    private MembershipCluster(Builder builder) {
        this.scheduler = new Scheduler(builder.seed, builder.stepsMax);
        this.network = new SimNetwork(scheduler);
        network.setDefaultFaults(builder.faults);
        this.invariants = List.copyOf(builder.invariants);
        this.codec = new PacketCodec(builder.config.clusterName(), builder.secret);
        this.config = builder.config;
        for (int i = 0; i < builder.nodes; i++) {
            String id = "n" + i;
            Address address = addressOf(i);
            members.put(id, new SimMember(id, address, this, network.attach(address), codec, builder.config,
                    scheduler.derivedRandom()));
        }
    }

    public static Builder builder(long seed) {
        return new Builder(seed);
    }

    public static final class Builder {
        private final long seed;
        private int nodes = 10;
        private MembershipConfig config = MembershipConfig.fast("sim");
        private SimNetwork.LinkFaults faults = SimNetwork.LinkFaults.LAN;
        private byte[] secret;
        private long stepsMax = 500_000_000L;
        private final List<MembershipInvariant> invariants = new ArrayList<>();

        private Builder(long seed) {
            this.seed = seed;
        }

        public Builder nodes(int count) { nodes = count; return this; }

        public Builder config(MembershipConfig value) { config = value; return this; }

        public Builder faults(SimNetwork.LinkFaults value) { faults = value; return this; }

        public Builder secret(byte[] value) { secret = value; return this; }

        public Builder stepsMax(long value) { stepsMax = value; return this; }

        public Builder check(MembershipInvariant invariant) { invariants.add(invariant); return this; }

        public MembershipCluster build() {
            return new MembershipCluster(this);
        }
    }

    static Address addressOf(int index) {
        return new Address("10." + (index >> 16 & 0xFF) + "." + (index >> 8 & 0xFF) + "." + (index & 0xFF), 7946);
    }

    // ---------------------------------------------------------------- scenario steps

    /**
     * Starts every node already knowing every other, as if a join had converged (each is handed
     * the full list as a push-pull answer). The first few gossip intervals then carry that news
     * around; measure after a warm-up.
     */
    public MembershipCluster startConverged() {
        return startConverged(members.size());
    }

    /** Like {@link #startConverged()} for n0..n(count-1) only; the rest stay down until {@link #join}. */
    public MembershipCluster startConverged(int count) {
        List<SimMember> started = new ArrayList<>(members.values()).subList(0, count);
        for (SimMember member : started) member.start(List.of(), 0);
        List<Member> everyone = started.stream().map(m -> m.membership().localMember()).toList();
        PushPull fullState = new PushPull(false, true, everyone);
        Address first = started.getFirst().address();
        for (SimMember member : started) member.inject(first, fullState);
        return this;
    }

    /** Starts a node that has never run, joining through n0. */
    public MembershipCluster join(String id) {
        member(id).start(List.of(member("n0").address()), 0);
        return this;
    }

    /** Starts n0 alone, then every other node joins through n0 at a random moment within {@code spreadMs}. */
    public MembershipCluster startByJoining(long spreadMs) {
        List<SimMember> all = new ArrayList<>(members.values());
        all.getFirst().start(List.of(), 0);
        List<Address> seeds = List.of(all.getFirst().address());
        for (SimMember member : all.subList(1, all.size())) {
            scheduler.after(scheduler.random().nextInt((int) Math.max(1, spreadMs)), () -> member.start(seeds, 0));
        }
        return this;
    }

    /**
     * Starts a second process with member {@code id}'s id at an address of its own, joining
     * through n0 at {@code initialIncarnation} (a process started later counts higher). It is not
     * one of {@link #members()}: invariants and convergence keep judging the original.
     */
    public SimMember twin(String id, long initialIncarnation) {
        Address address = addressOf(0xFF0000 + twins.size());
        SimMember twin = new SimMember(id, address, this, network.attach(address), codec, config, scheduler.derivedRandom());
        twins.add(twin);
        twin.start(List.of(member("n0").address()), initialIncarnation);
        return twin;
    }

    public MembershipCluster runFor(long durationMs) {
        scheduler.runFor(durationMs);
        return this;
    }

    public MembershipCluster crash(String id) {
        member(id).crash();
        return this;
    }

    /** Restarts a crashed node: empty memory, incarnation 0, joins through n0 (or n1 if it is n0). */
    public MembershipCluster restart(String id) {
        SimMember member = member(id);
        SimMember seed = members.values().stream().filter(m -> m != member).findFirst().orElseThrow();
        member.start(List.of(seed.address()), 0);
        return this;
    }

    /** Pauses a node for {@code durationMs} (SIGSTOP then SIGCONT): no timers, inbound traffic buffered. */
    public MembershipCluster pause(String id, long durationMs) {
        SimMember member = member(id);
        member.pause();
        scheduler.after(durationMs, member::resume);
        return this;
    }

    public MembershipCluster leave(String id) {
        member(id).leave();
        return this;
    }

    /** Splits the cluster into the given groups of node ids. */
    @SafeVarargs
    public final MembershipCluster partition(Collection<String>... groups) {
        List<List<Address>> addressGroups = new ArrayList<>();
        for (Collection<String> group : groups) addressGroups.add(group.stream().map(id -> member(id).address()).toList());
        network.partition(addressGroups.toArray(List[]::new));
        return this;
    }

    /** One-way cut: nothing from {@code fromId} reaches {@code toId}. */
    public MembershipCluster cut(String fromId, String toId) {
        network.cut(member(fromId).address(), member(toId).address());
        return this;
    }

    public MembershipCluster loss(double rate) {
        network.setDefaultFaults(network.defaultFaults().withLossRate(rate));
        return this;
    }

    /** Removes partitions, cuts and loss. */
    public MembershipCluster heal() {
        network.heal();
        network.setDefaultFaults(network.defaultFaults().withLossRate(0).withDuplicateRate(0));
        return this;
    }

    /**
     * Runs until {@link ViewConvergence} holds (checked every 50 ms of simulated time) and returns
     * how long that took; fails with the seed if it does not hold within {@code limitMs}.
     */
    public long awaitConvergence(long limitMs) {
        long startMs = scheduler.nowMs();
        Optional<String> divergence = ViewConvergence.divergence(this);
        while (divergence.isPresent()) {
            if (scheduler.nowMs() - startMs >= limitMs) {
                throw new SimulationFailure(seed(), "ViewConvergence: not converged " + limitMs + " ms after healing: "
                        + divergence.get());
            }
            scheduler.runFor(50);
            divergence = ViewConvergence.divergence(this);
        }
        return scheduler.nowMs() - startMs;
    }

    public MembershipCluster onEvent(EventListener listener) {
        listeners.add(listener);
        return this;
    }

    // ---------------------------------------------------------------- queries

    public long seed() {
        return scheduler.seed();
    }

    public long nowMs() {
        return scheduler.nowMs();
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public SimNetwork network() {
        return network;
    }

    public SimMember member(String id) {
        return members.get(id);
    }

    public Collection<SimMember> members() {
        return members.values();
    }

    public List<String> ids() {
        return new ArrayList<>(members.keySet());
    }

    void onEvent(SimMember observer, MemberEvent event) {
        for (MembershipInvariant invariant : invariants) invariant.onEvent(observer, event, this);
        for (EventListener listener : listeners) listener.onEvent(observer, event);
    }

    void onNewLife(SimMember member) {
        for (MembershipInvariant invariant : invariants) invariant.onNewLife(member);
    }
}
