package io.ringwork.sim.membership;

import io.ringwork.core.membership.MemberEvent;

/**
 * A property checked while a membership simulation runs. Implementations throw
 * {@link io.ringwork.sim.SimulationFailure} (which names the seed) the moment it breaks.
 */
public interface MembershipInvariant {

    /** Called for every event a node publishes, as it is published. */
    default void onEvent(SimMember observer, MemberEvent event, MembershipCluster cluster) {}

    /** Called when {@code member} starts a new life (first start or restart) with an empty view. */
    default void onNewLife(SimMember member) {}
}
