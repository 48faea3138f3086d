package io.ringwork.core.cluster;

import io.ringwork.core.util.Invariants;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntToLongFunction;

/**
 * Turns a plan into what this member should start and stop running. A member stops a partition
 * once the plan gives it to another; it starts one the plan gives it only when no other live
 * member still runs it (the old owner drained and released it), or after {@code handoffWaitMs}
 * (the old owner is stuck; the term fences it). After being deposed it waits
 * {@code restartBackoffMs} before running the partition again. Not thread-safe.
 *
 * <p>The handoff gate: gossip says the new owner is ready, but only this owner's own link shows
 * whether it answers now. A joining node announces each partition ready as soon as that one is in
 * sync, while it is still catching up others over the same links; a node can be paused or starved
 * right after it announced. Handing the partition to it then stalls the partition until it
 * answers. So a member keeps running a partition the plan moved away while the new owner owes it
 * answers on that partition for more than {@code handoffLagMs}, at most {@code handoffGateMs}
 * (then it hands off anyway). The old owner keeps processing meanwhile, so the wait costs no
 * record any delay. The new owner's own wait ({@code handoffWaitMs}, longer) starts when it sees
 * itself ready, which can be before the old owner hears of it; if it runs out first, the new owner
 * starts under a newer term and deposes the old one, as with any stuck owner.
 */
public final class OwnershipReconciler {
    /** Partitions to start and to stop. */
    public record Decision(BitSet start, BitSet stop) {}

    private final String self;
    private final long handoffWaitMs;
    private final long restartBackoffMs;
    private final Map<Integer, Long> waitingSince = new HashMap<>();
    private final Map<Integer, Long> backoffUntil = new HashMap<>();
    private final long handoffLagMs;
    private final long handoffGateMs;
    /** Partitions the plan moved away whose stop waits for the new owner to answer, since when. */
    private final Map<Integer, Long> gatedSince = new HashMap<>();
    private long gateHolds;
    private long gateTimeouts;
    /** Partitions whose start a sighting holds now (no gossip shows anyone running them), by the member heard. */
    private final Map<Integer, String> heldBySighting = new HashMap<>();
    private long sightingHolds;

    /** Without the handoff gate: a partition the plan moves away stops at once. */
    public OwnershipReconciler(String self, long handoffWaitMs, long restartBackoffMs) {
        this(self, handoffWaitMs, restartBackoffMs, Long.MAX_VALUE, 0);
    }

    /**
     * @param handoffLagMs  the new owner answers "now" when it owes nothing older than this
     * @param handoffGateMs the longest a stop waits for that; below {@code handoffWaitMs}
     */
    public OwnershipReconciler(String self, long handoffWaitMs, long restartBackoffMs, long handoffLagMs, long handoffGateMs) {
        Invariants.require(handoffGateMs < handoffWaitMs || handoffGateMs == 0,
                "the handoff gate (%s ms) must be shorter than the handoff wait (%s ms)", handoffGateMs, handoffWaitMs);
        this.self = self;
        this.handoffWaitMs = handoffWaitMs;
        this.restartBackoffMs = restartBackoffMs;
        this.handoffLagMs = handoffLagMs;
        this.handoffGateMs = handoffGateMs;
    }

    public Decision decide(OwnershipPlan plan, BitSet running, long nowMs) {
        return decide(plan, running, nowMs, Map.of(), p -> 0);
    }

    public Decision decide(OwnershipPlan plan, BitSet running, long nowMs, Map<String, BitSet> released) {
        return decide(plan, running, nowMs, released, p -> 0);
    }

    /**
     * As {@link #decide(OwnershipPlan, BitSet, long)}; {@code released} holds, per member, the
     * partitions its gossip still shows it running but that it has said it released
     * ({@link ReleaseNotices}): a partition the plan gives this member starts without waiting for them.
     * {@code newOwnerLagMs} tells, for a partition this member runs, how long the plan's owner has
     * owed it an answer on that partition ({@link PartitionLeader#answerLagMs}): the handoff gate.
     */
    public Decision decide(OwnershipPlan plan, BitSet running, long nowMs, Map<String, BitSet> released,
                           IntToLongFunction newOwnerLagMs) {
        return decide(plan, running, nowMs, released, newOwnerLagMs, p -> null);
    }

