package io.ringwork.sim.membership;

import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberState;

import java.util.List;
import java.util.Optional;

/**
 * Protects liveness: once faults heal, every running node must see every running node ALIVE and
 * every crashed or departed node as not active (DEAD, LEFT or forgotten). Paused nodes are
 * ignored until resumed. {@link #divergence} is the check; {@link MembershipCluster#awaitConvergence}
 * runs the simulation until it passes or a deadline fails the run with its seed.
 */
public final class ViewConvergence {
    private ViewConvergence() {}

    /** The first disagreement found, or empty when all running nodes agree with reality. */
    public static Optional<String> divergence(MembershipCluster cluster) {
        List<SimMember> running = cluster.members().stream().filter(m -> m.status() == SimMember.Status.RUNNING).toList();
        for (SimMember observer : running) {
            for (SimMember subject : cluster.members()) {
                if (subject == observer || subject.status() == SimMember.Status.PAUSED) continue;
                Member seen = observer.membership().member(subject.id()).orElse(null);
                boolean expectedAlive = subject.status() == SimMember.Status.RUNNING;
                boolean seenAlive = seen != null && seen.state() == MemberState.ALIVE;
                boolean seenActive = seen != null && seen.state().isActive();
                if (expectedAlive && !seenAlive) {
                    return Optional.of(observer.id() + " sees running " + subject.id() + " as "
                            + (seen == null ? "unknown" : seen.state()));
                }
                if (!expectedAlive && seenActive) {
                    return Optional.of(observer.id() + " sees " + subject.status() + " " + subject.id() + " as " + seen.state());
                }
            }
        }
        return Optional.empty();
    }
}
