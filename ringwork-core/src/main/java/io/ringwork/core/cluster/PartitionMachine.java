package io.ringwork.core.cluster;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StoredTerm;
import java.util.List;

/**
 * The state machine one replicated partition holds on one member: what {@link PartitionLeader}
 * and {@link PartitionFollower} replicate without reading it. Replication owns commit numbers,
 * terms and their promises, the quorum, the fence and the durable frontier; the machine owns the
 * state, how a commit's {@link CommitBody} and a snapshot's {@link SnapshotBody} change it, and
 * its checkpoint. The processing engine's states are one instance ({@link ProcessingMachine});
 * the key-value store and coordination are meant to be others. As in Kafka's group coordinator
 * shards, everything that changes the state on a replica goes through one path per kind of input:
 * {@link #apply} for commits, {@link #install} for snapshot pages, {@link #replay} for the log.
 *
 * <p>Contract every instance keeps, which the replica invariant rests on: <em>every record at or
 * below {@link #checkpoint} is reflected in the state</em>; writes are by version (a write never
 * replaces a newer state), so applying a commit or a chunk twice, or a partial catch-up, is
 * harmless. One instance per partition and member. Not thread-safe: the leader or follower that
 * calls it is serialised by its caller.
 */
public interface PartitionMachine {
    int partition();

    // ---------------------------------------------------------------- standing

    /** The offset every record at or below which is reflected in the state, or -1. */
    long checkpoint();

    /**
     * The highest version of any state held, or -1: a replica whose {@link #checkpoint} is at least
     * the owner's {@code high} holds everything the owner holds (a Hello's {@code required}).
     */
    long high();

    // ---------------------------------------------------------------- commits

    /**
     * Applies one commit's body on a replica, by version, atomically.
     *
     * @param checkpoint the new checkpoint, or -1 to leave it (the follower moves it only along an
     *                   unbroken run of commits)
     * @param holdsState false on an observer: only what feeds the node is kept
     * @param stage      where what the body feeds waits until a write quorum holds its commit
     *                   ({@link #promote}); null feeds it at once
     * @return what entered this node's feed now (nothing when staged)
     */
    List<FeedEntry> apply(CommitBody body, long checkpoint, boolean holdsState, Stage stage);

    // ---------------------------------------------------------------- snapshots

    /** A page of a snapshot as read by the owner: {@code body} is null when {@code size} is 0. */
    record SnapshotRead(SnapshotBody body, int size, String lastKey) {}

    /**
     * Up to {@code max} states with keys after {@code afterKey} (null: from the first), in key
     * order, each at least as new as it was when the snapshot began.
     */
    SnapshotRead snapshot(String afterKey, int max);

    /**
     * Installs one snapshot page on a replica, by version. Unless {@code repair}, the node's feed
     * jumps here (the page brings states, not their changes): the machine marks the gap up to the
     * highest of {@code snapshotCheckpoint} and the page's versions before it writes, so a node that
     * takes over mid-snapshot claims none of those versions to a feed relay. With {@code repair}
     * (anti-entropy found a difference) a state of the same version whose bytes differ is
     * replaced too.
     */
    void install(SnapshotBody page, long snapshotCheckpoint, boolean repair);

    /** The snapshot is complete: the feed gap reaches {@code checkpoint}, marked first, then the checkpoint moves there. */
    void finishSnapshot(long checkpoint);

    /**
     * The node's feed jumps to {@code upTo} without a page: a commit taken during a snapshot
     * catch-up (not a repair) brings states whose earlier changes this feed never had, whether or
     * not a page follows. The machine marks the gap as {@link #install} does, before the commit is
     * applied. A machine without a feed ignores it.
     */
    void feedJumps(long upTo);

    // ---------------------------------------------------------------- anti-entropy

    /**
     * An order-free digest of the state: replicas with the same states have the same digest. It is
     * read on an owner's tick and a replica's peer thread under the partition's monitor, so it must
     * be cheap: kept up to date on every write, not computed by a scan.
     */
    long digest();

    // ---------------------------------------------------------------- catch-up from the log

    /** Whether this machine can catch up by replaying the shared log (else: snapshots only). */
    boolean replaysLog();

    /** What one chunk of a catch-up did: the offset to read next (-1: it cannot go on), and what entered the feed. */
    record Replayed(long nextOffset, List<FeedEntry> fed) {}

    /**
     * Replays {@code records} (in offset order; those past {@code upTo} are ignored) through the
     * same apply path as the owner, over the states held, skipping by version what is held; the
     * checkpoint moves to {@code upTo} with the chunk that reaches it, not before. An empty chunk
     * gives up ({@code nextOffset} -1); a chunk whose records are all past {@code upTo} reaches it
     * (the log's offsets skipped over the rest, see {@code RecordLog}). Only called when
     * {@link #replaysLog}.
     */
    Replayed replay(List<Record> records, long upTo, Stage stage);

    // ---------------------------------------------------------------- feed after durability

    /** Moves what the durability word covers from staging onto the feed (see {@code StateStore.promote}). */
    List<FeedEntry> promote(StoredTerm term, long durableSeq, long durableCheckpoint);

    /** How much waits in staging: a bound for the follower, and the owner's "durable at once" test. */
    int stagedCount();

    // ---------------------------------------------------------------- the promise

    /** The highest term this member has seen for the partition, durable across restarts. */
    StoredTerm term();

    /** Keeps {@code term} durably (never lowered) before the caller acts under it. */
    void writeTerm(StoredTerm term);
}
