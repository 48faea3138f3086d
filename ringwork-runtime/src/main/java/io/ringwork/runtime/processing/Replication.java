package io.ringwork.runtime.processing;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.List;

/**
 * Where the engine hands each partition's part of a local commit so that other members hold it
 * too. The engine counts the records as applied (releases their in-flight permits and moves the
 * partition's published checkpoint) only when {@code onDurable} runs, which the implementation
 * calls once a write quorum holds the commit, in commit order per partition, from any thread.
 */
public interface Replication {
    /** Called on the engine's commit thread, inside {@link #writing}; must not block. */
    void committed(int partition, long checkpoint, List<StateWrite> states, List<Change> changes,
                   List<DeadLetter> deadLetters, Runnable onDurable);

    /**
     * Runs {@code write}: the local store write of one commit touching {@code partitions}
     * (ascending) followed by its {@link #committed} calls. Nothing that reads those partitions'
     * states for replication (snapshot pages, digests, a Hello's requirement) may run in between:
     * it would see a state whose commit is not yet on the wire, and a follower would get the state
     * ahead of its change, which then looks like a duplicate and never reaches that node's feed.
     */
    default void writing(int[] partitions, Runnable write) {
        write.run();
    }

    /**
     * Where the changes of {@code partition}'s next commit wait until a write quorum holds it, or
     * null to feed them at once: a commit durable the moment it is made (a single node, or a member
     * that is a quorum alone with nothing pending). Called on the engine's commit thread inside
     * {@link #writing}, right before the store write whose {@link #committed} follows; must not block.
     */
    default io.ringwork.core.store.Stage stage(int partition) {
        return null;
    }

    /** A single node: the local commit is all there is. */
    Replication LOCAL = (partition, checkpoint, states, changes, deadLetters, onDurable) -> onDurable.run();
}
