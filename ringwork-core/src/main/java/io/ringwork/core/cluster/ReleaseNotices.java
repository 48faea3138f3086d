package io.ringwork.core.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What old owners said directly about partitions they released ({@link ReplicaMessage.Released}),
 * ahead of their gossip. Only the reconciler's "does another member still run it" check reads
 * them ({@link OwnershipReconciler#decide(OwnershipPlan, BitSet, long, Map)}): the member the plan
 * names as owner starts at once instead of after a gossip round. The plan itself keeps using the
 * gossip, so a member whose view is behind (it has not yet seen the new owner ready) still sees
 * the old owner running the partition and does not take it itself.
 *
 * <p>A notice holds only while the member's gossip is the one seen when the notice came (a newer
 * gossip is the better word) and for at most {@code validMs}. It is an optimisation only: a start
 * is fenced by terms, as after the reconciler's handoff wait. Not thread-safe.
 */
public final class ReleaseNotices {
    private record Notice(int partition, BitSet gossipWhenTold, long atMs) {}

    private final long validMs;
    private final Map<String, List<Notice>> byMember = new HashMap<>();

    public ReleaseNotices(long validMs) {
        this.validMs = validMs;
    }

    /** {@code member} said it released {@code partition}; {@code gossipedOwned} is its owned set as gossiped now. */
    public void released(String member, int partition, BitSet gossipedOwned, long nowMs) {
        List<Notice> notices = byMember.computeIfAbsent(member, m -> new ArrayList<>());
        notices.removeIf(n -> n.partition() == partition);
        notices.add(new Notice(partition, (BitSet) gossipedOwned.clone(), nowMs));
    }

    /** The partitions {@code member}'s gossip ({@code gossiped}) says it runs but that it has since said it released. */
    public BitSet releasedSince(String member, BitSet gossiped, long nowMs) {
        BitSet released = new BitSet();
        List<Notice> notices = byMember.get(member);
        if (notices == null) return released;
        notices.removeIf(n -> !n.gossipWhenTold().equals(gossiped) || nowMs - n.atMs() >= validMs);
        if (notices.isEmpty()) byMember.remove(member);
        for (Notice notice : notices) if (gossiped.get(notice.partition())) released.set(notice.partition());
        return released;
    }

    /** Forgets a member that left the view. */
    public void forget(String member) {
        byMember.remove(member);
    }
}
