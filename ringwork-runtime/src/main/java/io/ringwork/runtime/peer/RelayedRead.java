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

    /** A checkpoint the answering node did not say (an older version does not). */
    public static final long UNKNOWN = io.ringwork.core.kv.KvAnswers.UNKNOWN;

    /**
     * Read {@code key}; {@code hops} counts the relays so far, this one included. With
     * {@code replica} the node answers from its own copy if it holds the key's partition, owner or
     * not (a quorum read asks each replica); without, only as the key's owner.
     */
    public record Request(String key, int hops, boolean replica) {
        public Request {
            if (key == null || key.isEmpty()) throw new IllegalArgumentException("a relayed read needs a key");
            if (hops < 1 || hops > 255) throw new IllegalArgumentException("hops must be in [1, 255], got " + hops);
        }

        public Request(String key, int hops) {
            this(key, hops, false);
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
     * @param checkpoint for FOUND and ABSENT, the answering node's checkpoint of the key's partition
     *                   read before the entry (every record at or below it is reflected in the
     *                   answer), -1 for none; {@link #UNKNOWN} when it did not say (an older node)
     * @param durable    likewise, its feed checkpoint: on the owner, every change at or below it is
     *                   held by a write quorum; {@link #UNKNOWN} when it did not say
     */
    public record Answer(Outcome outcome, StoredState state, String owner, String detail, long checkpoint, long durable) {
        public Answer {
            if ((outcome == Outcome.FOUND) != (state != null)) {
                throw new IllegalArgumentException("a state goes with FOUND and only with it, got " + outcome);
            }
            owner = owner == null ? "" : owner;
            detail = detail == null ? "" : detail;
            if (checkpoint < UNKNOWN || durable < UNKNOWN) throw new IllegalArgumentException("checkpoint " + checkpoint + ", durable " + durable);
        }

        public Answer(Outcome outcome, StoredState state, String owner, String detail) {
            this(outcome, state, owner, detail, UNKNOWN, UNKNOWN);
        }

        public static Answer found(StoredState state) {
            return found(state, UNKNOWN, UNKNOWN);
        }

        public static Answer found(StoredState state, long checkpoint, long durable) {
            return new Answer(Outcome.FOUND, state, "", "", checkpoint, durable);
        }

        public static Answer absent() {
            return absent(UNKNOWN, UNKNOWN);
        }

        public static Answer absent(long checkpoint, long durable) {
            return new Answer(Outcome.ABSENT, null, "", "", checkpoint, durable);
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
