package io.ringwork.core.cluster;

/**
 * What a partition's owner sends to the other members, in order, over one reliable link per
 * member. Every member keeps the partition's state and feeds its changes; replicas (the
 * preference list) count toward the write quorum, observers (the other members) do not. Each
 * message is answered by a {@link ReplicaAck}.
 */
public sealed interface ReplicaMessage {
    int partition();

    Term term();

    enum Role { REPLICA, OBSERVER }

    /**
     * Opens (or re-opens) the link for a term. A replica is in sync if its checkpoint is at least
     * {@code required}, the highest version in any state the owner holds: then it holds every
     * state the owner holds, and commits from {@code nextSeq} on keep it so. {@code checkpoint}
     * is the owner's checkpoint now (a leaving member waits until the owner is past its own).
     */
    record Hello(int partition, Term term, Role role, long nextSeq, long required, long checkpoint) implements ReplicaMessage {}

    /**
     * What an owner says when it has said nothing yet about durability in its term ({@code durableSeq}):
     * an older owner's commit, or one sent before a quorum held even the owner's starting state.
     */
    long NOTHING_DURABLE = -2;

    /**
     * One local commit of the owner: what it changes ({@code body}, defined by the partition's
     * {@link PartitionMachine}; the engine's is {@link ProcessingMachine.Writes}), the checkpoint
     * after it. {@code durableSeq} is how far the owner's commits of this term are held by a write
     * quorum as it sends this one: commits up to that number; -1 when only the state it started
     * the term from is; {@link #NOTHING_DURABLE} when not even that (or the sender predates the
     * field). A member puts a commit's changes on its feed only once it is told so.
     */
    record Commit(int partition, Term term, long seq, long checkpoint, CommitBody body, long durableSeq) implements ReplicaMessage {
        public Commit {
            java.util.Objects.requireNonNull(body, "body");
        }

        public Commit(int partition, Term term, long seq, long checkpoint, CommitBody body) {
            this(partition, term, seq, checkpoint, body, NOTHING_DURABLE);
        }
    }

    /**
     * The owner's commits of this term up to {@code durableSeq} (as in {@link Commit#durableSeq})
     * are now held by a write quorum: sent when that advanced and no commit followed to carry it.
     */
    record Durable(int partition, Term term, long durableSeq) implements ReplicaMessage {}

    /**
     * Starts a catch-up: commits from {@code nextSeq} on follow on this link; then pages of every
     * state the owner holds, read after this point, so each is at least as new as it was here.
     * {@code checkpoint} is the owner's checkpoint here and {@code required} the highest version
     * it holds: a replica that can apply the log up to {@code required} itself answers
     * {@code IN_SYNC} at once, and the pages stop.
     */
    record SnapshotBegin(int partition, Term term, long nextSeq, long checkpoint, long required) implements ReplicaMessage {}

    /** States of the snapshot, as the partition's {@link PartitionMachine} pages them ({@link PartitionMachine#snapshot}). */
    record SnapshotPage(int partition, Term term, SnapshotBody body) implements ReplicaMessage {
        public SnapshotPage {
            java.util.Objects.requireNonNull(body, "body");
        }
    }

    /** Ends a catch-up: the replica is now in sync. */
    record SnapshotEnd(int partition, Term term) implements ReplicaMessage {}

    /**
     * Anti-entropy: the owner, idle after commit {@code seq}, says what its states of the
     * partition hash to ({@link PartitionDigest}). A replica that holds exactly the commits up to
     * {@code seq} compares; if it differs, it asks for a repairing snapshot.
     */
    record Digest(int partition, Term term, long seq, long digest) implements ReplicaMessage {}

    /**
     * The owner stopped running the partition (it drained what it could; {@code checkpoint} is
     * where it stopped), sent after its last commit. The member that takes over may start at once
     * instead of waiting for the old owner's gossip to say so: see {@link ReleaseNotices}.
     */
    record Released(int partition, Term term, long checkpoint) implements ReplicaMessage {}
}
