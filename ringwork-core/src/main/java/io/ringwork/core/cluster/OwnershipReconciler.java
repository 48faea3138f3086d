package io.ringwork.core.cluster;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns a plan into what this member should start and stop running. A member stops a partition
 * as soon as the plan gives it to another; it starts one the plan gives it only when no other live
 * member still runs it (the old owner drained and released it), or after {@code handoffWaitMs}
 * (the old owner is stuck; the term fences it). After being deposed it waits
 * {@code restartBackoffMs} before running the partition again. Not thread-safe.
 */
public final class OwnershipReconciler {
    /** Partitions to start and to stop. */
    public record Decision(BitSet start, BitSet stop) {}

    private final String self;
    private final long handoffWaitMs;
    private final long restartBackoffMs;
    private final Map<Integer, Long> waitingSince = new HashMap<>();
    private final Map<Integer, Long> backoffUntil = new HashMap<>();

    public OwnershipReconciler(String self, long handoffWaitMs, long restartBackoffMs) {
        this.self = self;
        this.handoffWaitMs = handoffWaitMs;
        this.restartBackoffMs = restartBackoffMs;
    }

    public Decision decide(OwnershipPlan plan, BitSet running, long nowMs) {
        return decide(plan, running, nowMs, Map.of());
    }

    /**
     * As {@link #decide(OwnershipPlan, BitSet, long)}; {@code released} holds, per member, the
     * partitions its gossip still shows it running but that it has said it released
     * ({@link ReleaseNotices}): a partition the plan gives this member starts without waiting for them.
     */
    public Decision decide(OwnershipPlan plan, BitSet running, long nowMs, Map<String, BitSet> released) {
        BitSet start = new BitSet();
        BitSet stop = new BitSet();
        for (int p = 0; p < plan.partitionCount(); p++) {
            boolean mine = self.equals(plan.owner(p));
            if (running.get(p)) {
                if (!mine) stop.set(p);
                waitingSince.remove(p);
                continue;
            }
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
            long since = waitingSince.computeIfAbsent(p, x -> nowMs);
            if (!otherRuns || nowMs - since >= handoffWaitMs) {
                start.set(p);
                waitingSince.remove(p);
            }
        }
        return new Decision(start, stop);
    }

    /** This member was deposed from {@code partition}: do not run it again for a while. */
    public void deposed(int partition, long nowMs) {
        backoffUntil.put(partition, nowMs + restartBackoffMs);
    }
}
