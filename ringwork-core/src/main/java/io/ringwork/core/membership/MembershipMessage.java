package io.ringwork.core.membership;

import io.ringwork.core.transport.Address;

import java.util.List;
import java.util.SortedMap;

/**
 * The typed messages of the protocol. The wire codec turns bytes into these before the state
 * machine sees them (STYLE 5), so logic never parses. Sequence numbers are per sender.
 */
public sealed interface MembershipMessage {

    /** Direct probe: "are you {@code targetId}?". A node answers only probes meant for it. */
    record Ping(int seq, String targetId) implements MembershipMessage {}

    /** Asks the receiver to probe {@code target} for the sender; nack after {@code nackAfterMs} without an ack. */
    record IndirectPing(int seq, String targetId, Address targetAddress, int nackAfterMs) implements MembershipMessage {}

    /**
     * Answer to a Ping, or an IndirectPing's relayed success. {@code health} is the answering
     * member's own Lifeguard score (0 = healthy, relayed unchanged): a member that says it is
     * struggling is given longer to refute a suspicion ({@link Membership}). Older nodes send none (0).
     */
    record Ack(int seq, int health) implements MembershipMessage {
        public Ack {
            if (health < 0) throw new IllegalArgumentException("health must be >= 0: " + health);
        }

        public Ack(int seq) {
            this(seq, 0);
        }
    }

    /** Lifeguard: the relay could not reach the target, but the sender can reach the relay. */
    record Nack(int seq) implements MembershipMessage {}

    /** Gossip: {@code id} is alive at {@code incarnation}; only the member itself originates new ones. */
    record Alive(String id, long incarnation, Address address, SortedMap<String, String> metadata)
            implements Update {}

    /**
     * Gossip: {@code fromId} suspects {@code id} at {@code incarnation}. {@code fromId == id} means
     * the accuser is unknown (the suspicion came from a full-state sync): such a suspicion spreads
     * like any other but never counts as an independent confirmation.
     */
    record Suspect(String id, long incarnation, String fromId) implements Update {
        public boolean isSecondHand() {
            return id.equals(fromId);
        }
    }

    /** Gossip: {@code id} is dead at {@code incarnation}; {@code fromId == id} means it left gracefully. */
    record Dead(String id, long incarnation, String fromId) implements Update {
        public boolean isLeave() {
            return id.equals(fromId);
        }
    }

    /** Full-state sync on the reliable lane; {@code reply} is false on the request, true on the answer. */
    record PushPull(boolean join, boolean reply, List<Member> members) implements MembershipMessage {
        public PushPull {
            members = List.copyOf(members);
        }
    }

    /**
     * An application's bytes riding on the membership's traffic ({@link Membership.Delegate}):
     * a broadcast piggybacked on a gossip packet ({@code state} false), or a page of the
     * application's state sent with a push-pull ({@code state} true). The membership never reads
     * {@code payload}. A node without a delegate drops these; an older node skips the type.
     */
    record UserData(boolean state, byte[] payload) implements MembershipMessage {
        public UserData {
            java.util.Objects.requireNonNull(payload, "payload");
        }
    }

    /** The gossiped updates: one apply path handles them (STYLE 4). */
    sealed interface Update extends MembershipMessage permits Alive, Suspect, Dead {
        String id();

        long incarnation();
    }
}
