package io.ringwork.core.store;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import java.util.List;

/**
 * Writes that came from a partition's owner, applied by version: a state replaces the stored one
 * only if its version is higher; a change is kept (staged, or fed) only if its version is higher
 * than any the node holds or fed for its key.
 *
 * @param holdsState false on an observer: only the changes are kept
 * @param checkpoint the partition's new checkpoint, or -1 to leave it
 * @param repair     anti-entropy found this replica different from its owner: a state also
 *                   replaces a stored one of the same version whose bytes differ
 * @param stage      where the new changes wait until a quorum holds them ({@link StateStore#promote});
 *                   null puts them on the feed at once (tests of the store only)
 */
public record ReplicatedWrite(int partition, List<WriteSet.StateWrite> states, List<Change> changes,
                              List<DeadLetter> deadLetters, long checkpoint, boolean holdsState, boolean repair,
                              Stage stage) {
    public ReplicatedWrite(int partition, List<WriteSet.StateWrite> states, List<Change> changes,
                           List<DeadLetter> deadLetters, long checkpoint, boolean holdsState) {
        this(partition, states, changes, deadLetters, checkpoint, holdsState, false, null);
    }

    public ReplicatedWrite(int partition, List<WriteSet.StateWrite> states, List<Change> changes,
                           List<DeadLetter> deadLetters, long checkpoint, boolean holdsState, boolean repair) {
        this(partition, states, changes, deadLetters, checkpoint, holdsState, repair, null);
    }

    /** True when {@code incoming} should replace {@code stored} (null: nothing stored). */
    public boolean replaces(StoredState stored, StoredState incoming) {
        if (stored == null || stored.version() < incoming.version()) return true;
        return repair && stored.version() == incoming.version() && !java.util.Arrays.equals(stored.toBytes(), incoming.toBytes());
    }

    public ReplicatedWrite {
        states = List.copyOf(states);
        changes = List.copyOf(changes);
        deadLetters = List.copyOf(deadLetters);
    }
}
