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
    /** Called on the engine's commit thread; must not block. */
    void committed(int partition, long checkpoint, List<StateWrite> states, List<Change> changes,
                   List<DeadLetter> deadLetters, Runnable onDurable);

    /** A single node: the local commit is all there is. */
    Replication LOCAL = (partition, checkpoint, states, changes, deadLetters, onDurable) -> onDurable.run();
}