    /**
     * As {@link #decide(OwnershipPlan, BitSet, long, Map, IntToLongFunction)}; {@code heardLeading}
     * names the member this one heard leading a partition lately ({@link LeaderSightings}), or
     * null: that member counts as running it, whatever its gossip says yet, and even if it is not
     * yet in this member's view (a joiner that took the partition).
     */
    public Decision decide(OwnershipPlan plan, BitSet running, long nowMs, Map<String, BitSet> released,
                           IntToLongFunction newOwnerLagMs, IntFunction<String> heardLeading) {
        BitSet start = new BitSet();
        BitSet stop = new BitSet();
        for (int p = 0; p < plan.partitionCount(); p++) {
            boolean mine = self.equals(plan.owner(p));
            if (running.get(p) || !mine) heldBySighting.remove(p);
            if (running.get(p)) {
                waitingSince.remove(p);
                if (mine) {
                    gatedSince.remove(p);
                } else if (handOff(plan, p, nowMs, newOwnerLagMs)) {
                    stop.set(p);
                    gatedSince.remove(p);
                }
                continue;
            }
            gatedSince.remove(p);
            if (!mine) {
                waitingSince.remove(p);
                continue;
            }
            if (nowMs < backoffUntil.getOrDefault(p, Long.MIN_VALUE)) continue;
            boolean otherRuns = false;
            for (String member : plan.members()) {
                if (member.equals(self) || !plan.runs(member, p)) continue;
                BitSet said = released.get(member);
                if (said == null || !said.get(p)) otherRuns = true;
            }
            String heard = heardLeading.apply(p);
            boolean sighted = heard != null && !heard.equals(self);
            boolean heldOnlyBySighting = sighted && !otherRuns;
            otherRuns |= sighted;
            long since = waitingSince.computeIfAbsent(p, x -> nowMs);
            if (!otherRuns || nowMs - since >= handoffWaitMs) {
                start.set(p);
                waitingSince.remove(p);
                heldBySighting.remove(p);
            } else if (heldOnlyBySighting) {
                if (heldBySighting.put(p, heard) == null) sightingHolds++;
            } else {
                heldBySighting.remove(p);
            }
        }
        return new Decision(start, stop);
    }

    /**
     * Whether to stop running {@code p}, which the plan gives to another member, now: at once when
     * the gate is off or that member already runs it (two runners: the sooner one stops, the
     * better); else once it answers, or when the gate's time is up.
     */
    private boolean handOff(OwnershipPlan plan, int p, long nowMs, IntToLongFunction newOwnerLagMs) {
        String owner = plan.owner(p);
        if (handoffGateMs == 0 || owner == null || plan.runs(owner, p)) return true;
        boolean answers = newOwnerLagMs.applyAsLong(p) <= handoffLagMs;
        Long since = gatedSince.get(p);
        if (since == null) {
            if (answers) return true;
            gatedSince.put(p, nowMs);
            gateHolds++;
            return false;
        }
        if (answers) return true;
        if (nowMs - since < handoffGateMs) return false;
        gateTimeouts++;
        return true;
    }

    /** Stops the handoff gate held (the new owner did not answer at first). */
    public long gateHolds() {
        return gateHolds;
    }

    /** Of those, the stops that went ahead when the gate's time was up, the new owner still not answering. */
    public long gateTimeouts() {
        return gateTimeouts;
    }

    /**
     * Starts held because this member heard another lead the partition while no gossip showed
     * anyone running it ({@link LeaderSightings}), counted once per hold.
     */
    public long sightingHolds() {
        return sightingHolds;
    }

    /** The member whose sighting holds {@code partition}'s start now, or null (for logs and tests). */
    public String heldBySighting(int partition) {
        return heldBySighting.get(partition);
    }

    /** Whether {@code partition}'s stop is held by the handoff gate now (for logs and tests). */
    public boolean gated(int partition) {
        return gatedSince.containsKey(partition);
    }

    /** This member was deposed from {@code partition}: do not run it again for a while. */
    public void deposed(int partition, long nowMs) {
        backoffUntil.put(partition, nowMs + restartBackoffMs);
    }
}
