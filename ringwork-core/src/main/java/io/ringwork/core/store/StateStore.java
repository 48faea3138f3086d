package io.ringwork.core.store;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import java.util.List;
import java.util.function.Predicate;

/**
 * Durable per-partition state of a node: key states, checkpoints, the retained change feed, the
 * changes staged until a quorum holds them, the dead letters and the highest term seen per partition. Implementations: RocksDB in the runtime, in memory for tests and the
 * simulator. Thread-safe; {@link #write} is atomic.
 */
public interface StateStore extends AutoCloseable {
    /** The stored state of {@code key}, or null when none was ever written. */
    StoredState get(int partition, String key);

    /** The partition's checkpoint, or -1 when none was written. */
    long checkpoint(int partition);

    /**
     * Writes everything in {@code set} atomically. A writer that adds changes holds this store's
     * monitor from reading {@link #feedEnd} to this call, so feed positions never interleave.
     */
    void write(WriteSet set);

    /**
     * The highest version of any state ever written in the partition, or -1: a replica whose
     * checkpoint is at least this holds every state this store holds for it.
     */
    long high(int partition);

    /**
     * Applies writes from the partition's owner by version (see {@link ReplicatedWrite}),
     * atomically, and returns the changes it added to this node's feed, at their positions: none
     * when the write stages its changes ({@link ReplicatedWrite#stage}).
     */
    List<FeedEntry> applyReplicated(ReplicatedWrite write);

    /**
     * The partition's staged changes: written with their commits (by {@link #write} or
     * {@link #applyReplicated}) and kept as durably as they are, but not on the feed until a
     * write quorum holds them. In staging order.
     */
    List<StagedChange> staged(int partition);

    /** How many changes of the partition are staged; cheap. */
    int stagedCount(int partition);

    /**
     * Moves the partition's staged changes that the durability word covers ({@link
     * StagedChanges#covered}: commits of {@code term} up to {@code durableSeq}, and every record at
     * or below {@code durableCheckpoint}) onto the feed, in staging order, at the next positions,
     * atomically, and returns them. Positions are taken under this store's monitor, in order with
     * every other feed write.
     */
    List<FeedEntry> promote(int partition, StoredTerm term, long durableSeq, long durableCheckpoint);

    /**
     * The highest version this node fed for {@code key} while it held no state of its partition
     * (relayed, or kept when the partition was dropped), at least the partition's
     * {@link #fedFloor}, or -1. An owner or replica that starts from nothing skips changes at or
     * below it, so its feed does not repeat them. Cheap for partitions it never relayed.
     */
    long fedVersion(int partition, String key);

    /**
     * Everything at or below this version of the partition is on this node's feed already (or was
     * passed over by a catch-up by snapshot): a change at or below it is never fed again, whoever
     * sends it. -1 when none. Raised by {@link #dropPartition} and {@link #relayed}; never lowered.
     */
    long fedFloor(int partition);

    /**
     * The partition's checkpoint as far as this node's feed covers it: every change of a record at
     * or below it that this node holds is on its feed at a position below {@link #feedEnd} read
     * after this. A feed relayer that has relayed a source's feed up to that end may raise its
     * {@link #fedFloor} to it. Changes wait in staging until their commit is durable, so it is
     * below the lowest staged version, and {@link #checkpoint} when nothing is staged.
     */
    default long feedCheckpoint(int partition) {
        return checkpoint(partition);
    }

    /**
     * The highest checkpoint this node's feed of the partition jumped to by a catch-up by snapshot
     * (states only, no changes: its pages, and the commits taken during it), or -1: changes at or
     * below it may be missing from this node's feed, so it claims nothing about them to a feed
     * relay ({@code FeedRelay.serve}).
     */
    long feedGap(int partition);

    /** Records that the feed of the partition jumped to {@code checkpoint} (see {@link #feedGap}); never lowered. */
    void markFeedGap(int partition, long checkpoint);

