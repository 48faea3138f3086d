package io.ringwork.runtime.processing;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import java.util.List;

/**
 * Told about every commit on the engine's commit thread, twice: once as it is written to the
 * local store, and once more after it is handed to replication (it is durable when a quorum holds
 * it, later). Both must be quick and must not block (hand work off to another thread).
 */
public interface EngineListener {
    /**
     * Right after the commit's local write, under the store's monitor (and, in a cluster, the
     * locks of the commit's partitions), so that feed positions are published in order: publish,
     * nothing else.
     *
     * @param changes     changes fed at once (the commit was durable as written), at their feed
     *                    positions, in feed order; staged changes come later, through the store
     * @param deadLetters records rejected in this commit
     * @param skipped     records skipped as duplicates (offset at or below the key's version)
     */
    void committed(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped);

    /**
     * The same commit, after its parts are queued for the other replicas, holding no lock: for
     * counting. {@code changes} are every applied record's change, at position -1 where it was
     * staged (it reaches the feed once durable, through the store's feed listener). Slow work here (a first use that registers meters) delays the next commit but no
     * replica's write and no other partition's hand-off.
     */
    default void counted(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped) {}

    /** The engine stopped on an unrecoverable error (a storage failure, a bug); the node must stop. */
    default void failed(Throwable cause) {}

    EngineListener NONE = (changes, deadLetters, skipped) -> {};
}
