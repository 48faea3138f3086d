package io.ringwork.core.membership;

/**
 * A change in this node's view, delivered to subscribers in the order it happened. Every accepted
 * update produces exactly one event, so a subscriber sees every incarnation a member goes through.
 */
public record MemberEvent(Kind kind, Member member, long atMs) {

    public enum Kind {
        /** A member appeared, or came back after DEAD/LEFT with a higher incarnation. */
        JOINED,
        /** An ALIVE member changed metadata, address or incarnation, or a SUSPECT one refuted. */
        UPDATED,
        /** A member failed a probe; it is still counted until declared FAILED. */
        SUSPECT,
        /** A member was declared dead (suspicion timed out, or we heard it was). */
        FAILED,
        /** A member left gracefully. */
        LEFT,
        /** A DEAD or LEFT member was forgotten after the reap timeout; its id may rejoin at any incarnation. */
        REAPED
    }
}
