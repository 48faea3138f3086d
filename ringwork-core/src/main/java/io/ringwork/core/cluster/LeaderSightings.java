package io.ringwork.core.cluster;

import java.util.HashMap;
import java.util.Map;

/**
 * Which member this node last heard leading each partition, from the owners' own replication
 * messages (a {@link ReplicaMessage.Hello}, a commit, a snapshot page: anything sent under a term
 * by that term's node), ahead of gossip. The reconciler counts such a member as running the
 * partition ({@link OwnershipReconciler#decide(OwnershipPlan, java.util.BitSet, long, Map,
 * java.util.function.IntToLongFunction, java.util.function.IntFunction)}).
 *
 * <p>Why: a member whose view is behind can see the old owner's gossip drop a partition before it
 * sees the new owner's say it took it, or before it even sees the new owner join. Its plan then
 * names itself owner (the first ready replica), nobody seems to run the partition, and it starts
 * it under a newer term, deposing the new owner, which backs off: the partition bounced and
 * stalled for up to 1.4 s (the simulator's join runs, {@code ./ringwork bench join-sim}). The new
 * owner's Hello had reached that member 200 ms before it started.
 *
 * <p>A sighting ends with the leader's {@link ReplicaMessage.Released} for its term; when its
 * gossip, having shown it running the partition, no longer does ({@link #compare}: it stopped, and
 * the gossip came before its {@code Released}, as it often does on real processes); when the node
 * that keeps it sees the leader leave its view ({@link #forget}: it died, and its partitions must
 * fail over at once); or {@code validMs} after the leader's last message (an idle partition). A
 * gossip that never showed the leader running the partition ends nothing: it may be older than
 * the leader's start. An ended sighting keeps its term, and messages of an older term open no new
 * one: a leader deposed while paused sends its queued messages when it resumes, after the newer
 * owner released the partition (a chaos run: without this, a member held two partitions for the
 * full 2.5 s). Memory: one entry per partition heard of. It is an optimisation only: a start is
 * fenced by terms. Not thread-safe.
 */
public final class LeaderSightings {
    private static final class Sighting {
        final Term term;
        long atMs;
        /** The leader's gossip has shown it running the partition since it was first heard. */
        boolean gossiped;
        /** Over (released, or its gossip dropped it): kept so that no older term opens a new one. */
        boolean ended;

        Sighting(Term term, long atMs) {
            this.term = term;
            this.atMs = atMs;
        }
    }

    private final long validMs;
    private final Map<Integer, Sighting> byPartition = new HashMap<>();

    /** @param validMs how long a leader counts as running a partition after its last message */
    public LeaderSightings(long validMs) {
        this.validMs = validMs;
    }

    /** {@code message} came from {@code from}; only a term's own node counts as its leader, and only with an epoch in range. */
    public void heard(String from, ReplicaMessage message, long nowMs) {
        Term term = message.term();
        // A term above the bound is refused by the follower too; kept here, it would shut out every real leader.
        if (!term.node().equals(from) || !term.inRange()) return;
        int p = message.partition();
        Sighting last = byPartition.get(p);
        if (last != null && term.compareTo(last.term) < 0) return; // a deposed leader's late word
        if (message instanceof ReplicaMessage.Released) {
            if (last == null || !last.term.equals(term)) byPartition.put(p, last = new Sighting(term, nowMs));
            last.ended = true;
            return;
        }
        if (last != null && last.term.equals(term)) last.atMs = nowMs;
        else byPartition.put(p, new Sighting(term, nowMs));
    }

    /**
     * Reads the gossip as {@code plan} has it: a sighted leader it shows running the partition is
     * noted; one it showed before and no longer shows has stopped, and its sighting ends.
     */
    public void compare(OwnershipPlan plan) {
        byPartition.forEach((p, sighting) -> {
            boolean runs = plan.runs(sighting.term.node(), p);
            if (runs) sighting.gossiped = true;
            else if (sighting.gossiped) sighting.ended = true;
        });
    }

    /** Forgets {@code member}'s sightings: it left the view. */
    public void forget(String member) {
        byPartition.values().forEach(s -> {
            if (s.term.node().equals(member)) s.ended = true;
        });
    }

    /** The member heard leading {@code partition} within the last {@code validMs}, or null. */
    public String leader(int partition, long nowMs) {
        Sighting last = byPartition.get(partition);
        if (last == null || last.ended) return null;
        if (nowMs - last.atMs >= validMs) {
            last.ended = true;
            return null;
        }
        return last.term.node();
    }
}
