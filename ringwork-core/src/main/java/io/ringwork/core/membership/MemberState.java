package io.ringwork.core.membership;

/**
 * What a node believes about a member. At the same incarnation the order of precedence is
 * ALIVE &lt; SUSPECT &lt; DEAD = LEFT: a suspicion overrides an alive claim and a death overrides
 * both; only the member itself can undo them, by announcing a higher incarnation (refutation).
 */
public enum MemberState {
    ALIVE,
    /** Failed a probe; declared DEAD when its suspicion timeout expires unless it refutes. */
    SUSPECT,
    /** Declared failed; kept until reaped so the news spreads and the member can learn of it. */
    DEAD,
    /** Left on purpose (graceful leave); otherwise treated like DEAD. */
    LEFT;

    /** Members in these states are probed, gossiped to and counted in the cluster size. */
    public boolean isActive() {
        return this == ALIVE || this == SUSPECT;
    }
}
