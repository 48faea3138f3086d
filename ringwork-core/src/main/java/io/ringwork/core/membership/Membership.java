package io.ringwork.core.membership;

import io.ringwork.core.membership.MemberEvent.Kind;
import io.ringwork.core.membership.MembershipEffect.Notify;
import io.ringwork.core.membership.MembershipEffect.Send;
import io.ringwork.core.membership.MembershipMessage.Ack;
import io.ringwork.core.membership.MembershipMessage.Alive;
import io.ringwork.core.membership.MembershipMessage.Dead;
import io.ringwork.core.membership.MembershipMessage.IndirectPing;
import io.ringwork.core.membership.MembershipMessage.Nack;
import io.ringwork.core.membership.MembershipMessage.Ping;
import io.ringwork.core.membership.MembershipMessage.PushPull;
import io.ringwork.core.membership.MembershipMessage.Suspect;
import io.ringwork.core.membership.MembershipMessage.Update;
import io.ringwork.core.membership.MembershipMessage.UserData;
import io.ringwork.core.membership.wire.MessageCodec;
import io.ringwork.core.membership.wire.Packet;
import io.ringwork.core.membership.wire.PacketCodec;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import io.ringwork.core.util.Invariants;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SortedMap;

/**
 * One node's SWIM + Lifeguard membership as a state machine. Inputs: {@link #onMessage},
 * {@link #tick}, {@link #join}, {@link #leave}, {@link #updateMetadata}, each with the current
 * time as an argument; outputs: {@link MembershipEffect}s collected until {@link #drainEffects}.
 * The driver calls {@link #tick} no later than {@link #nextDeadlineMs()} and after every input
 * re-reads that deadline, because an input can move it earlier.
 *
 * <p>No I/O, clock or thread inside; randomness only from the injected {@link RandomSource}, so
 * the same inputs and seed produce the same effects. Not thread-safe: one thread drives it.
 * Times must not go backwards (use a monotonic clock).
 *
 * <p>All member updates — gossip, push-pull, our own probe results — go through {@link #apply}.
 */
public final class Membership {
    /** A deadline that never comes. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * Where this node is in its life; a LEFT or ID_CONFLICT node does not come back (create a new
     * instance). ID_CONFLICT: while joining, this node learned that its id is alive (or suspect)
     * at another address; it stopped without announcing anything (see {@link #idConflict()}).
     */
    public enum Lifecycle { IDLE, JOINING, JOINED, JOIN_FAILED, LEFT, ID_CONFLICT }

    /** The least time between two {@link #broadcastNow} rounds: a burst of news costs one packet per peer per this. */
    public static final long BROADCAST_NOW_MIN_MS = 10;

    /**
     * The most a suspect's own reported health and its recent returns add to a suspicion's timeout:
     * at most (1 + this)x the minimum, 3.2 s on LAN with 3 nodes. This node's own health may still
     * stretch it to awarenessMax x.
     */
    public static final int SUSPECT_STRETCH_MAX = 3;

    private final MembershipConfig config;
    private final String localId;
    private final Address localAddress;
    private final RandomSource random;
    private final MemberTable table = new MemberTable();
    private final GossipQueue gossip;
    private final Awareness awareness;
    private final ProbeTargets probeTargets = new ProbeTargets();
    private final MembershipStats.Counters counters = new MembershipStats.Counters();
    private final List<MembershipEffect> effects = new ArrayList<>();
    private final PriorityQueue<Timer> suspicionTimers = new PriorityQueue<>();
    private final ArrayDeque<Timer> reapTimers = new ArrayDeque<>();
    private final Map<Integer, Relay> relays = new LinkedHashMap<>();
    private final LinkedHashMap<String, Failed> failed = new LinkedHashMap<>();
    private final int packetOverheadBytes;

    private Delegate delegate;
    /** When {@link #broadcastNow} last sent. */
    private long lastBroadcastNowMs = Long.MIN_VALUE / 2;
    private Lifecycle lifecycle = Lifecycle.IDLE;
    private long incarnation;
    private int nextSeq;
    private Probe probe;
    private long nextProbeAtMs = NEVER;
    private long nextGossipAtMs = NEVER;
    private long nextPushPullAtMs = NEVER;
    private long nextJoinAtMs = NEVER;
    private long nextReconnectAtMs = NEVER;
    private List<Address> joinSeeds = List.of();
    private Member idConflict;
    private int joinRounds;
    private long lastNowMs = Long.MIN_VALUE;

