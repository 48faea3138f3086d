package io.ringwork.core.cluster;

import io.ringwork.core.cluster.ReplicaAck.Status;
import io.ringwork.core.cluster.ReplicaMessage.Commit;
import io.ringwork.core.cluster.ReplicaMessage.Digest;
import io.ringwork.core.cluster.ReplicaMessage.Hello;
import io.ringwork.core.cluster.ReplicaMessage.Role;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotBegin;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotEnd;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotPage;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.util.Invariants;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiving side of one partition on a member that does not run it: applies what the owner
 * sends to the partition's {@link PartitionMachine}, by version, and keeps the invariant that
 * makes a takeover safe: <em>every record at or below the stored checkpoint is reflected in the
 * stored states</em>. So the checkpoint only moves with an unbroken run of commits of one term
 * that started from a state at least as new as the owner's (a {@link Hello} whose requirement
 * the checkpoint meets, or a finished snapshot). A gap drops back to asking for a snapshot.
 *
 * <p>The highest term seen is durable: it starts from {@link PartitionMachine#term} and every rise is
 * written there ({@link PartitionMachine#writeTerm}) before this member acts under the new term, that is
 * before {@link #receive} returns the answer to a message of it and before {@link #lead} returns to
 * the owner that will send under it. So a member that restarts never takes, nor leads, a term at
 * or below one it saw before (finding 11: a restarted node led a term it had already used).
 *
 * <p><b>Feed after durability.</b> What this member applies, it stages ({@link Stage}: the term and
 * the commit's number; a catch-up's changes by their record, {@link Stage#BY_CHECKPOINT})
 * and puts on its feed only when the owner says a write quorum holds it: {@link Commit#durableSeq}
 * and {@link ReplicaMessage.Durable}. The staging survives restarts (it is in the store): a change
 * staged under a term whose owner never said it durable is promoted once a later term's owner
 * makes durable a commit whose checkpoint covers its record ({@link io.ringwork.core.store.StagedChanges}).
 *
 * <p><b>Catch-up from the log without the caller's lock.</b> This class never reads the log. When a
 * Hello or a SnapshotBegin finds this member behind and its machine can replay the log, the
 * answer waits: {@link #receive} returns an {@link Outcome} that asks for records
 * ({@link Outcome#read}, at most {@value #CATCH_UP_CHUNK}), the caller reads them without holding
 * whatever serialises this follower, and hands them to {@link #continueCatchUp}, which applies that
 * chunk and asks for the next or gives the message's answer. A continuation after anything else
 * changed this follower (a message not refused as stale, {@link #lead}, {@link #reset}, a new
 * term) is refused: the message gets the answer a failed catch-up gets. Chunks are harmless on
 * their own (states by version; the checkpoint moves with the last one only).
 * {@link #receiveAll} drives the loop for a caller.
 *
 * <p>Not thread-safe: one link delivers a partition's messages in order; callers serialise.
 */
public final class PartitionFollower {
    /**
     * Changes staged per partition at most (a bound on memory and store). What is staged is what
     * the owner has not yet said durable: its pending commits (its in-flight records bound them)
     * plus one catch-up from the log (at most its record limit), plus changes of ended terms waiting
     * for a newer durable commit. At the bound the member takes no more of the term's commits (it
     * answers as after a gap and waits to catch up), while durability words still drain it.
     */
    public static final int MAX_STAGED = 1 << 20;

    /** Where this member stands with the partition's current owner. */
    public enum Mode { NONE, SYNCED, REPAIRING, WAIT_SNAPSHOT, SNAPSHOTTING, OBSERVER, LEADING }

    /** Records a catch-up from the log takes per step, at most: what one {@link LogRead} asks for. */
    public static final int CATCH_UP_CHUNK = 1000;

    /**
     * Records this follower needs before it can answer {@code cause}: up to {@code max} of its
     * partition from {@code fromOffset}, in offset order, to hand to {@link #continueCatchUp} with
     * this request. {@code token} ties the request to this follower's state when it asked.
     */
    public record LogRead(long token, int partition, long fromOffset, int max, ReplicaMessage cause) {}

    /**
     * An answer plus the changes that entered this node's feed; or, while a catch-up from the log
     * runs, no answer yet ({@code ack} null) and the records it needs ({@code read}).
     */
    public record Outcome(ReplicaAck ack, List<FeedEntry> fed, LogRead read) {
        public Outcome(ReplicaAck ack, List<FeedEntry> fed) {
            this(ack, fed, null);
        }

        /** True when the caller must read {@link #read} and call {@link #continueCatchUp}. */
        public boolean needsRecords() {
            return read != null;
        }
    }

    /** A catch-up from the log in progress: the next offset to apply up to {@code upTo}. */
    private static final class CatchUp {
        final ReplicaMessage cause;
        final long upTo;
        final Stage stage;
        long next;
        long token;

        CatchUp(ReplicaMessage cause, long next, long upTo, Stage stage) {
            this.cause = cause;
            this.next = next;
            this.upTo = upTo;
            this.stage = stage;
        }
    }

    private final int partition;
    private final PartitionMachine machine;
    private Term term;
    private Mode mode = Mode.NONE;
    private long lastSeq = -1;
    private long pendingCheckpoint = -1;
    private boolean superseded;
    /** A digest differed: the next snapshot replaces equal-version states too, and is not skipped. */
    private boolean repairing;
    private volatile long repairs; // read by metrics without the lock
    private volatile long termsRefused; // read by metrics without the lock
    /** The owner's checkpoint as last told in this term (Hello, commits, snapshot), or -1. */
    private long ownerCheckpoint = -1;
    /** The durable frontier the current term's owner last told ({@link Commit#durableSeq}'s meaning). */
    private long knownDurable = ReplicaMessage.NOTHING_DURABLE;
    /** Every record at or below this is held by a quorum, as far as the frontier told: -1 before. */
    private long durableCheckpoint = -1;
    /**
     * {seq, checkpoint} of the current term, oldest first: once commit {@code seq} is durable, so is
     * everything at or below {@code checkpoint} (from applied commits, a Hello's and a snapshot's
     * start). Bounded like staging; at the bound the oldest goes, which only delays orphans.
     */
    private final ArrayDeque<long[]> covers = new ArrayDeque<>();

    /** The longest catch-up from the log; 0: snapshots only. */
    private final long maxCatchUpRecords;
    /** Rises with every change of this follower's state: a {@link LogRead} of an older one is refused. */
    private long generation;
    /** The catch-up from the log waiting for its next chunk, or null. */
    private CatchUp catchUp;
    private long catchUpsRefused;

    /** A follower that catches up by snapshot only; starts from the machine's highest term seen. */
    public PartitionFollower(PartitionMachine machine) {
        this(machine, 0);
    }

    /**
     * Starts from the machine's highest term seen for the partition ({@link PartitionMachine#term}):
     * after a restart, lower terms are refused and {@code Term.after(term())} is above it.
     *
     * @param maxCatchUpRecords the longest catch-up done by replaying the log, when the machine can
     *                          ({@link PartitionMachine#replaysLog}); beyond it a snapshot is cheaper.
     *                          0: snapshots only
     */
    public PartitionFollower(PartitionMachine machine, long maxCatchUpRecords) {
        Invariants.require(maxCatchUpRecords >= 0, "maxCatchUpRecords must be >= 0, got %s", maxCatchUpRecords);
        this.partition = machine.partition();
        this.machine = machine;
        this.maxCatchUpRecords = maxCatchUpRecords;
        StoredTerm stored = machine.term();
        this.term = new Term(stored.epoch(), stored.node());
    }

    /**
     * Takes {@code higher} as the highest term seen, durably first: the store holds it before
     * anything this member does under it (an answer, a start) can be seen by another member.
     */
    private void raise(Term higher) {
        Invariants.check(term.isBefore(higher), "partition %s: raises its term from %s to %s", partition, term, higher);
        machine.writeTerm(new StoredTerm(higher.epoch(), higher.node()));
        term = higher;
        changed(); // a catch-up of the older term stages under it: it ends here
        knownDurable = ReplicaMessage.NOTHING_DURABLE; // a frontier is per term: a new owner numbers afresh
        durableCheckpoint = -1;
        covers.clear();
    }

    /** This follower's state changes: a catch-up waiting for records is over (its continuation is refused). */
    private void changed() {
        generation++;
        catchUp = null;
    }

    /**
     * Starts catching up from the log to {@code required} for {@code cause}, staging the changes to
     * be covered by a durable checkpoint ({@link Stage#BY_CHECKPOINT}): the owner may not yet hold
     * the records above its own checkpoint (it applies them next), so no commit number covers them.
     * Returns the answer when there is nothing to replay, an outcome asking for the first chunk, or
     * null when it cannot (snapshots only, or more than the limit). The caller set the mode a failed
     * catch-up leaves.
     */
    private Outcome startCatchUp(ReplicaMessage cause, long required) {
        if (maxCatchUpRecords == 0 || !machine.replaysLog()) return null;
        long after = machine.checkpoint();
        if (required <= after) return caughtUp(List.of());
        if (required - after > maxCatchUpRecords) return null;
        catchUp = new CatchUp(cause, after + 1, required, new Stage(storedTerm(), Stage.BY_CHECKPOINT));
        return askFor(catchUp, List.of());
    }

    private Outcome askFor(CatchUp running, List<FeedEntry> fed) {
        running.token = generation;
        int max = (int) Math.min(CATCH_UP_CHUNK, running.upTo - running.next + 1);
        return new Outcome(null, fed, new LogRead(running.token, partition, running.next, max, running.cause));
    }

    /** The log brought this member to everything the owner holds. */
    private Outcome caughtUp(List<FeedEntry> fed) {
        mode = Mode.SYNCED;
        return answer(Status.IN_SYNC, fed);
    }

    /** What {@code cause} gets when its catch-up from the log fails: a Hello asks for a snapshot; a Begin's pages follow. */
    private Outcome failedCatchUp(ReplicaMessage cause, List<FeedEntry> fed) {
        return answer(cause instanceof SnapshotBegin ? Status.CATCHING_UP : Status.NEED_SNAPSHOT, fed);
    }

    /**
     * Applies the records a {@link LogRead} asked for (read by the caller, outside its lock; null
     * or empty when the log could not give them: trimmed by retention, not readable) and returns
     * the next request or the answer of the message that started the catch-up: {@code IN_SYNC} once
     * the log brought this member to the owner's {@code required}. If this follower changed since
     * it asked (see the class), nothing is applied and the answer is the one a failed catch-up
     * gets, under the term held now.
     */
    public Outcome continueCatchUp(LogRead read, List<Record> records) {
        CatchUp running = catchUp;
        boolean current = running != null && running.token == read.token() && generation == read.token();
        Term before = term;
        if (!current) {
            catchUpsRefused++;
            return finish(before, read.cause(), failedCatchUp(read.cause(), List.of()));
        }
        generation++; // this request is spent: the same token cannot be used twice
        catchUp = null;
        if (records == null || records.isEmpty()) return finish(before, running.cause, failedCatchUp(running.cause, List.of()));
        PartitionMachine.Replayed replayed = machine.replay(records, running.upTo, running.stage);
        if (replayed.nextOffset() < 0) return finish(before, running.cause, failedCatchUp(running.cause, replayed.fed()));
        if (replayed.nextOffset() > running.upTo) return finish(before, running.cause, caughtUp(replayed.fed()));
        running.next = replayed.nextOffset();
        catchUp = running;
        return askFor(running, replayed.fed());
    }

    /**
     * Gives {@code message} to {@code follower} and runs any catch-up from the log it starts to the
     * end: each step holding {@code lock}, each read of {@code source} without it. Returns the
     * final outcome, its {@code fed} holding what every step fed. For callers that need nothing
     * else under the lock between steps, and for tests.
     */
    public static Outcome receiveAll(PartitionFollower follower, ReplicaMessage message, LogCatchUp.Source source, Object lock) {
        Outcome outcome;
        synchronized (lock) {
            outcome = follower.receive(message);
        }
        List<FeedEntry> fed = new ArrayList<>(outcome.fed());
        while (outcome.needsRecords()) {
            List<Record> records = LogCatchUp.read(source, outcome.read());
            synchronized (lock) {
                outcome = follower.continueCatchUp(outcome.read(), records);
            }
            fed.addAll(outcome.fed());
        }
        return new Outcome(outcome.ack(), fed);
    }

    private StoredTerm storedTerm() {
        return new StoredTerm(term.epoch(), term.node());
    }

    /** Once commit {@code seq} of this term is durable, every record at or below {@code checkpoint} is held by a quorum. */
    private void cover(long seq, long checkpoint) {
        if (covers.size() >= MAX_STAGED) covers.pollFirst();
        covers.addLast(new long[] {seq, checkpoint});
    }

    /**
     * Takes the owner's durable frontier (of the current term) and puts on the feed what it
     * covers; returns those changes. The store is asked only when the word says more than before,
     * or when {@code staged} (a Hello or a catch-up may have staged what the frontier covers): a
     * commit's own changes are never covered by the frontier it carries, which is from before it.
     */
    private List<FeedEntry> learnDurable(long durableSeq, boolean staged) {
        long frontierBefore = knownDurable;
        long checkpointBefore = durableCheckpoint;
        knownDurable = Math.max(knownDurable, durableSeq);
        if (knownDurable < -1) return List.of();
        long checkpoint = durableCheckpoint;
        while (!covers.isEmpty() && covers.peekFirst()[0] <= knownDurable) checkpoint = Math.max(checkpoint, covers.pollFirst()[1]);
        durableCheckpoint = checkpoint;
        if (!staged && knownDurable == frontierBefore && durableCheckpoint == checkpointBefore) return List.of();
        return machine.promote(storedTerm(), knownDurable, durableCheckpoint);
    }

    /**
     * Applies one message of the partition's current owner. A message whose term is above
     * {@link Term#MAX_EPOCH} is refused ({@code STALE_TERM}, nothing applied, the term not taken)
     * and counted: no member makes such a term, and taking it would leave no term above it.
     */
    public Outcome receive(ReplicaMessage message) {
        // A stale message changes nothing here (refused below): a catch-up in progress goes on.
        if (message.term().inRange() && !message.term().isBefore(term)) changed();
        Term before = term;
        Outcome outcome = handle(message);
        if (outcome.needsRecords()) return outcome; // the answer, and what it promotes, come at the catch-up's end
        return finish(before, message, outcome);
    }

    /** Takes the durable frontier {@code message} carries and checks the term, once {@code outcome} is final. */
    private Outcome finish(Term before, ReplicaMessage message, Outcome outcome) {
        if (mode != Mode.LEADING && message.term().equals(term)) {
            long durableSeq = switch (message) {
                case Commit commit -> commit.durableSeq();
                case ReplicaMessage.Durable durable -> durable.durableSeq();
                default -> ReplicaMessage.NOTHING_DURABLE;
            };
            // Also after a Hello or a catch-up: a frontier already known may cover what they staged.
            List<FeedEntry> promoted = learnDurable(durableSeq, message instanceof Hello || message instanceof SnapshotBegin);
            if (!promoted.isEmpty()) {
                List<FeedEntry> fed = new ArrayList<>(outcome.fed());
                fed.addAll(promoted);
                outcome = new Outcome(outcome.ack(), fed);
            }
        }
        // Kept on in production: a member only ever adopts an equal or higher term. A message of a
        // lower term is refused above, never taken.
        Invariants.check(!term.isBefore(before), "partition %s: term went down from %s to %s on %s",
                partition, before, term, message.getClass().getSimpleName());
        return outcome;
    }

    private Outcome handle(ReplicaMessage message) {
        if (!message.term().inRange()) {
            termsRefused++;
            return answer(Status.STALE_TERM, List.of());
        }
        if (message.term().isBefore(term)) return answer(Status.STALE_TERM, List.of());
        if (mode == Mode.LEADING) {
            // This member runs the partition: its store changes only through its own commits (the
            // owner's checkpoint argument needs that). A newer owner means this one must stop
            // first; until then nothing is applied and the sender is told to catch us up later.
            if (term.isBefore(message.term())) {
                raise(message.term());
                superseded = true;
            }
            return answer(Status.NEED_SNAPSHOT, List.of());
        }
        if (term.isBefore(message.term())) {
            ownerCheckpoint = -1;
            raise(message.term());
            // A new owner: what we hold is checked by its Hello; anything else means we missed it.
            if (!(message instanceof Hello) && !(message instanceof SnapshotBegin)) mode = Mode.NONE;
        }
        switch (message) {
            case Hello hello -> ownerCheckpoint = Math.max(ownerCheckpoint, hello.checkpoint());
            case Commit commit -> ownerCheckpoint = Math.max(ownerCheckpoint, commit.checkpoint());
            case SnapshotBegin begin -> ownerCheckpoint = Math.max(ownerCheckpoint, begin.checkpoint());
            default -> { }
        }
        return switch (message) {
            case Hello hello -> hello(hello);
            case Commit commit -> commit(commit);
            case Digest digest -> {
                if (mode == Mode.NONE) {
                    // The owner counts us in sync but we hold nothing of its term: we restarted, or
                    // dropped the partition while its view still listed us (scale-out). On an idle
                    // partition no commit would tell it; ask for the catch-up now.
                    mode = Mode.WAIT_SNAPSHOT;
                    yield answer(Status.NEED_SNAPSHOT, List.of());
                }
                if (mode != Mode.SYNCED || digest.seq() != lastSeq) yield answer(Status.IN_SYNC, List.of());
                if (machine.digest() == digest.digest()) yield answer(Status.IN_SYNC, List.of());
                repairing = true;
                repairs++;
                // Only states differ: keep taking the owner's commits, in order, until the repairing
                // snapshot begins. Dropping them here would leave their changes off this node's feed
                // (the snapshot brings states, not changes).
                mode = Mode.REPAIRING;
                yield answer(Status.NEED_SNAPSHOT, List.of());
            }
            case SnapshotBegin begin -> {
                lastSeq = begin.nextSeq() - 1;
                cover(lastSeq, begin.checkpoint());
                // Snapshotting unless the log brings us to everything the owner holds, also while a
                // catch-up from the log runs: that is where a failed one leaves us.
                mode = Mode.SNAPSHOTTING;
                pendingCheckpoint = begin.checkpoint();
                Outcome fromLog = repairing ? null : startCatchUp(begin, begin.required());
                yield fromLog != null ? fromLog : answer(Status.CATCHING_UP, List.of());
            }
            case SnapshotPage page -> {
                // In sync already (it caught up from the log at the Begin): the pages still in flight
                // are not needed, and must not look like a lost snapshot.
                if (mode == Mode.SYNCED) yield answer(Status.IN_SYNC, List.of());
                if (mode != Mode.SNAPSHOTTING) yield answer(Status.NEED_SNAPSHOT, List.of());
                // Unless repairing, the machine marks the feed's gap with the first page (see install).
                machine.install(page.body(), pendingCheckpoint, repairing);
                yield answer(Status.CATCHING_UP, List.of());
            }
            // Nothing to apply: the caller notes it (ReleaseNotices) when it comes from the current owner.
            case ReplicaMessage.Released released -> answer(Status.CATCHING_UP, List.of());
            // Nothing to apply here: receive() takes the frontier. A neutral answer (never NEED_SNAPSHOT:
            // a word about durability must not start a catch-up).
            case ReplicaMessage.Durable durable -> answer(Status.CATCHING_UP, List.of());
            case SnapshotEnd end -> {
                if (mode == Mode.SYNCED) yield answer(Status.IN_SYNC, List.of());
                if (mode != Mode.SNAPSHOTTING) yield answer(Status.NEED_SNAPSHOT, List.of());
                machine.finishSnapshot(pendingCheckpoint); // the feed's gap reaches the checkpoint, marked first
                mode = Mode.SYNCED;
                repairing = false;
                yield answer(Status.IN_SYNC, List.of());
            }
        };
    }

    private Outcome hello(Hello hello) {
        // An observer is a replica that does not vote: it keeps the state too, so that it can
        // catch up (from the log) like a replica and its feed has no gap after an owner changes.
        lastSeq = hello.nextSeq() - 1;
        cover(lastSeq, hello.checkpoint());
        repairing = false; // a fresh start with this owner; a digest asks again if states still differ
        if (machine.checkpoint() >= hello.required()) {
            mode = Mode.SYNCED;
            return answer(Status.IN_SYNC, List.of());
        }
        // Waiting for a snapshot unless the log brings us there, also while a catch-up from the log
        // runs: that is where a failed one leaves us.
        mode = Mode.WAIT_SNAPSHOT;
        Outcome fromLog = startCatchUp(hello, hello.required());
        return fromLog != null ? fromLog : answer(Status.NEED_SNAPSHOT, List.of());
    }

    private Outcome commit(Commit commit) {
        if (mode != Mode.WAIT_SNAPSHOT && mode != Mode.NONE && stagingFull()) {
            // As after a gap: nothing past here is taken; the owner catches this member up later.
            mode = Mode.WAIT_SNAPSHOT;
            return answer(Status.NEED_SNAPSHOT, List.of());
        }
        switch (mode) {
            case OBSERVER -> {
                return answer(Status.OBSERVING, apply(commit, false, -1));
            }
            case NONE -> {
                // Role unknown (we restarted or missed the Hello): take nothing, ask to start over.
                // Feeding these changes now would put versions on the feed ahead of the ones the
                // catch-up will feed, which would then look like duplicates and be dropped.
                mode = Mode.WAIT_SNAPSHOT;
                return answer(Status.NEED_SNAPSHOT, List.of());
            }
            case SYNCED -> {
                if (commit.seq() <= lastSeq) {
                    // A resent batch (the answer to the first try was lost): we hold it already.
                    return answer(Status.IN_SYNC, apply(commit, true, -1));
                }
                if (commit.seq() != lastSeq + 1) {
                    // A gap: take nothing past it; the catch-up brings it all, in order.
                    mode = Mode.WAIT_SNAPSHOT;
                    return answer(Status.NEED_SNAPSHOT, List.of());
                }
                advance(commit.seq());
                return answer(Status.IN_SYNC, apply(commit, true, commit.checkpoint()));
            }
            case REPAIRING -> {
                // As SYNCED, but the checkpoint waits for the repair: the states may not reflect it.
                if (commit.seq() <= lastSeq) return answer(Status.CATCHING_UP, apply(commit, true, -1));
                if (commit.seq() != lastSeq + 1) {
                    mode = Mode.WAIT_SNAPSHOT;
                    return answer(Status.NEED_SNAPSHOT, List.of());
                }
                advance(commit.seq());
                return answer(Status.CATCHING_UP, apply(commit, true, -1));
            }
            case SNAPSHOTTING -> {
                // The feed jumps with the first state the catch-up writes, a commit's as a page's: this
                // commit comes after the owner's Begin, so its states are ahead of what this feed has
                // (their earlier changes come with no page), and its changes reach the feed once
                // durable, before any of those could; a relay then skips what these states cover, to
                // keep the feed in order. Marked first, as a page does. Unmarked, a snapshot that ends
                // before its first page (the owner moved on) left the jump unsaid: a node that takes
                // the partition over then could claim those versions to a relay, as seed 745 did
                // mid-snapshot (simulator seed 986: a keepalive's state, a version with no change,
                // kept a session's last change off a relaying node's feed). A repair keeps the feed
                // whole: its commits follow in order those it fed already.
                if (!repairing) machine.feedJumps(Math.max(pendingCheckpoint, commit.checkpoint()));
                if (commit.seq() <= lastSeq) return answer(Status.CATCHING_UP, apply(commit, true, -1));
                if (commit.seq() != lastSeq + 1) {
                    mode = Mode.WAIT_SNAPSHOT;
                    return answer(Status.NEED_SNAPSHOT, apply(commit, true, -1));
                }
                advance(commit.seq());
                pendingCheckpoint = Math.max(pendingCheckpoint, commit.checkpoint());
                return answer(Status.CATCHING_UP, apply(commit, true, -1));
            }
            case WAIT_SNAPSHOT -> {
                return answer(Status.NEED_SNAPSHOT, List.of());
            }
            default -> throw new IllegalStateException("mode " + mode);
        }
    }

    /**
     * Takes {@code seq} as the last commit applied in order. Kept on in production: within a term
     * a member applies commit numbers rising, each once in order; a resent one (at or below
     * {@code lastSeq}) goes through the duplicate path and never gets here.
     */
    private void advance(long seq) {
        Invariants.check(seq > lastSeq, "partition %s, term %s: commit %s applied in order after %s", partition, term, seq, lastSeq);
        lastSeq = seq;
    }

    /**
     * States are safe to take by version at any time and only the checkpoint needs the unbroken
     * run; but the feed needs order too, so a replica that is behind takes nothing until it has
     * caught up (see {@link #commit}).
     */
    private List<FeedEntry> apply(Commit commit, boolean holdsState, long checkpoint) {
        cover(commit.seq(), commit.checkpoint());
        return machine.apply(commit.body(), checkpoint, holdsState, new Stage(storedTerm(), commit.seq()));
    }

    /** Staging is at its bound ({@link #MAX_STAGED}): take no more commits until durability drains it. */
    private boolean stagingFull() {
        return machine.stagedCount() >= MAX_STAGED;
    }

    private Outcome answer(Status status, List<FeedEntry> fed) {
        return new Outcome(new ReplicaAck(partition, term, lastSeq, status), fed);
    }

    /**
     * True if {@code message}, just received from {@code from}, is the current owner saying it
     * released the partition (not one from an older term, nor while this member runs it).
     */
    public boolean releasedByOwner(String from, ReplicaMessage message) {
        return message instanceof ReplicaMessage.Released && mode != Mode.LEADING && message.term().equals(term)
                && from.equals(term.node());
    }

    /** In sync with the current owner's term: this member holds an up-to-date replica. */
    public boolean inSync() {
        return mode == Mode.SYNCED;
    }

    public Mode mode() {
        return mode;
    }

    /** True while the snapshot asked for is a repair (a digest differed): this member's feed is whole. */
    public boolean repairing() {
        return repairing;
    }

    /**
     * How far the partition's current owner has applied, as it last told this member (-1 before
     * it said anything in its term). A member leaving gracefully waits until this reaches its own
     * checkpoint: then the owner holds everything this member holds, and its leaving loses nothing.
     */
    public long ownerCheckpoint() {
        return ownerCheckpoint;
    }

    /**
     * The highest term seen, before a restart too (it starts from the store's): a node that starts
     * owning the partition picks a higher one.
     */
    public Term term() {
        return term;
    }

    /** This member starts running the partition under {@code leading}: senders of older terms are now stale. */
    public void lead(Term leading) {
        // Kept on in production: a member leads only under a term above every one it has seen
        // (Term.after), so a replica's refusal of older terms protects this owner too.
        Invariants.check(term.isBefore(leading), "partition %s: leads under %s, not above the %s it has seen", partition, leading, term);
        raise(leading); // durable before the caller's leader sends anything under it
        reset(); // ends a catch-up from the log too: this member's store now changes only by its own commits
        // The previous owner's word is of its term: read after this node stops leading, it would
        // pass for the next owner's and let a leave go before the next owner holds anything.
        ownerCheckpoint = -1;
        mode = Mode.LEADING;
    }

    /** Digests that differed from the owner's, each followed by a repairing snapshot. */
    public long repairs() {
        return repairs;
    }

    /** Continuations of a catch-up from the log refused because the follower changed meanwhile ({@link #continueCatchUp}). */
    public long catchUpsRefused() {
        return catchUpsRefused;
    }

    /** A catch-up from the log waits for its next chunk of records. */
    public boolean catchingUpFromLog() {
        return catchUp != null;
    }

    /** Messages refused because their term's epoch was above {@link Term#MAX_EPOCH}. */
    public long termsRefused() {
        return termsRefused;
    }

    /**
     * Learns of a term (e.g. from a refusal) without changing the link: the next owner term goes
     * above it, after a restart too (it is kept in the store). One above {@link Term#MAX_EPOCH} is
     * ignored.
     */
    public void observe(Term seen) {
        if (seen != null && seen.inRange() && term.isBefore(seen)) raise(seen);
    }

    /** While leading, a member with a newer term wrote to us: the local owner must stop. */
    public boolean superseded() {
        return superseded;
    }

    /** This member is no longer on the partition's lists, or stops running it: forget the link. */
    public void reset() {
        changed();
        mode = Mode.NONE;
        repairing = false;
        superseded = false;
        lastSeq = -1;
        pendingCheckpoint = -1;
    }
}
