package io.ringwork.runtime.peer;

import io.ringwork.core.store.StoredState;

/**
 * A read that a node relays to a key's owner over the peer channel, and the owner's answer.
 * The owner answers from its own store through the same lookup that serves a local read, and
 * never relays a request further: {@link #HOPS_MAX} is one, and a request that says it travelled
 * more is refused.
 */
public final class RelayedRead {
    /** How many peer hops a read may take: from the node the client asked to the owner, once. */
    public static final int HOPS_MAX = 1;

    private RelayedRead() {}

    /** Read {@code key}; {@code hops} counts the relays so far, this one included. */
    public record Request(String key, int hops) {
        public Request {
            if (key == null || key.isEmpty()) throw new IllegalArgumentException("a relayed read needs a key");
            if (hops < 1 || hops > 255) throw new IllegalArgumentException("hops must be in [1, 255], got " + hops);
        }
    }

    /** What the owner said. */
    public enum Outcome {
        /** The owner holds an entry for the key (it may be a tombstone or hold no value). */
        FOUND,
        /** The owner holds nothing for the key. */
        ABSENT,
        /** The node asked does not own the key's partition; {@code owner} names the one its plan does, if any. */
        NOT_OWNER,
        /** The node cannot answer now (starting, not running the partition yet, an older peer); retry. */
        UNAVAILABLE,
        /** The request broke a rule (too many hops); retrying it unchanged does not help. */
        REFUSED
    }

    /**
     * @param state      the owner's stored entry, present exactly when the outcome is FOUND
     * @param owner      for NOT_OWNER the owner as the answering node sees it; empty when unknown or not relevant
     * @param detail     a sentence for the client's error body; empty when FOUND or ABSENT
     * @param checkpoint for FOUND and ABSENT, the owner's checkpoint of the key's partition read
     *                   before the entry (every record at or below it is reflected in the answer);
     *                   -1 when unknown (an older owner does not say)
     */
    public record Answer(Outcome outcome, StoredState state, String owner, String detail, long checkpoint) {
        public Answer {
            if ((outcome == Outcome.FOUND) != (state != null)) {
                throw new IllegalArgumentException("a state goes with FOUND and only with it, got " + outcome);
            }
            owner = owner == null ? "" : owner;
            detail = detail == null ? "" : detail;
            if (checkpoint < -1) throw new IllegalArgumentException("checkpoint " + checkpoint);
        }

        public Answer(Outcome outcome, StoredState state, String owner, String detail) {
            this(outcome, state, owner, detail, -1);
        }

        public static Answer found(StoredState state) {
            return found(state, -1);
        }

        public static Answer found(StoredState state, long checkpoint) {
            return new Answer(Outcome.FOUND, state, "", "", checkpoint);
        }

        public static Answer absent() {
            return absent(-1);
        }

        public static Answer absent(long checkpoint) {
            return new Answer(Outcome.ABSENT, null, "", "", checkpoint);
        }

        public static Answer notOwner(String owner, String detail) {
            return new Answer(Outcome.NOT_OWNER, null, owner, detail);
        }

        public static Answer unavailable(String detail) {
            return new Answer(Outcome.UNAVAILABLE, null, "", detail);
        }

        public static Answer refused(String detail) {
            return new Answer(Outcome.REFUSED, null, "", detail);
        }
    }
}
