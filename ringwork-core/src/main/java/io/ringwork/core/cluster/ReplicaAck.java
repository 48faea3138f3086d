package io.ringwork.core.cluster;

/**
 * A member's answer to a {@link ReplicaMessage}.
 *
 * @param seq for {@code IN_SYNC}: every commit of the term up to this one is held
 */
public record ReplicaAck(int partition, Term term, long seq, Status status) {
    public enum Status {
        /** A replica that holds every commit up to {@code seq}: counts toward the write quorum. */
        IN_SYNC,
        /** A replica receiving a snapshot: holds the writes, does not count yet. */
        CATCHING_UP,
        /** A replica that is behind or saw a gap: the owner must send a snapshot. */
        NEED_SNAPSHOT,
        /** An observer: took the changes. */
        OBSERVING,
        /** The member has seen a newer term: the sender is no longer the owner. */
        STALE_TERM
    }
}
