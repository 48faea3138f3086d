package io.ringwork.core.membership;

import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;

import java.util.List;

/**
 * What the state machine asks its driver to do. The driver (runtime or simulator) encodes and
 * sends, or hands events to subscribers; the state machine never touches a network itself.
 */
public sealed interface MembershipEffect {

    /** Send {@code messages} to {@code to} as one packet (best-effort) or one frame (reliable). */
    record Send(Lane lane, Address to, List<MembershipMessage> messages) implements MembershipEffect {
        public Send {
            messages = List.copyOf(messages);
        }
    }

    /** Tell subscribers about a change of view. */
    record Notify(MemberEvent event) implements MembershipEffect {}
}
