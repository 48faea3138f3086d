package io.ringwork.sim.membership;

import io.ringwork.core.membership.MemberEvent;
import io.ringwork.sim.SimulationFailure;

import java.util.HashMap;
import java.util.Map;

/**
 * Protects refutation: while a node remembers a member, the incarnation it holds for it never
 * goes down — otherwise an old "alive" could undo a newer "dead", or a refuted suspicion return.
 * A node's memory of a member ends when it reaps it, and all its memory ends when it restarts.
 */
public final class MonotonicIncarnation implements MembershipInvariant {
    private final Map<String, Map<String, Long>> seen = new HashMap<>();

    @Override
    public void onEvent(SimMember observer, MemberEvent event, MembershipCluster cluster) {
        Map<String, Long> view = seen.computeIfAbsent(observer.id(), id -> new HashMap<>());
        String memberId = event.member().id();
        if (event.kind() == MemberEvent.Kind.REAPED) {
            view.remove(memberId);
            return;
        }
        long incarnation = event.member().incarnation();
        Long previous = view.put(memberId, incarnation);
        if (previous != null && incarnation < previous) {
            throw new SimulationFailure(cluster.seed(), String.format(
                    "MonotonicIncarnation: %s saw %s go from incarnation %d back to %d (%s) at %d ms",
                    observer.id(), memberId, previous, incarnation, event.kind(), event.atMs()));
        }
    }

    @Override
    public void onNewLife(SimMember member) {
        seen.remove(member.id());
    }
}
