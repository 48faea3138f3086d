package io.ringwork.core.cluster;

import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.ReplicatedWrite;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The processing engine's partition as a {@link PartitionMachine}: keyed states in a
 * {@link StateStore}, changed by the owner's commits ({@link Writes}: new states, their changes and
 * dead letters), by snapshot pages of states ({@link Page}), and by the shared log through the one
 * apply path, {@link RecordApplier}. Everything goes through {@link StateStore#applyReplicated}, by
 * version. Not thread-safe (see the interface); the store is.
 */
public final class ProcessingMachine implements PartitionMachine {
    /** The machine kind of the engine's bodies: the peer codec writes them as it always has. */
    public static final int KIND = 0;

    /** A commit of the engine: the states it wrote, their changes and its dead letters. */
    public record Writes(List<StateWrite> states, List<Change> changes, List<DeadLetter> deadLetters) implements CommitBody {
        public Writes {
            states = List.copyOf(states);
            changes = List.copyOf(changes);
            deadLetters = List.copyOf(deadLetters);
        }

        @Override
        public int machine() {
            return KIND;
        }
    }

    /** A snapshot page of the engine: states in key order. */
    public record Page(List<StateWrite> states) implements SnapshotBody {
        public Page {
            states = List.copyOf(states);
        }

        @Override
        public int machine() {
            return KIND;
        }
    }

    private final int partition;
    private final StateStore store;
    private final RecordApplier applier;

    /** @param applier the one apply path, to catch up from the log; null: snapshots only */
    public ProcessingMachine(int partition, StateStore store, RecordApplier applier) {
        this.partition = partition;
        this.store = store;
        this.applier = applier;
    }

    /** A machine over {@code store} that catches up by snapshot only (no applier). */
    public static ProcessingMachine of(int partition, StateStore store) {
        return new ProcessingMachine(partition, store, null);
    }

    /** A commit of the engine's writes, the durable frontier not said ({@link ReplicaMessage#NOTHING_DURABLE}). */
    public static ReplicaMessage.Commit commit(int partition, Term term, long seq, long checkpoint, List<StateWrite> states,
                                               List<Change> changes, List<DeadLetter> deadLetters) {
        return commit(partition, term, seq, checkpoint, states, changes, deadLetters, ReplicaMessage.NOTHING_DURABLE);
    }

    public static ReplicaMessage.Commit commit(int partition, Term term, long seq, long checkpoint, List<StateWrite> states,
                                               List<Change> changes, List<DeadLetter> deadLetters, long durableSeq) {
        return new ReplicaMessage.Commit(partition, term, seq, checkpoint, new Writes(states, changes, deadLetters), durableSeq);
    }

    public static ReplicaMessage.SnapshotPage page(int partition, Term term, List<StateWrite> states) {
        return new ReplicaMessage.SnapshotPage(partition, term, new Page(states));
    }

    @Override
    public int partition() {
        return partition;
    }

    public StateStore store() {
        return store;
    }

    @Override
    public long checkpoint() {
        return store.checkpoint(partition);
    }

    @Override
    public long high() {
        return store.high(partition);
    }

    @Override
    public List<FeedEntry> apply(CommitBody body, long checkpoint, boolean holdsState, Stage stage) {
        Writes writes = writes(body);
        return store.applyReplicated(new ReplicatedWrite(partition, writes.states(), writes.changes(), writes.deadLetters(),
                checkpoint, holdsState, false, stage));
    }

    @Override
    public SnapshotRead snapshot(String afterKey, int max) {
        List<StateWrite> states = store.scan(partition, afterKey, max);
        if (states.isEmpty()) return new SnapshotRead(null, 0, afterKey);
        return new SnapshotRead(new Page(states), states.size(), states.get(states.size() - 1).key());
    }

    @Override
    public void install(SnapshotBody page, long snapshotCheckpoint, boolean repair) {
        Invariants.require(page instanceof Page, "partition %s: a snapshot page of machine %s, not the engine's", partition, page.machine());
        List<StateWrite> states = ((Page) page).states();
        if (!repair) {
            // The states jump with the first page, not at the end: a node that takes the partition
            // over mid-snapshot holds versions whose changes its feed never had, and must not claim
            // them to a feed relay (simulator seed 745).
            long jump = snapshotCheckpoint;
            for (StateWrite state : states) jump = Math.max(jump, state.state().version());
            store.markFeedGap(partition, jump);
        }
        store.applyReplicated(new ReplicatedWrite(partition, states, List.of(), List.of(), -1, true, repair));
    }

    @Override
    public void finishSnapshot(long checkpoint) {
        // The feed jumps here: marked first, so a crash in between only makes this node claim less
        // to a feed relay, never more.
        store.markFeedGap(partition, checkpoint);
        store.applyReplicated(new ReplicatedWrite(partition, List.of(), List.of(), List.of(), checkpoint, true));
    }

    @Override
    public void feedJumps(long upTo) {
        store.markFeedGap(partition, upTo); // never lowered; a write only when it rises
    }

    /** Kept up to date by every write of the store, so reading it costs nothing ({@link StateStore#digest}). */
    @Override
    public long digest() {
        return store.digest(partition);
    }

    @Override
    public boolean replaysLog() {
        return applier != null;
    }

    /**
     * Applies the chunk through {@link RecordApplier}, over the stored states (each key loaded once
     * per chunk; the chunk before wrote its states, by version, so they are read back here), and
     * writes it in one {@link StateStore#applyReplicated}.
     */
    @Override
    public Replayed replay(List<Record> records, long upTo, Stage stage) {
        Invariants.require(applier != null, "partition %s: this machine catches up by snapshot only", partition);
        Map<String, VersionedState> states = new HashMap<>();
        Map<String, StateWrite> writes = new LinkedHashMap<>();
        List<Change> changes = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        long next = -1;
        boolean passedUpTo = false;
        for (Record record : records) {
            if (record.offset() > upTo) {
                passedUpTo = true;
                break;
            }
            next = record.offset() + 1;
            VersionedState state = states.computeIfAbsent(record.key(), this::load);
            ApplyOutcome outcome = applier.apply(state, record);
            if (outcome.kind() == ApplyOutcome.Kind.SKIPPED) continue;
            VersionedState after = outcome.state();
            states.put(record.key(), after);
            writes.put(record.key(), new StateWrite(partition, record.key(), StoredState.of(after)));
            if (outcome.kind() == ApplyOutcome.Kind.APPLIED) changes.add(outcome.change());
            if (outcome.kind() == ApplyOutcome.Kind.REJECTED) deadLetters.add(outcome.deadLetter());
        }
        // Nothing came: give up, and the follower asks for a snapshot. The states written so far are
        // by version: harmless.
        if (records.isEmpty()) return new Replayed(-1, List.of());
        // A record past upTo came: the log holds nothing else up to upTo (offsets skip, e.g. Kafka's
        // transaction markers; LogCatchUp.read ruled out retention), so the replica is at upTo.
        if (passedUpTo) next = upTo + 1;
        List<FeedEntry> fed = store.applyReplicated(new ReplicatedWrite(partition, new ArrayList<>(writes.values()), changes,
                deadLetters, next > upTo ? upTo : -1, true, false, stage));
        return new Replayed(next, fed);
    }

    private VersionedState load(String key) {
        StoredState stored = store.get(partition, key);
        if (stored == null) return VersionedState.ABSENT;
        return applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
    }

    @Override
    public List<FeedEntry> promote(StoredTerm term, long durableSeq, long durableCheckpoint) {
        return store.promote(partition, term, durableSeq, durableCheckpoint);
    }

    @Override
    public int stagedCount() {
        return store.stagedCount(partition);
    }

    @Override
    public StoredTerm term() {
        return store.term(partition);
    }

    @Override
    public void writeTerm(StoredTerm term) {
        store.writeTerm(partition, term);
    }

    private Writes writes(CommitBody body) {
        Invariants.require(body instanceof Writes, "partition %s: a commit of machine %s, not the engine's", partition, body.machine());
        return (Writes) body;
    }
}
