package io.ringwork.core.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What old owners said directly about partitions they released ({@link ReplicaMessage.Released}),
 * ahead of their gossip. The member taking over reads each member's gossiped {@code owned} set
 * through {@link #owned}, which leaves out a partition its owner said it released, so the
 * reconciler starts it at once instead of after a gossip round or its handoff wait.
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

    /** {@code member}'s gossiped owned set without the partitions it has since said it released. */
    public BitSet owned(String member, BitSet gossiped, long nowMs) {
        List<Notice> notices = byMember.get(member);
        if (notices == null) return gossiped;
        notices.removeIf(n -> !n.gossipWhenTold().equals(gossiped) || nowMs - n.atMs() >= validMs);
        if (notices.isEmpty()) {
            byMember.remove(member);
            return gossiped;
        }
        BitSet owned = (BitSet) gossiped.clone();
        for (Notice notice : notices) owned.clear(notice.partition());
        return owned;
    }

    /** Forgets a member that left the view. */
    public void forget(String member) {
        byMember.remove(member);
    }
}