    private record Timer(long atMs, String memberId) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(atMs, other.atMs);
            return byTime != 0 ? byTime : memberId.compareTo(other.memberId);
        }
    }

    /** An indirect probe we run for another member; answered with its ack, or a nack at the deadline. */
    private record Relay(Address origin, int originSeq, long deadlineAtMs, boolean wantsNack) {}

    /** A member declared dead that reconnect rounds keep trying, in case it was only cut off. */
    private record Failed(Address address, long failedAtMs) {}

    /** Our probe of this period. */
    private static final class Probe {
        final String targetId;
        final Address targetAddress;
        final int seq;
        final long timeoutAtMs;
        final long endAtMs;
        boolean escalated;
        int expectedNacks;
        int nacks;

        Probe(String targetId, Address targetAddress, int seq, long timeoutAtMs, long endAtMs) {
            this.targetId = targetId;
            this.targetAddress = targetAddress;
            this.seq = seq;
            this.timeoutAtMs = timeoutAtMs;
            this.endAtMs = endAtMs;
        }
    }

    /**
     * @param initialIncarnation where this life's incarnation starts; a runtime passes e.g. wall-clock
     *                           seconds so a restarted node outranks gossip about its previous life
     * @param metadata           this node's metadata; encoded size at most {@code config.metadataBytesMax()}
     */
    public Membership(MembershipConfig config, String localId, Address localAddress, Map<String, String> metadata,
                      long initialIncarnation, RandomSource random, long nowMs) {
        Member.requireId(localId);
        Invariants.require(initialIncarnation >= 0, "initialIncarnation must be >= 0");
        this.config = config;
        this.localId = localId;
        this.localAddress = localAddress;
        this.random = random;
        this.gossip = new GossipQueue(config.gossipQueueMax());
        this.awareness = new Awareness(config.awarenessMax());
        // Always reserve room for a MAC: the state machine does not know whether the codec signs.
        this.packetOverheadBytes = PacketCodec.overheadBytes(config.clusterName(), localId, localAddress, true);
        this.incarnation = initialIncarnation;
        SortedMap<String, String> meta = checkedMetadata(metadata);
        table.add(new Member(localId, localAddress, MemberState.ALIVE, incarnation, meta), nowMs);
        this.lastNowMs = nowMs;
    }

    /**
     * An application that rides on the membership's traffic, as memberlist's {@code Delegate}:
     * its broadcasts fill what membership gossip leaves of a best-effort packet (membership's own
     * updates go first: failure detection must not wait behind an application), and a page of its
     * state goes with every push-pull, for repair. The membership calls it on its own thread (the
     * one that drives this state machine) and never reads the bytes. Implementations bound their
     * own queues; a payload that does not fit a budget is not sent.
     */
    public interface Delegate {
        /** True when {@link #broadcast} has something: a gossip round then sends even without membership gossip. */
        boolean hasBroadcasts();

        /** One payload of at most {@code budgetBytes} to piggyback on a packet, or null for none. */
        byte[] broadcast(int budgetBytes);

        /** A payload another member broadcast. */
        void notifyMsg(byte[] payload);

        /** This node's state, or a page of it, of at most {@code budgetBytes}, for a push-pull; null for none. */
        byte[] localState(int budgetBytes);

        /** A page of another member's state from a push-pull. */
        void mergeRemoteState(byte[] state);
    }

    /** Sets (or, with null, removes) the application riding on this membership's traffic. */
    public void delegate(Delegate delegate) {
        this.delegate = delegate;
    }

    // ---------------------------------------------------------------- inputs

    /**
     * Joins through {@code seeds} (own address ignored): sends them our state on the reliable lane
     * and retries with doubling backoff until one answers or {@code joinAttemptsMax} rounds pass.
     * With no other seed this node starts a cluster of its own. Call once.
     */
    public void join(List<Address> seeds, long nowMs) {
        advance(nowMs);
        Invariants.require(lifecycle == Lifecycle.IDLE, "join called in state %s", lifecycle);
        startTimers(nowMs);
        joinSeeds = seeds.stream().filter(seed -> !seed.equals(localAddress)).distinct().toList();
        if (joinSeeds.isEmpty()) {
            lifecycle = Lifecycle.JOINED;
            return;
        }
        lifecycle = Lifecycle.JOINING;
        sendJoinRound(nowMs);
    }

    /**
     * Leaves gracefully: announces LEFT at the current incarnation to {@code leaveFanout} members
     * and through gossip, then stops probing. Keep driving the machine for a few gossip intervals
     * so the news spreads; members that miss it declare us dead instead.
     */
    public void leave(long nowMs) {
        advance(nowMs);
        // In ID_CONFLICT the id is another instance's: a LEFT for it would retire that instance.
        if (lifecycle == Lifecycle.LEFT || lifecycle == Lifecycle.ID_CONFLICT) return;
        lifecycle = Lifecycle.LEFT;
        probe = null;
        nextProbeAtMs = NEVER;
        nextJoinAtMs = NEVER;
        nextPushPullAtMs = NEVER;
        nextReconnectAtMs = NEVER;
        MemberTable.Entry self = table.get(localId);
        table.set(self, self.member.with(MemberState.LEFT, incarnation), nowMs);
        enqueueGossip(new Dead(localId, incarnation, localId));
        for (MemberTable.Entry peer : table.sample(config.leaveFanout(), this::isActivePeer, random)) {
            sendWithPiggyback(peer.member.address(), List.of());
        }
        notify(Kind.LEFT, self.member, nowMs);
    }

    /**
     * Replaces this node's metadata and announces it with a higher incarnation. Throws
     * IllegalArgumentException if the encoded size exceeds {@code metadataBytesMax}.
     */
    public void updateMetadata(Map<String, String> metadata, long nowMs) {
        advance(nowMs);
        Invariants.require(lifecycle != Lifecycle.LEFT, "cannot update metadata after leaving");
        if (lifecycle == Lifecycle.ID_CONFLICT) return; // stopped: nothing of ours goes out any more
        announceSelf(incarnation + 1, checkedMetadata(metadata), nowMs);
    }

    /** Feeds every message of a decoded packet, as sent from its header's address. */
    public void onPacket(Packet packet, long nowMs) {
        for (MembershipMessage message : packet.messages()) onMessage(packet.senderAddress(), message, nowMs);
    }

    /** Handles one message from the member listening at {@code from}. */
    public void onMessage(Address from, MembershipMessage message, long nowMs) {
        advance(nowMs);
        if (lifecycle == Lifecycle.ID_CONFLICT) return;
        if (lifecycle == Lifecycle.LEFT && !(message instanceof Ping)) return;
        switch (message) {
            case Ping ping -> onPing(from, ping);
            case IndirectPing request -> onIndirectPing(from, request, nowMs);
            case Ack ack -> onAck(ack);
            case Nack nack -> onNack(nack);
            case Alive alive -> apply(alive, nowMs);
            case Suspect suspect -> {
                answerStaleAccusation(from, suspect);
                apply(suspect, nowMs);
            }
            case Dead dead -> apply(dead, nowMs);
            case PushPull pushPull -> onPushPull(from, pushPull, nowMs);
            case UserData data -> onUserData(data);
        }
    }

    private void onUserData(UserData data) {
        if (delegate == null) return;
        if (data.state()) delegate.mergeRemoteState(data.payload());
        else delegate.notifyMsg(data.payload());
    }

    /** Runs every timer due at {@code nowMs}. Harmless to call early or often. */
    public void tick(long nowMs) {
        advance(nowMs);
        if (lifecycle == Lifecycle.ID_CONFLICT) return;
        expireSuspicions(nowMs);
        if (probe != null && !probe.escalated && nowMs >= probe.timeoutAtMs) escalateProbe(nowMs);
        if (probe != null && nowMs >= probe.endAtMs) probeFailed(nowMs);
        if (nowMs >= nextProbeAtMs) startProbe(nowMs);
        expireRelays(nowMs);
        if (nowMs >= nextGossipAtMs) gossipRound(nowMs);
        if (nowMs >= nextPushPullAtMs) pushPullRound(nowMs);
        if (nowMs >= nextJoinAtMs) retryJoin(nowMs);
        if (nowMs >= nextReconnectAtMs) reconnectRound(nowMs);
        reap(nowMs);
    }

    // ---------------------------------------------------------------- outputs and queries

    /** The effects produced since the last drain, in order; the internal list is cleared. */
    public List<MembershipEffect> drainEffects() {
        List<MembershipEffect> drained = List.copyOf(effects);
        effects.clear();
        return drained;
    }

    /** The earliest time at which {@link #tick} has work, or {@link #NEVER}. */
    public long nextDeadlineMs() {
        if (lifecycle == Lifecycle.ID_CONFLICT) return NEVER;
        long deadline = Math.min(Math.min(nextProbeAtMs, nextReconnectAtMs), Math.min(nextPushPullAtMs, nextJoinAtMs));
        if (probe != null) deadline = Math.min(deadline, probe.escalated ? probe.endAtMs : probe.timeoutAtMs);
        if (!gossip.isEmpty() || delegateHasBroadcasts()) deadline = Math.min(deadline, nextGossipAtMs);
        for (Relay relay : relays.values()) deadline = Math.min(deadline, relay.deadlineAtMs);
        if (!suspicionTimers.isEmpty()) deadline = Math.min(deadline, suspicionTimers.peek().atMs);
        if (!reapTimers.isEmpty()) deadline = Math.min(deadline, reapTimers.peek().atMs);
        return deadline;
    }

    /** Every known member, this node included, sorted by id. */
    public List<Member> members() {
        return table.snapshot();
    }

    public Optional<Member> member(String id) {
        MemberTable.Entry entry = table.get(id);
        return entry == null ? Optional.empty() : Optional.of(entry.member);
    }

    public Member localMember() {
        return table.get(localId).member;
    }

    /** Alive or suspect members, this node included. */
    public int activeMemberCount() {
        return table.activeCount();
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * In {@link Lifecycle#ID_CONFLICT}: the other instance holding our id, as the member that told
     * us sees it (its address, state and incarnation); otherwise empty.
     */
    public Optional<Member> idConflict() {
        return Optional.ofNullable(idConflict);
    }

    public MembershipStats stats() {
        return counters.snapshot(gossip.dropped(), awareness.score());
    }

    public String localId() {
        return localId;
    }

    public MembershipConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- the apply path (onAlive / onSuspect / onDead)

    /** Applies one gossiped update; returns true when it changed our view. */
    boolean apply(Update update, long nowMs) {
        return switch (update) {
            case Alive alive -> onAlive(alive, nowMs);
            case Suspect suspect -> onSuspect(suspect, nowMs);
            case Dead dead -> onDead(dead, nowMs);
        };
    }

    private boolean onAlive(Alive alive, long nowMs) {
        if (alive.id().equals(localId)) {
            if (!alive.address().equals(localAddress)) return claimedElsewhere(alive.address(), MemberState.ALIVE, alive.incarnation());
            return refuteStaleSelf(alive, nowMs);
        }
        if (!alive.metadata().isEmpty() && MessageCodec.metadataSizeBytes(alive.metadata()) > config.metadataBytesMax()) {
            return false; // a peer with a bigger limit; ignoring keeps our bound without crashing
        }
        Member member = new Member(alive.id(), alive.address(), MemberState.ALIVE, alive.incarnation(), alive.metadata());
        MemberTable.Entry entry = table.get(alive.id());
        if (entry == null) {
            if (table.size() >= config.membersMax()) {
                counters.membersOverLimit++;
                return false;
            }
            table.add(member, nowMs);
            probeTargets.add(member.id(), random);
            enqueueGossip(alive);
            notify(Kind.JOINED, member, nowMs);
            return true;
        }
        if (entry.isActive() && !alive.address().equals(entry.member.address())) {
            // A second instance claims an id that is alive (or suspect) at another address: two
            // processes with one id would run the same partitions. Whatever its incarnation (a new
            // process starts higher), the instance we know keeps the id until it is declared dead
            // or leaves; then a restart at a new address is welcome. A suspect one keeps it too:
            // Lifeguard exists because suspects are often alive, and admitting a twin of a live
            // node is worse than making a restarted node wait out the suspicion timeout.
            counters.idConflicts++;
            return false;
        }
        // Only the member itself raises its incarnation, so an equal or lower one is old news.
        if (alive.incarnation() <= entry.member.incarnation()) return false;
        boolean wasActive = entry.isActive();
        if (entry.member.state() == MemberState.SUSPECT || entry.member.state() == MemberState.DEAD) {
            // It answered after all: this node suspected a live member (or it restarted). See startSuspicion.
            entry.refutations = recentRefutations(entry, nowMs) + 1;
            entry.lastRefutedAtMs = nowMs;
        }
        entry.suspicion = null;
        failed.remove(alive.id());
        table.set(entry, member, nowMs);
        if (!wasActive) probeTargets.add(member.id(), random);
        enqueueGossip(alive);
        notify(wasActive ? Kind.UPDATED : Kind.JOINED, member, nowMs);
        return true;
    }

    private boolean onSuspect(Suspect suspect, long nowMs) {
        MemberTable.Entry entry = table.get(suspect.id());
        // Unknown, dead or left members are not resurrected as suspects; only their own Alive does that.
        if (entry == null || !entry.isActive() || suspect.incarnation() < entry.member.incarnation()) return false;
        if (suspect.id().equals(localId)) {
            refute(suspect.incarnation(), nowMs);
            return false;
        }
        if (entry.member.state() == MemberState.SUSPECT && suspect.incarnation() == entry.member.incarnation()) {
            // Hearsay repeats an accusation we may already count; it is never independent evidence.
            return !suspect.isSecondHand() && confirmSuspicion(entry, suspect);
        }
        table.set(entry, entry.member.with(MemberState.SUSPECT, suspect.incarnation()), nowMs);
        startSuspicion(entry, suspect.isSecondHand() ? null : suspect.fromId(), nowMs);
        counters.suspicions++;
        enqueueGossip(suspect);
        notify(Kind.SUSPECT, entry.member, nowMs);
        return true;
    }

    /** A second, independent suspecter: Lifeguard shortens the timeout and spreads the confirmation. */
    private boolean confirmSuspicion(MemberTable.Entry entry, Suspect suspect) {
        if (entry.suspicion == null || !entry.suspicion.confirm(suspect.fromId())) return false;
        suspicionTimers.add(new Timer(entry.suspicion.deadlineMs(), entry.id()));
        enqueueGossip(suspect);
        return false;
    }

    private boolean onDead(Dead dead, long nowMs) {
        MemberTable.Entry entry = table.get(dead.id());
        if (entry == null || !entry.isActive() || dead.incarnation() < entry.member.incarnation()) return false;
        if (dead.id().equals(localId)) {
            refute(dead.incarnation(), nowMs);
            return false;
        }
        MemberState state = dead.isLeave() ? MemberState.LEFT : MemberState.DEAD;
        entry.suspicion = null;
        table.set(entry, entry.member.with(state, dead.incarnation()), nowMs);
        reapTimers.add(new Timer(nowMs + config.deadReapMs(), entry.id()));
        failed.remove(entry.id());
        if (state == MemberState.DEAD) {
            counters.deaths++;
            failed.put(entry.id(), new Failed(entry.member.address(), nowMs));
            // Bounded like the member table: forget the longest-failed first.
            if (failed.size() > config.membersMax()) failed.remove(failed.keySet().iterator().next());
        }
        enqueueGossip(dead);
        notify(dead.isLeave() ? Kind.LEFT : Kind.FAILED, entry.member, nowMs);
        return true;
    }

    /**
     * Our id is alive (or suspect) at {@code address}, not ours: another process holds it. Joining,
     * we stop at once, announce nothing (not even a leave: any word about our id would be taken
     * as news of the other instance), and keep what we learned for the driver to report. Once
     * joined we only count it: the peers that know the other instance ignore our claims and those
     * that know us ignore its, so refuting would only race incarnations; and a forged packet must
     * not be able to stop a running member. Returns false (no view change).
     */
    private boolean claimedElsewhere(Address address, MemberState state, long otherIncarnation) {
        counters.idConflicts++;
        if (lifecycle != Lifecycle.JOINING && lifecycle != Lifecycle.JOIN_FAILED) return false;
        lifecycle = Lifecycle.ID_CONFLICT;
        idConflict = new Member(localId, address, state, otherIncarnation, Member.emptyMetadata());
        probe = null;
        relays.clear();
        nextProbeAtMs = nextGossipAtMs = nextPushPullAtMs = nextJoinAtMs = nextReconnectAtMs = NEVER;
        return false;
    }

    /** Someone announced us alive with other data or a newer incarnation (an earlier life): overrule it. */
    private boolean refuteStaleSelf(Alive alive, long nowMs) {
        Member self = localMember();
        boolean sameAsUs = alive.incarnation() == incarnation && alive.address().equals(localAddress)
                && alive.metadata().equals(self.metadata());
        if (alive.incarnation() >= incarnation && !sameAsUs) refute(alive.incarnation(), nowMs);
        return false;
    }

    /**
     * Buddy system, the other direction: the sender still suspects an incarnation of ours that we
     * already refuted, so it missed the refutation's gossip (which is sent a limited number of
     * times and can all be lost to one member). Answer it directly rather than let its suspicion
     * run out and declare us dead. At most one small reply per accusation received.
     */
    private void answerStaleAccusation(Address from, Suspect suspect) {
        if (!config.lifeguard() || !suspect.id().equals(localId) || suspect.incarnation() >= incarnation
                || lifecycle == Lifecycle.LEFT) {
            return;
        }
        Member self = localMember();
        sendWithPiggyback(from, List.of(new Alive(localId, incarnation, localAddress, self.metadata())));
    }

    /** Denies a suspicion or death of this node: a higher incarnation outranks it everywhere. */
    private void refute(long accusedIncarnation, long nowMs) {
        if (lifecycle == Lifecycle.LEFT) return;
        counters.refutations++;
        // Lifeguard: being suspected hints that we are the slow one; probe and accuse less eagerly.
        if (config.lifeguard()) awareness.applyDelta(1);
        announceSelf(Math.max(incarnation, accusedIncarnation) + 1, localMember().metadata(), nowMs);
    }

    private void announceSelf(long newIncarnation, SortedMap<String, String> metadata, long nowMs) {
        Invariants.check(newIncarnation > incarnation, "own incarnation must rise: %s -> %s", incarnation, newIncarnation);
        incarnation = newIncarnation;
        Member self = new Member(localId, localAddress, MemberState.ALIVE, incarnation, metadata);
        table.set(table.get(localId), self, nowMs);
        enqueueGossip(new Alive(localId, incarnation, localAddress, metadata));
        notify(Kind.UPDATED, self, nowMs);
    }

    private void startSuspicion(MemberTable.Entry entry, String fromId, long nowMs) {
        int members = table.activeCount();
        // Scaled by local health like the probes: a node that is itself slow (a cold JVM catching up
        // its partitions on a saturated host) missed acks because of itself, and at the plain
        // minimum (800 ms on 3 nodes, where no confirmation can be expected) it declared every
        // other member dead in turn, and the cluster's partitions moved with each verdict.
        // Stretched by the suspect's health too, as its last ack reported it: a member that said it was struggling
        // (a JVM just started, in long collector pauses, on a saturated host) is more likely slow than dead, and at
        // 800 ms the members of a 3-node cluster declared a restarted node dead twice in its first 30 s, each
        // verdict moving its partitions back and forth. A healthy member that dies is declared as fast as before.
        // And by how often it came back from this node's suspicions lately: in the same series a joiner whose own
        // health had recovered between its busy spells was suspected six times in 30 s, refuting each, and the
        // seventh suspicion ran out at 800 ms. Each return in the last 300 protocol periods adds one.
        // What the suspect's report and returns give is capped at SUSPECT_STRETCH_MAX: at the full 8x a joiner
        // that came back often and then really died was declared after 6.4 s, and its partitions waited for it.
        int fromSuspect = Math.min(SUSPECT_STRETCH_MAX, Math.max(entry.reportedHealth, recentRefutations(entry, nowMs)));
        int stretch = Math.min(config.awarenessMax() - 1, Math.max(awareness.score(), fromSuspect));
        long minMs = config.lifeguard()
                ? config.suspicionTimeoutMinMs(members) * (1 + stretch)
                : config.suspicionTimeoutMinMs(members);
        long maxMs = config.lifeguard() ? config.suspicionMaxTimeoutMult() * minMs : minMs;
        // Too few members to expect k independent confirmations: waiting for them would only delay.
        int expected = config.lifeguard() && members - 2 >= config.suspicionConfirmations()
                ? config.suspicionConfirmations() : 0;
        entry.suspicion = new Suspicion(fromId, nowMs, expected, minMs, maxMs);
        suspicionTimers.add(new Timer(entry.suspicion.deadlineMs(), entry.id()));
    }

    private void expireSuspicions(long nowMs) {
        while (!suspicionTimers.isEmpty() && suspicionTimers.peek().atMs <= nowMs) {
            Timer timer = suspicionTimers.poll();
            MemberTable.Entry entry = table.get(timer.memberId);
            // Timers are never cancelled; a stale one (refuted, re-suspected, already dead) is skipped here.
            if (entry == null || entry.member.state() != MemberState.SUSPECT || entry.suspicion == null
                    || entry.suspicion.deadlineMs() > nowMs) {
                continue;
            }
            apply(new Dead(entry.id(), entry.member.incarnation(), localId), nowMs);
        }
    }

    private void reap(long nowMs) {
        while (!reapTimers.isEmpty() && reapTimers.peek().atMs <= nowMs) {
            MemberTable.Entry entry = table.get(reapTimers.poll().memberId);
            if (entry == null || entry.isActive() || entry.id().equals(localId)
                    || entry.stateChangedAtMs + config.deadReapMs() > nowMs) {
                continue;
            }
            table.remove(entry.id());
            notify(Kind.REAPED, entry.member, nowMs);
        }
    }

    // ---------------------------------------------------------------- probing

    private void startProbe(long nowMs) {
        nextProbeAtMs = nowMs + scaledMs(config.probeIntervalMs());
        String targetId = probeTargets.next(this::isProbeable, () -> table.activeIdsExcept(localId), random);
        if (targetId == null) return;
        Member target = table.get(targetId).member;
        probe = new Probe(target.id(), target.address(), nextSeq(), nowMs + scaledMs(config.probeTimeoutMs()),
                nextProbeAtMs);
        List<MembershipMessage> messages = new ArrayList<>(2);
        messages.add(new Ping(probe.seq, target.id()));
        if (config.lifeguard() && target.state() == MemberState.SUSPECT) {
            // Buddy system: tell a suspect directly, so it can refute without waiting for gossip to reach it.
            messages.add(new Suspect(target.id(), target.incarnation(), localId));
        }
        sendWithPiggyback(target.address(), messages);
        counters.probesSent++;
    }

    /** No direct ack in time: ask k other members to probe the target for us. */
    private void escalateProbe(long nowMs) {
        probe.escalated = true;
        MemberTable.Entry target = table.get(probe.targetId);
        List<MemberTable.Entry> relays = table.sample(config.indirectChecks(),
                entry -> entry != target && isActivePeer(entry), random);
        // A relay's nack must arrive before our period ends; 80% of what is left leaves time for the trip back.
        int nackAfterMs = config.lifeguard() ? (int) Math.max(1, (probe.endAtMs - nowMs) * 8 / 10) : 0;
        IndirectPing request = new IndirectPing(probe.seq, probe.targetId, probe.targetAddress, nackAfterMs);
        for (MemberTable.Entry relay : relays) sendWithPiggyback(relay.member.address(), List.of(request));
        counters.indirectProbesSent += relays.size();
        probe.expectedNacks = config.lifeguard() ? relays.size() : 0;
    }

    private void probeFailed(long nowMs) {
        Probe failed = probe;
        probe = null;
        counters.probesFailed++;
        if (config.lifeguard()) {
            // Relays that did not even nack suggest our own network or CPU is the problem, not the target.
            awareness.applyDelta(failed.expectedNacks > 0 ? failed.expectedNacks - failed.nacks : 1);
        }
        MemberTable.Entry target = table.get(failed.targetId);
        if (target != null && target.isActive() && target.member.address().equals(failed.targetAddress)) {
            apply(new Suspect(target.id(), target.member.incarnation(), localId), nowMs);
        }
    }

    private void onPing(Address from, Ping ping) {
        // A ping for another id means the sender's view of this address is stale; silence lets it find out.
        if (ping.targetId().equals(localId)) {
            sendWithPiggyback(from, List.of(new Ack(ping.seq(), config.lifeguard() ? awareness.score() : 0)));
        }
    }

    private void onIndirectPing(Address from, IndirectPing request, long nowMs) {
        if (relays.size() >= config.relaysMax()) {
            counters.relaysOverLimit++;
            return;
        }
        int seq = nextSeq();
        boolean wantsNack = request.nackAfterMs() > 0;
        // The asker's wait is untrusted input: cap it so a relay slot is never held for long.
        long waitMs = wantsNack ? Math.min(request.nackAfterMs(), (long) config.awarenessMax() * config.probeIntervalMs())
                : config.probeIntervalMs();
        long deadlineAtMs = nowMs + waitMs;
        relays.put(seq, new Relay(from, request.seq(), deadlineAtMs, wantsNack));
        sendWithPiggyback(request.targetAddress(), List.of(new Ping(seq, request.targetId())));
    }

    private void onAck(Ack ack) {
        if (probe != null && ack.seq() == probe.seq) {
            counters.acksReceived++;
            if (config.lifeguard()) awareness.applyDelta(-1);
            MemberTable.Entry target = table.get(probe.targetId);
            // Untrusted input: capped at the highest score a node can have.
            if (target != null) target.reportedHealth = Math.min(ack.health(), config.awarenessMax() - 1);
            probe = null;
            return;
        }
        Relay relay = relays.remove(ack.seq());
        if (relay != null) sendWithPiggyback(relay.origin, List.of(new Ack(relay.originSeq, ack.health())));
    }

    private void onNack(Nack nack) {
        if (probe != null && nack.seq() == probe.seq) {
            probe.nacks++;
            counters.nacksReceived++;
        }
    }

    private void expireRelays(long nowMs) {
        var iterator = relays.values().iterator();
        while (iterator.hasNext()) {
            Relay relay = iterator.next();
            if (relay.deadlineAtMs > nowMs) continue;
            iterator.remove();
            if (relay.wantsNack) sendWithPiggyback(relay.origin, List.of(new Nack(relay.originSeq)));
        }
    }

    // ---------------------------------------------------------------- gossip, push-pull, join

    private void gossipRound(long nowMs) {
        nextGossipAtMs = nowMs + config.gossipIntervalMs();
        if (gossip.isEmpty() && !delegateHasBroadcasts()) return;
        // Recently dead members get gossip too, so one declared dead by mistake hears it and refutes.
        List<MemberTable.Entry> targets = table.sample(config.gossipFanout(), entry -> !entry.id().equals(localId)
                && (entry.isActive() || nowMs - entry.stateChangedAtMs < config.gossipToTheDeadMs()), random);
        for (MemberTable.Entry target : targets) {
            if (gossip.isEmpty() && !delegateHasBroadcasts()) break;
            sendWithPiggyback(target.member.address(), List.of());
        }
    }

    /**
     * Sends what the delegate (and the membership's own gossip) has queued to every active member
     * now, one packet each, instead of to {@code gossipFanout} random members at the next gossip
     * round: for news an application wants everywhere at once (a health transition). Best effort
     * like any gossip: a peer that misses the packet gets the news from the queue's remaining
     * retransmits or a push-pull. At most one such round per {@link #BROADCAST_NOW_MIN_MS}; one
     * asked for sooner is left to the next ordinary gossip round, which is at most a gossip interval away.
     */
    public void broadcastNow(long nowMs) {
        advance(nowMs);
        if (lifecycle != Lifecycle.JOINED || nowMs - lastBroadcastNowMs < BROADCAST_NOW_MIN_MS) return;
        lastBroadcastNowMs = nowMs;
        for (MemberTable.Entry peer : table.entries()) {
            if (!isActivePeer(peer)) continue;
            if (gossip.isEmpty() && !delegateHasBroadcasts()) break;
            sendWithPiggyback(peer.member.address(), List.of());
        }
    }

    private void pushPullRound(long nowMs) {
        nextPushPullAtMs = nowMs + config.pushPullIntervalMs();
        List<MemberTable.Entry> peers = table.sample(1, this::isActivePeer, random);
        if (!peers.isEmpty()) sendPushPull(peers.getFirst().member.address(), false, false);
    }

    private void onPushPull(Address from, PushPull pushPull, long nowMs) {
        // Answer with our state as it was before theirs is merged: each side then holds the union.
        if (!pushPull.reply()) sendPushPull(from, pushPull.join(), true);
        // Our own id first: a joiner whose id is taken must stop before it learns (and announces) anyone.
        for (Member member : pushPull.members()) {
            if (member.id().equals(localId)) merge(member, nowMs);
        }
        if (lifecycle == Lifecycle.ID_CONFLICT) return;
        for (Member member : pushPull.members()) {
            if (!member.id().equals(localId)) merge(member, nowMs);
        }
        if (lifecycle == Lifecycle.JOINING || lifecycle == Lifecycle.JOIN_FAILED) {
            lifecycle = Lifecycle.JOINED;
            nextJoinAtMs = NEVER;
        }
    }

    /** Turns one remote member record into the update it implies and applies it. */
    private void merge(Member remote, long nowMs) {
        if (remote.id().equals(localId) && !remote.address().equals(localAddress)) {
            // Another instance of our id; a dead or left one is a previous life, nothing to refute.
            if (remote.state().isActive()) claimedElsewhere(remote.address(), remote.state(), remote.incarnation());
            return;
        }
        MemberTable.Entry known = table.get(remote.id());
        if (known != null && known.isActive() && !known.member.address().equals(remote.address())) {
            // About another instance than the one we know: its suspicion or death is not this one's.
            if (remote.state().isActive()) counters.idConflicts++;
            return;
        }
        switch (remote.state()) {
            case ALIVE -> apply(new Alive(remote.id(), remote.incarnation(), remote.address(), remote.metadata()), nowMs);
            // A remote "dead" becomes a local suspicion: the member gets a chance to refute before we agree.
            // A sync does not say who accused, so the suspicion is second-hand: crediting the sender would
            // count a mere relay as an independent confirmation and cut Lifeguard's timeout short.
            case SUSPECT, DEAD -> apply(new Suspect(remote.id(), remote.incarnation(), remote.id()), nowMs);
            case LEFT -> apply(new Dead(remote.id(), remote.incarnation(), remote.id()), nowMs);
        }
    }

    /**
     * Heals partitions: once both sides declared each other dead, no probe or gossip crosses any
     * more, so every interval we push-pull one failed member (or a seed, when alone). A reachable
     * one learns it was declared dead and refutes; we learn its side of the cluster.
     */
    private void reconnectRound(long nowMs) {
        nextReconnectAtMs = nowMs + config.reconnectIntervalMs();
        if (lifecycle == Lifecycle.JOINING) return; // the join's own faster retries are running
        if (table.activeCount() <= 1 && !joinSeeds.isEmpty()) {
            sendPushPull(joinSeeds.get(random.nextInt(joinSeeds.size())), true, false);
            return;
        }
        failed.values().removeIf(entry -> entry.failedAtMs + config.reconnectTimeoutMs() <= nowMs);
        if (failed.isEmpty()) return;
        int skip = random.nextInt(failed.size());
        var iterator = failed.values().iterator();
        for (int i = 0; i < skip; i++) iterator.next();
        sendPushPull(iterator.next().address, false, false);
    }

    private void sendPushPull(Address to, boolean join, boolean reply) {
        if (!reply) counters.pushPulls++;
        List<Member> members = stateForSync();
        List<MembershipMessage> messages = new ArrayList<>(2);
        messages.add(new PushPull(join, reply, members));
        // The application's page gets what the members leave of half a frame, estimated as stateForSync does.
        long membersBytes = 0;
        for (Member member : members) membersBytes += estimatedSizeBytes(member);
        int budgetBytes = (int) Math.max(0, config.reliableBytesMax() / 2 - membersBytes - MessageCodec.USER_DATA_OVERHEAD_BYTES);
        byte[] state = delegate == null || budgetBytes == 0 ? null : delegate.localState(budgetBytes);
        if (state != null && state.length <= budgetBytes) messages.add(new UserData(true, state));
        effects.add(new Send(Lane.RELIABLE, to, messages));
    }

    private boolean delegateHasBroadcasts() {
        return delegate != null && delegate.hasBroadcasts();
    }

    /** Our view for a push-pull, ourselves first, cut to fit a reliable frame (estimated generously). */
    private List<Member> stateForSync() {
        List<Member> members = new ArrayList<>(table.size());
        members.add(localMember());
        long budgetBytes = config.reliableBytesMax() - 1024L;
        for (MemberTable.Entry entry : table.entries()) {
            if (entry.id().equals(localId)) continue;
            budgetBytes -= estimatedSizeBytes(entry.member);
            if (budgetBytes < 0) break;
            members.add(entry.member);
        }
        return members;
    }

    private static long estimatedSizeBytes(Member member) {
        long bytes = 32 + 3L * (member.id().length() + member.address().host().length());
        for (Map.Entry<String, String> entry : member.metadata().entrySet()) {
            bytes += 8 + 3L * (entry.getKey().length() + entry.getValue().length());
        }
        return bytes;
    }

    private void sendJoinRound(long nowMs) {
        joinRounds++;
        for (Address seed : joinSeeds) sendPushPull(seed, true, false);
        long backoffMs = Math.min(config.joinBackoffMaxMs(), (long) config.joinBackoffMinMs() << Math.min(20, joinRounds - 1));
        // Jitter keeps nodes started together from retrying in lockstep.
        nextJoinAtMs = nowMs + backoffMs + random.nextInt((int) (backoffMs / 4) + 1);
    }

    private void retryJoin(long nowMs) {
        if (lifecycle != Lifecycle.JOINING) {
            nextJoinAtMs = NEVER;
        } else if (joinRounds >= config.joinAttemptsMax()) {
            lifecycle = Lifecycle.JOIN_FAILED;
            nextJoinAtMs = NEVER;
        } else {
            sendJoinRound(nowMs);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void startTimers(long nowMs) {
        // Random phases: nodes started together must not probe and gossip in lockstep.
        nextProbeAtMs = nowMs + random.nextInt(config.probeIntervalMs());
        nextGossipAtMs = nowMs + random.nextInt(config.gossipIntervalMs());
        nextReconnectAtMs = nowMs + config.reconnectIntervalMs() / 2 + random.nextInt(config.reconnectIntervalMs());
        if (config.pushPullIntervalMs() > 0) {
            nextPushPullAtMs = nowMs + config.pushPullIntervalMs() / 2 + random.nextInt(config.pushPullIntervalMs());
        }
    }

    /** Sends {@code primary} and fills the rest of the packet with queued gossip. */
    private void sendWithPiggyback(Address to, List<MembershipMessage> primary) {
        int budgetBytes = config.packetBytesMax() - packetOverheadBytes;
        for (MembershipMessage message : primary) budgetBytes -= MessageCodec.sizeBytes(message);
        List<MembershipMessage> piggyback = gossip.take(budgetBytes, config.retransmitLimit(table.activeCount()));
        for (MembershipMessage message : piggyback) budgetBytes -= MessageCodec.sizeBytes(message);
        // The application's broadcast fills what is left, after the membership's own gossip.
        int userBudgetBytes = budgetBytes - MessageCodec.USER_DATA_OVERHEAD_BYTES;
        byte[] user = delegate == null || userBudgetBytes <= 0 ? null : delegate.broadcast(userBudgetBytes);
        if (user != null && user.length > userBudgetBytes) user = null;
        if (primary.isEmpty() && piggyback.isEmpty() && user == null) return;
        counters.gossipMessagesSent += piggyback.size();
        List<MembershipMessage> messages = new ArrayList<>(primary.size() + piggyback.size() + 1);
        messages.addAll(primary);
        messages.addAll(piggyback);
        if (user != null) messages.add(new UserData(false, user));
        effects.add(new Send(Lane.BEST_EFFORT, to, messages));
    }

    private void enqueueGossip(Update update) {
        gossip.enqueue(update.id(), update, MessageCodec.sizeBytes(update));
    }

    private void notify(Kind kind, Member member, long nowMs) {
        effects.add(new Notify(new MemberEvent(kind, member, nowMs)));
    }

    private boolean isProbeable(String id) {
        MemberTable.Entry entry = table.get(id);
        return entry != null && entry.isActive() && !id.equals(localId);
    }

    private boolean isActivePeer(MemberTable.Entry entry) {
        return entry.isActive() && !entry.id().equals(localId);
    }

    /** The member's returns from this node's suspicions in the last 300 protocol periods (older ones are forgotten). */
    private int recentRefutations(MemberTable.Entry entry, long nowMs) {
        return nowMs - entry.lastRefutedAtMs > 300L * config.probeIntervalMs() ? 0 : entry.refutations;
    }

    private long scaledMs(long durationMs) {
        return config.lifeguard() ? awareness.scaleMs(durationMs) : durationMs;
    }

    private int nextSeq() {
        return nextSeq++;
    }

    private SortedMap<String, String> checkedMetadata(Map<String, String> metadata) {
        SortedMap<String, String> meta = Member.metadataOf(metadata == null ? Map.of() : metadata);
        int sizeBytes = MessageCodec.metadataSizeBytes(meta);
        Invariants.require(sizeBytes <= config.metadataBytesMax(), "metadata of %s bytes exceeds the limit of %s",
                sizeBytes, config.metadataBytesMax());
        return meta;
    }

    private void advance(long nowMs) {
        Invariants.require(nowMs >= lastNowMs, "time went back from %s to %s ms", lastNowMs, nowMs);
        lastNowMs = nowMs;
    }
}