    /**
     * Appends changes relayed from another node's feed of the partition (this node holds no state
     * of it, see {@code FeedRelay}), atomically: a change enters the feed only if its version is
     * above this node's stored state, its fed version for the key and the partition's fed floor;
     * then the fed floor rises to {@code floor} (if higher) and fed versions at or below it are
     * forgotten (the floor covers them). Returns the changes added, at their positions.
     */
    List<FeedEntry> relayed(int partition, List<io.ringwork.core.record.Change> changes, long floor);

    /**
     * Forgets the partition's state on this node (it is no longer on the partition's replica set):
     * states, checkpoint, highest version and dead letters go; the fed floor rises to the old
     * checkpoint and the versions of states above it become fed versions, so what this node fed
     * is never fed again (by a relay, or a later catch-up). The highest term seen stays (a promise
     * to other members). Atomic.
     */
    void dropPartition(int partition);

    /**
     * The partition's anti-entropy digest: the sum (modulo 2^64) of {@link StateDigest#hash} over
     * its states, 0 when it holds none. Kept up to date by every write that changes a state
     * ({@link #write}, {@link #applyReplicated}, {@link #dropPartition}), atomically with it and as
     * durably, so reading it is O(1): the owner reads it on its tick and a replica in its request
     * handler, both under the partition's lock. Equal to {@code PartitionDigest.of} (the scan that
     * is its reference) after every write.
     */
    long digest(int partition);

    /** True when this node holds any state, checkpoint or dead letter of the partition. */
    boolean holds(int partition);

    /** Up to {@code limit} states of the partition with keys after {@code afterKey} (null: from the first), in key order. */
    List<WriteSet.StateWrite> scan(int partition, String afterKey, int limit);

    /**
     * As {@link #scan}, only keys that start with {@code prefix}, after {@code afterKey} (null:
     * from the prefix's first): it stops at the first key past the prefix. A store that can
     * should not read that key's value (RocksDB's does not): a background loop that looks for a
     * few {@code session/} keys must not read a page of the partition's other states each time.
     */
    default List<WriteSet.StateWrite> scanPrefix(int partition, String prefix, String afterKey, int limit) {
        List<WriteSet.StateWrite> result = new java.util.ArrayList<>();
        String after = afterKey != null && afterKey.compareTo(prefix) >= 0 ? afterKey : null;
        int pageSize = Math.max(limit, 256);
        while (true) {
            List<WriteSet.StateWrite> page = scan(partition, after, pageSize);
            for (WriteSet.StateWrite write : page) {
                after = write.key();
                if (write.key().compareTo(prefix) < 0) continue; // before the prefix
                if (!write.key().startsWith(prefix)) return result;
                result.add(write);
                if (result.size() == limit) return result;
            }
            if (page.size() < pageSize) return result;
        }
    }

    /** The feed position the next change will get (0 for a new store). */
    long feedEnd();

    /**
     * Up to {@code limit} retained changes at feed positions >= {@code fromPosition}, in position
     * order. Old changes are trimmed by the store's retention, so the first entry returned may be
     * past {@code fromPosition}.
     */
    List<FeedEntry> changes(long fromPosition, int limit);

    /** Up to {@code limit} retained dead letters matching {@code filter}, by partition then offset. */
    List<DeadLetter> deadLetters(Predicate<DeadLetter> filter, int limit);

    /**
     * The highest term this node has seen for the partition (adopted from an owner, or started
     * under), as last given to {@link #writeTerm}; {@link StoredTerm#NONE} when none was written.
     * A node that restarts starts from it, so it never again takes or leads a term at or below it.
     */
    StoredTerm term(int partition);

    /**
     * Keeps {@code term} as the partition's highest term seen, if it is above the stored one (a
     * lower or equal term is ignored: the stored term never goes down). When this returns the
     * term is as durable as the implementation's writes are (see each), so a caller writes it
     * before it acts under the term: an owner before it sends anything of its term, a replica
     * before it answers a message of a higher term.
     */
    void writeTerm(int partition, StoredTerm term);

    @Override
    void close();
}
