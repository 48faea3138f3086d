package io.ringwork.sim.membership;

import io.ringwork.core.membership.MemberEvent;
import io.ringwork.sim.SimulationFailure;

/**
 * Protects accuracy: with a perfect network (no loss, partition or pause) no node may declare a
 * running member dead. Add it to runs whose network is perfect, or to runs whose loss Lifeguard
 * is required to absorb (10 % in issue 3's acceptance); a member that was ever paused, crashed or
 * left is not "running" for this purpose.
 */
public final class NoFalseDeath implements MembershipInvariant {
    @Override
    public void onEvent(SimMember observer, MemberEvent event, MembershipCluster cluster) {
        if (event.kind() != MemberEvent.Kind.FAILED) return;
        SimMember accused = cluster.member(event.member().id());
        if (accused != null && accused.status() == SimMember.Status.RUNNING && !accused.wasEverPaused()) {
            throw new SimulationFailure(cluster.seed(), String.format(
                    "NoFalseDeath: %s declared running member %s dead at incarnation %d at %d ms",
                    observer.id(), accused.id(), event.member().incarnation(), event.atMs()));
        }
    }
}
