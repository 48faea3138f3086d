package io.ringwork.core.cluster;

import io.ringwork.core.cluster.ReplicaAck.Status;
import io.ringwork.core.cluster.ReplicaMessage.Commit;
import io.ringwork.core.cluster.ReplicaMessage.Hello;
import io.ringwork.core.cluster.ReplicaMessage.Role;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotBegin;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotEnd;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotPage;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.util.Invariants;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The sending side of one partition on the member that runs it. Every local commit becomes a
 * {@link Commit} with the next sequence number, sent to the partition's replicas and observers
 * (observers keep the state and feed the changes but do not vote; with scale-out there are none,
 * and only displaced replicas still voting get commits besides the replicas), and counts as <em>durable</em> once a
 * write quorum holds it: this member if it is on the list, plus replicas that answered
 * {@code IN_SYNC} for it (see {@link #writeQuorum} for its size: learners, replicas that never
 * caught up, are left out of it) and a majority of the voting slots answered this owner's term
 * after it (the fence: {@link #fenceQuorum}). Replicas that are behind get a snapshot (paged, one page per
 * {@link #tick} per member while its link has room) while commits keep flowing to them;
 * they count again once it ends. A replica that refuses the term deposes this owner.
 *
 * <p>What is replicated is the partition's {@link PartitionMachine}'s: commits carry its
 * {@link CommitBody}, snapshots its pages, digests its {@link PartitionMachine#digest}; this class
 * reads none of them.
 *
 * <p>Callbacks passed to {@link #committed} run, in commit order, from whichever call made them
 * durable. Not thread-safe: callers serialise; messages returned by one call must be queued on
 * the links before the next call, so each link sees them in order.
 */
public final class PartitionLeader {
    /** A message for one member. */
    public record Outbound(String to, ReplicaMessage message) {}

    /**
     * What a call wants done: send these, run these durable callbacks (in order). {@code fed} are
     * the changes this call moved from staging onto this node's feed (the machine already wrote them
     * and told its feed listener): they became durable.
     */
    public record Effects(List<Outbound> messages, List<Runnable> durable, List<FeedEntry> fed) {
        static Effects none() {
            return new Effects(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        }
    }

    private enum LinkState { HELLO_SENT, SYNCED, SNAPSHOTTING, SNAPSHOT_SENT, OBSERVING, DOWN }

    private static final class Follower {
        Role role;
        /**
         * A replica the plan just made an observer while it was in sync: it keeps its vote until
         * every replica on the new list is in sync (see {@link #settle}).
         */
        boolean lingering;
        LinkState state = LinkState.HELLO_SENT;
        long ackedSeq = -1;
        /** The durable frontier this member was last told (in a commit or a {@link ReplicaMessage.Durable}). */
        long toldDurable = ReplicaMessage.NOTHING_DURABLE;
        /** {@link #sent} at the last tick: unchanged means no commit is flowing to carry the frontier. */
        long sentAtTick;
        String cursor;
        long retryAtMs;
        long nextDigestAtMs;
        /** Messages sent and answers received on this link; answers come back in order. */
        long sent;
        long answered;
        /** Index of the current SnapshotBegin: a NEED_SNAPSHOT for it or later means the snapshot was lost. */
        long beginIndex = Long.MAX_VALUE;
        /**
         * {sent, time} taken at ticks while answers are owed, oldest first: the head is the oldest
         * time by which something still unanswered had been sent (see {@link #answerLagMs}).
         */
        final ArrayDeque<long[]> marks = new ArrayDeque<>();
        /**
         * {first message index, last commit seq made when it was sent}, one entry per run of messages
         * sent after the same commit, oldest first: which commit an answer comes after.
         */
        final ArrayDeque<long[]> sentAfter = new ArrayDeque<>();
        /**
         * The newest commit this member answered, under this owner's term, a message sent at or after
         * (-2: none yet; -1 is the starting state, before the first commit): it had not promised a
         * newer term when it took that commit (see {@link #settle}).
         */
        long fencedSeq = -2;

        /** Answer {@code index} (0-based on this link) came back under this owner's term. */
        void fenceUpTo(long index) {
            long[] head = sentAfter.pollFirst();
            while (head != null && !sentAfter.isEmpty() && sentAfter.peekFirst()[0] <= index) head = sentAfter.pollFirst();
            if (head == null) return;
            sentAfter.addFirst(head); // later answers may still be to messages of this run
            if (head[0] <= index) fencedSeq = Math.max(fencedSeq, head[1]);
        }

        void mark(long nowMs) {
            dropAnswered();
            boolean newSends = marks.isEmpty() ? sent > answered : marks.peekLast()[0] < sent;
            if (!newSends) return;
            if (marks.size() < MAX_MARKS) marks.addLast(new long[] {sent, nowMs});
            else marks.peekLast()[0] = sent; // full: the newest mark covers these too, which can only overstate the lag
        }

        void dropAnswered() {
            while (!marks.isEmpty() && marks.peekFirst()[0] <= answered) marks.pollFirst();
        }
    }

    /** Commits a member may owe answers past before the oldest stops being fenced by its answers. */
    private static final int SENT_AFTER_MAX = 8_192;

    /** Marks kept per member: at a tick every 20 ms, about 5 s of unanswered sends; then the newest one grows. */
    private static final int MAX_MARKS = 256;

    private record Pending(long seq, long checkpoint, Runnable onDurable) {}

    private final int partition;
    private final Term term;
    private final String self;
    private final PartitionMachine machine;
    private final int pageSize;
    private final long retryMs;
    private final Map<String, Follower> followers = new LinkedHashMap<>();
    /** The replicas and observers of the last {@link #members} call: a follower not among them goes once it stops voting. */
    private final Set<String> listed = new HashSet<>();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private boolean selfIsReplica = true;
    /** This member was a replica and the plan took it off the list: it keeps its vote, like a lingering follower. */
    private boolean selfLingering;
    /** {@link #members} was called: until then {@code selfIsReplica} is only its default. */
    private boolean membersSet;
    /** Members that count toward the cluster's size, at most the replication factor (the plan's). */
    private int votingSlots = 1;
    /** Replicas on the list (self excluded) whose gossip did not show them ready when the list was set. */
    private final Set<String> unreadyInView = new HashSet<>();
    /** Members that have been in sync with this owner in its term: they count for good, in or out of sync. */
    private final Set<String> syncedInTerm = new HashSet<>();
    private long nextSeq;
    /** The checkpoint of this owner's last local commit (-1 before the first): commits never go back. */
    private long lastCommittedCheckpoint = -1;
    /**
     * The durable frontier: the number of the last commit a write quorum holds; -1 once a quorum
     * holds the state this owner started from (everything at or below {@link #startCheckpoint});
     * {@link ReplicaMessage#NOTHING_DURABLE} before. Commits become durable in order.
     */
    private long lastDurableSeq = ReplicaMessage.NOTHING_DURABLE;
    /** Every record at or below this is held by a write quorum (with the frontier), or -1. */
    private long durableCheckpoint = -1;
    /** The machine's checkpoint when this owner started: the state its Hellos require. */
    private final long startCheckpoint;
    private final StoredTerm storedTerm;
    /** IN_SYNC answers dropped because they claimed a commit this owner never sent (see {@link #onAck}). */
    private long foreignAcks;
    private boolean deposed;
    /** The newest term a member answered with when refusing ours, or null. */
    private Term newerTerm;
    private long snapshotsStarted;
    private long durableByLingeringVotes;
    /** Times a commit held by a write quorum waited for the fence ({@link #fenceQuorum}). */
    private long fenceWaits;
    private long termsRefused;

    /**
     * @param machine  the partition's state on this member, which its commits change
     * @param pageSize states per snapshot page
     * @param retryMs  wait before saying Hello again on a link that failed
     */
    public PartitionLeader(Term term, String self, PartitionMachine machine, int pageSize, long retryMs) {
        Invariants.require(pageSize > 0, "pageSize must be positive");
        this.partition = machine.partition();
        this.term = term;
        this.self = self;
        this.machine = machine;
        this.pageSize = pageSize;
        this.retryMs = retryMs;
        this.startCheckpoint = machine.checkpoint();
        this.storedTerm = new StoredTerm(term.epoch(), term.node());
    }

    /**
     * Sets who receives the partition's writes: the plan's replicas and observers (self excluded).
     *
     * @param votingSlots members that count toward the cluster's size, at most the replication
     *                    factor ({@link OwnershipPlan#votingSlots}); the write quorum is a majority
     *                    of these, less the learners ({@link #writeQuorum})
     * @param readyInView whether the plan's view shows a member ready (holding an in-sync replica)
     */
    public Effects members(List<String> replicas, Collection<String> observers, int votingSlots,
                           Predicate<String> readyInView) {
        Invariants.require(votingSlots >= 1, "votingSlots must be positive, got %s", votingSlots);
        Effects effects = Effects.none();
        boolean wasReplica = membersSet && selfIsReplica;
        membersSet = true;
        selfIsReplica = replicas.contains(self);
        selfLingering = !selfIsReplica && (wasReplica || selfLingering);
        this.votingSlots = votingSlots;
        unreadyInView.clear();
        for (String id : replicas) if (!id.equals(self) && !readyInView.test(id)) unreadyInView.add(id);
        Map<String, Role> wanted = new LinkedHashMap<>();
        for (String id : replicas) if (!id.equals(self)) wanted.put(id, Role.REPLICA);
        for (String id : observers) if (!id.equals(self)) wanted.putIfAbsent(id, Role.OBSERVER);
        listed.clear();
        listed.addAll(wanted.keySet());
        // A displaced replica that was in sync keeps its vote while the new list catches up, listed
        // as an observer or not (scale-out lists none): it gets the commits until the votes end
        // (endLingeringOnceInSync), then nothing more.
        for (var entry : followers.entrySet()) {
            Follower was = entry.getValue();
            boolean voted = was.state == LinkState.SYNCED && (was.role == Role.REPLICA || was.lingering);
            if (!wanted.containsKey(entry.getKey()) && voted) wanted.put(entry.getKey(), Role.OBSERVER);
        }
        followers.keySet().retainAll(wanted.keySet());
        for (var entry : wanted.entrySet()) {
            Follower was = followers.get(entry.getKey());
            if (was != null && was.role == entry.getValue()) continue;
            Follower follower = new Follower();
            follower.role = entry.getValue();
            follower.lingering = follower.role == Role.OBSERVER && was != null && was.state == LinkState.SYNCED
                    && (was.role == Role.REPLICA || was.lingering);
            followers.put(entry.getKey(), follower);
            emit(entry.getKey(), follower, hello(follower.role), effects);
        }
        settle(effects);
        return effects;
    }

    private Hello hello(Role role) {
        return new Hello(partition, term, role, nextSeq, machine.high(), machine.checkpoint());
    }

    /**
     * A local commit of this partition is durable on this member: replicate it.
     *
     * @param checkpoint the machine's checkpoint after the commit (commits never go back)
     * @param body       what the commit changed, as the machine's followers apply it
     */
    public Effects committed(long checkpoint, CommitBody body, Runnable onDurable) {
        // Kept on in production: an owner's commits cover the log in order. A checkpoint below the
        // last one would mean the caller committed records this owner had already committed.
        Invariants.check(checkpoint >= lastCommittedCheckpoint, "partition %s, term %s: commit at checkpoint %s after one at %s",
                partition, term, checkpoint, lastCommittedCheckpoint);
        lastCommittedCheckpoint = checkpoint;
        Effects effects = Effects.none();
        Commit commit = new Commit(partition, term, nextSeq++, checkpoint, body, lastDurableSeq);
        pending.add(new Pending(commit.seq(), checkpoint, onDurable));
        for (var entry : followers.entrySet()) {
            Follower follower = entry.getValue();
            if (follower.state == LinkState.DOWN) continue;
            follower.toldDurable = lastDurableSeq;
            emit(entry.getKey(), follower, commit, effects);
        }
        settle(effects);
        return effects;
    }

    /**
     * A member's answer. One whose term's epoch is above {@link Term#MAX_EPOCH} is dropped and
     * counted ({@link #termsRefused}): no member makes such a term, and taking it as a newer one
     * would leave no term for this node's next ownership.
     */
    public Effects onAck(String from, ReplicaAck ack) {
        Effects effects = Effects.none();
        if (!ack.term().inRange()) {
            termsRefused++;
            return effects;
        }
        Follower follower = followers.get(from);
        if (ack.term().compareTo(term) > 0 || ack.status() == Status.STALE_TERM) {
            deposed = true;
            if (newerTerm == null || newerTerm.isBefore(ack.term())) newerTerm = ack.term();
            return effects;
        }
        if (follower == null || !ack.term().equals(term) || follower.state == LinkState.DOWN) return effects;
        long index = follower.answered++;
        // Any answer under this term is a promise (the member wrote the term durably before it
        // answered) and fences every commit sent before the message it answers.
        follower.fenceUpTo(index);
        switch (ack.status()) {
            case IN_SYNC -> {
                boolean snapshotting = follower.state == LinkState.SNAPSHOTTING || follower.state == LinkState.SNAPSHOT_SENT;
                // While snapshotting, only an answer to the Begin or later counts: the replica caught
                // up (from the log, or by the pages); the pages stop.
                if (ack.seq() >= nextSeq) {
                    // It claims a commit this owner never made: an answer to another instance of this
                    // term (a node that restarted and picked the same term again; terms live in
                    // memory). Input from the network, so dropped and counted, not asserted.
                    foreignAcks++;
                } else if (!snapshotting || index >= follower.beginIndex) {
                    follower.state = LinkState.SYNCED;
                    follower.ackedSeq = Math.max(follower.ackedSeq, ack.seq());
                    syncedInTerm.add(from);
                }
            }
            case OBSERVING -> follower.state = LinkState.OBSERVING;
            case NEED_SNAPSHOT -> {
                // Replicas and observers alike: answers to what was sent before the SnapshotBegin say
                // nothing new; from it on, the member lost the catch-up (it restarted, or it was
                // running the partition itself).
                boolean snapshotting = follower.state == LinkState.SNAPSHOTTING || follower.state == LinkState.SNAPSHOT_SENT;
                if (!snapshotting || index >= follower.beginIndex) startSnapshot(from, follower, effects);
            }
            case CATCHING_UP, STALE_TERM -> { }
        }
        settle(effects);
        return effects;
    }

    private void startSnapshot(String to, Follower follower, Effects effects) {
        follower.state = LinkState.SNAPSHOTTING;
        follower.cursor = null;
        follower.ackedSeq = -1;
        follower.beginIndex = follower.sent;
        // It lost track of this term (it restarted, or it was running the partition itself and
        // refused our Hello and frontier): tell it the frontier again after the Begin.
        follower.toldDurable = ReplicaMessage.NOTHING_DURABLE;
        snapshotsStarted++;
        emit(to, follower, new SnapshotBegin(partition, term, nextSeq, machine.checkpoint(), machine.high()), effects);
    }

    private void emit(String to, Follower follower, ReplicaMessage message, Effects effects) {
        long[] last = follower.sentAfter.peekLast();
        if (last == null || last[1] != nextSeq - 1) {
            // Bounded: one entry per commit the member has not answered past. At the bound the
            // oldest goes, and answers to those messages fence nothing (safe: the member is only
            // not counted for them); the runtime's link fails long before, at 4,096 queued messages.
            if (follower.sentAfter.size() >= SENT_AFTER_MAX) follower.sentAfter.pollFirst();
            follower.sentAfter.addLast(new long[] {follower.sent, nextSeq - 1});
        }
        follower.sent++;
        effects.messages().add(new Outbound(to, message));
    }

    /**
     * This owner has stopped (drained, not deposed): tells every member whose link works, after
     * everything already sent to it, so the next owner can start without waiting for gossip.
     */
    public Effects released(long checkpoint) {
        Effects effects = Effects.none();
        for (var entry : followers.entrySet()) {
            Follower follower = entry.getValue();
            if (follower.state == LinkState.DOWN) continue;
            // The last commits' durability first: after the release no tick of this owner tells it.
            tellDurable(entry.getKey(), follower, effects);
            emit(entry.getKey(), follower, new ReplicaMessage.Released(partition, term, checkpoint), effects);
        }
        return effects;
    }

    private void tellDurable(String to, Follower follower, Effects effects) {
        if (lastDurableSeq <= follower.toldDurable) return;
        follower.toldDurable = lastDurableSeq;
        emit(to, follower, new ReplicaMessage.Durable(partition, term, lastDurableSeq), effects);
    }

    /** Marks this owner deposed (a newer owner showed up through another path). */
    public void depose() {
        deposed = true;
    }

    /** The link to {@code to} lost messages (a send failed): stop sending until a fresh Hello. */
    public void linkFailed(String to, long nowMs) {
        Follower follower = followers.get(to);
        if (follower == null) return;
        follower.state = LinkState.DOWN;
        follower.ackedSeq = -1;
        follower.retryAtMs = nowMs + retryMs;
    }

    /** Retries failed links and sends snapshot pages to members whose link {@code hasRoom}. */
    public Effects tick(long nowMs, Predicate<String> hasRoom, int maxPages) {
        Effects effects = Effects.none();
        for (var entry : followers.entrySet()) {
            String to = entry.getKey();
            Follower follower = entry.getValue();
            follower.mark(nowMs);
            if (follower.state == LinkState.DOWN && nowMs >= follower.retryAtMs) {
                follower.state = LinkState.HELLO_SENT;
                follower.sent = 0; // what was in flight is gone: count afresh from this Hello
                follower.answered = 0;
                follower.marks.clear();
                follower.sentAfter.clear();
                follower.beginIndex = Long.MAX_VALUE;
                follower.toldDurable = ReplicaMessage.NOTHING_DURABLE; // it may have restarted: tell it again
                emit(to, follower, hello(follower.role), effects);
            }
            // The durable frontier goes out as it advances (settle) and rides on commits; a member
            // not told yet when no commit went out since the last tick (its link was down when the
            // frontier moved) is told here. One message per member per tick at most.
            if (follower.state != LinkState.DOWN && follower.sent == follower.sentAtTick) tellDurable(to, follower, effects);
            follower.sentAtTick = follower.sent;
            for (int pages = 0; follower.state == LinkState.SNAPSHOTTING && pages < maxPages && hasRoom.test(to); pages++) {
                PartitionMachine.SnapshotRead page = machine.snapshot(follower.cursor, pageSize);
                if (page.size() > 0) {
                    follower.cursor = page.lastKey();
                    emit(to, follower, new SnapshotPage(partition, term, page.body()), effects);
                }
                if (page.size() < pageSize) {
                    follower.state = LinkState.SNAPSHOT_SENT;
                    emit(to, follower, new SnapshotEnd(partition, term), effects);
                }
            }
        }
        return effects;
    }

    /**
     * True when {@link #digest} would send one now: nothing is pending and an in-sync replica's
     * digest is due. The host asks whether the partition is idle only then, since on a remote log
     * that question costs a request for the log's end.
     */
    public boolean digestDue(long nowMs) {
        if (!pending.isEmpty()) return false;
        for (Follower follower : followers.values()) {
            if (follower.role == Role.REPLICA && follower.state == LinkState.SYNCED && nowMs >= follower.nextDigestAtMs) return true;
        }
        return false;
    }

    /**
     * Anti-entropy, to call when the partition is idle (everything in the log applied): sends
     * each in-sync replica that is due ({@code intervalMs} since the last) the digest of this
     * owner's states after its last commit. Nothing while commits are pending.
     */
    public Effects digest(long nowMs, long intervalMs) {
        Effects effects = Effects.none();
        if (!pending.isEmpty()) return effects;
        Long digest = null;
        for (var entry : followers.entrySet()) {
            Follower follower = entry.getValue();
            if (follower.role != Role.REPLICA || follower.state != LinkState.SYNCED || nowMs < follower.nextDigestAtMs) continue;
            if (digest == null) digest = machine.digest();
            follower.nextDigestAtMs = nowMs + intervalMs;
            emit(entry.getKey(), follower, new ReplicaMessage.Digest(partition, term, nextSeq - 1, digest), effects);
        }
        return effects;
    }

    /**
     * Runs, in order, the callbacks of every commit a quorum now holds.
     *
     * <p>While a replica new to the list is catching up (a member joined), the members it displaced
     * keep their votes: the old list's majority still holds every commit. Without them a join would
     * leave most partitions' commits waiting on a single in-sync replica for the whole catch-up,
     * and any pause of that one would stall them. This is as safe as the old list was: a member
     * that takes over later without some commit applies its records again from the log, from its
     * own checkpoint (which the log's retention keeps). The votes end, for good, once every
     * replica on the list is in sync.
     */
    private void settle(Effects effects) {
        endLingeringOnceInSync();
        int writeQuorum = writeQuorum();
        for (Follower follower : followers.values()) {
            // Kept on in production (checked at write in onAck, again here at read): an answer
            // counts only for a commit this owner made.
            Invariants.check(follower.ackedSeq < nextSeq, "partition %s, term %s: a member acknowledged %s, next commit is %s",
                    partition, term, follower.ackedSeq, nextSeq);
        }
        long frontierBefore = lastDurableSeq;
        // The state this owner started from: held by a quorum once a quorum is in sync with it
        // (in sync means holding at least what its Hello required). Staged changes of older terms
        // that it covers go on the feed then, even if no commit follows (an idle partition).
        if (lastDurableSeq < -1 && holders(-1, true) >= writeQuorum && fencedBy(-1) >= fenceQuorum()) {
            lastDurableSeq = -1;
            durableCheckpoint = startCheckpoint;
        }
        while (!pending.isEmpty()) {
            long seq = pending.peek().seq();
            int holders = holders(seq, false);
            if (holders(seq, true) < writeQuorum) break;
            if (fencedBy(seq) < fenceQuorum()) {
                fenceWaits++;
                break;
            }
            if (holders < writeQuorum) durableByLingeringVotes++;
            // Kept on in production: commit numbers rise, and become durable in the order they were made.
            Invariants.check(seq > lastDurableSeq && seq < nextSeq, "partition %s, term %s: commit %s durable after %s (next %s)",
                    partition, term, seq, lastDurableSeq, nextSeq);
            lastDurableSeq = seq;
            Pending done = pending.poll();
            durableCheckpoint = Math.max(durableCheckpoint, done.checkpoint());
            effects.durable().add(done.onDurable());
        }
        // Now the changes: this node's feed takes a change only once a quorum holds its commit.
        if (lastDurableSeq > frontierBefore) {
            effects.fed().addAll(machine.promote(storedTerm, lastDurableSeq, durableCheckpoint));
            // And the replicas' feeds, at once: waiting for the next commit to carry the frontier
            // (or for a tick, 20 ms, when none follows) held every change on a replica's feed for
            // one more commit interval of its partition. One small message per member per advance,
            // batched on the member's link with the commits.
            for (var entry : followers.entrySet()) {
                if (entry.getValue().state != LinkState.DOWN) tellDurable(entry.getKey(), entry.getValue(), effects);
            }
        }
    }

    /** Members holding commit {@code seq} (-1: the starting state), displaced ones still voting if {@code lingering}. */
    private int holders(long seq, boolean lingering) {
        int holders = selfIsReplica || (lingering && selfLingering) ? 1 : 0;
        for (Follower follower : followers.values()) {
            if (follower.state != LinkState.SYNCED || follower.ackedSeq < seq) continue;
            if (follower.role == Role.REPLICA || (lingering && follower.lingering)) holders++;
        }
        return holders;
    }

    /**
     * Whether a commit made now would be durable the moment it is made, and may skip staging: this
     * member alone is a write quorum and the fence's majority (one voting slot), nothing is pending, the frontier is set, and nothing of the
     * partition waits in staging. (A change staged under an ended term waits for a durable
     * checkpoint above its record; a later change of its key fed directly would put the key's
     * versions out of order: simulator seed 277.) A single node keeps its one write per commit.
     */
    public boolean durableAtOnce() {
        return pending.isEmpty() && lastDurableSeq >= -1 && selfIsReplica && writeQuorum() == 1 && fenceQuorum() == 1
                && machine.stagedCount() == 0;
    }

    /** The durable frontier ({@link #lastDurableSeq}'s meaning); {@link ReplicaMessage#NOTHING_DURABLE} before any. */
    public long durableSeq() {
        return lastDurableSeq;
    }

    /** The machine's checkpoint when this owner started: a quorum holds it once {@link #durableSeq} is -1 or more. */
    public long startCheckpoint() {
        return startCheckpoint;
    }

    /** The number the next commit gets: the engine stages a commit's changes under it. */
    public long nextSeq() {
        return nextSeq;
    }

    /**
     * Voters (replicas on the list and displaced ones still voting, this owner included when it is
     * one) that answered, under this owner's term, a message sent at or after commit {@code seq}.
     * Each of them had written this term durably before it answered, and so had not promised a
     * newer owner when it took the commit.
     */
    private int fencedBy(long seq) {
        // This owner's term was written durably before it led (PartitionFollower.lead).
        int fenced = selfIsReplica || selfLingering ? 1 : 0;
        for (Follower follower : followers.values()) {
            if (votes(follower) && follower.fencedSeq >= seq) fenced++;
        }
        return fenced;
    }

    /**
     * The fence: a commit becomes durable only once a majority of the voting slots promised this
     * owner's term and answered after it, whatever the {@link #writeQuorum} (which learners can
     * make smaller than a majority). A newer owner needs the promises of a majority too, and a
     * member that promised it refuses this term from then on; the two majorities share a member, so
     * once a newer owner holds its promises, nothing more of this owner can become durable. The
     * first answer to this owner's Hello is the member's promise (the prepare/promise round):
     * {@link PartitionFollower} writes the term durably before it answers anything under it.
     */
    public int fenceQuorum() {
        return votingSlots / 2 + 1;
    }

    /** The voting slots last set ({@link #members}): members that count toward the cluster's size, at most the replication factor. */
    public int votingSlots() {
        return votingSlots;
    }

    /**
     * Holders a commit needs now: a majority of the voting slots left once the <em>learners</em>
     * are taken out. A learner is a replica on the list that has not been in sync with this owner
     * in its term and that the plan's view did not show ready: a joiner still catching up, or one
     * that never will. It receives every commit but neither holds nor blocks a quorum, so a member
     * cannot stall commits by joining and never catching up. Why this is safe:
     *
     * <ol>
     *   <li>A learner holds nothing a later owner could need from it. It is not ready, so no plan
     *       picks it ahead of a ready member, and it becomes ready only by catching up to an
     *       owner's {@code required} (a Hello it meets, the log, or a snapshot), after which it
     *       holds every commit that owner made durable. The members that can take over without
     *       catching up first (this owner, the ready replicas, the displaced ones that still vote)
     *       are exactly the ones counted.</li>
     *   <li>The count grows only by caught-up members, which hold every earlier durable commit,
     *       and shrinks only by members that were never in sync with this owner (a replica whose
     *       gossip stopped showing it ready, say it restarted), which hold none of its commits: so
     *       the holders of a durable commit stay a majority of every later count. Once in sync with
     *       this owner a replica counts for the rest of the term, in sync or not, so an owner cut
     *       off from its replicas does not shrink the count to itself.</li>
     *   <li>The slots of members that failed but did not leave stay in the count (the plan's
     *       {@code votingSlots}), so a member cut off from the rest is still no majority alone.</li>
     * </ol>
     *
     * A member whose gossip says it is ready counts from the start, before it answers: it may hold
     * the partition from an earlier owner and could take over from its own copy.
     */
    public int writeQuorum() {
        int learners = 0;
        for (String id : unreadyInView) if (!syncedInTerm.contains(id)) learners++;
        return Math.max(1, votingSlots - learners) / 2 + 1;
    }

    private static boolean votes(Follower follower) {
        return follower.role == Role.REPLICA || follower.lingering;
    }

    private void endLingeringOnceInSync() {
        // A loop, not a stream: this runs on every answer (settle), and the stream was a steady
        // share of a replicating node's allocation.
        boolean anyLingering = selfLingering;
        for (Follower follower : followers.values()) anyLingering |= follower.lingering;
        if (!anyLingering) return;
        for (Follower follower : followers.values()) {
            if (follower.role == Role.REPLICA && follower.state != LinkState.SYNCED) return;
        }
        selfLingering = false;
        for (Follower follower : followers.values()) follower.lingering = false;
        // Displaced members not listed as observers (scale-out) get nothing more: they hold nothing
        // this owner needs now, and drop the partition once it tells them it holds all they hold.
        followers.keySet().retainAll(listed);
    }

    /** A replica saw a newer term: another member runs this partition now. */
    public boolean deposed() {
        return deposed;
    }

    public Term term() {
        return term;
    }

    /** The newest term that refused this owner (null if none): the next term must be above it. */
    public Term newerTerm() {
        return newerTerm;
    }

    public int partition() {
        return partition;
    }

    /** Commits sent but not yet held by a quorum. */
    public int pendingCount() {
        return pending.size();
    }

    /** Members in sync that count toward the quorum now: replicas, and displaced ones still voting. */
    public List<String> inSync() {
        endLingeringOnceInSync();
        List<String> result = new ArrayList<>();
        for (var entry : followers.entrySet()) {
            if (votes(entry.getValue()) && entry.getValue().state == LinkState.SYNCED) result.add(entry.getKey());
        }
        return result;
    }

    /**
     * How long {@code member} has owed an answer on this partition's link, as of {@link #tick}'s
     * marks: 0 when it answered everything sent up to the last tick; {@link Long#MAX_VALUE} when it
     * is not an in-sync replica of this owner. A member that is busy (catching up other partitions
     * on the same link, paused, starved) shows here before any gossip says so. The reconciler keeps
     * a partition from such a member for a while ({@link OwnershipReconciler}).
     */
    public long answerLagMs(String member, long nowMs) {
        Follower follower = followers.get(member);
        if (follower == null || follower.role != Role.REPLICA || follower.state != LinkState.SYNCED) return Long.MAX_VALUE;
        follower.dropAnswered();
        return follower.marks.isEmpty() ? 0 : Math.max(0, nowMs - follower.marks.peekFirst()[1]);
    }

    /**
     * Whether the in-sync replicas (this owner included when it is one) make a write quorum now:
     * without one nothing becomes durable, and holding on to the partition only holds it up.
     */
    public boolean hasQuorum() {
        endLingeringOnceInSync();
        int holders = selfIsReplica || selfLingering ? 1 : 0;
        int answering = holders;
        for (Follower follower : followers.values()) {
            if (votes(follower) && follower.state == LinkState.SYNCED) holders++;
            if (votes(follower) && follower.state != LinkState.DOWN) answering++;
        }
        return holders >= writeQuorum() && answering >= fenceQuorum();
    }

    public long snapshotsStarted() {
        return snapshotsStarted;
    }

    /** IN_SYNC answers of this term dropped because they claimed a commit this owner never made. */
    public long foreignAcks() {
        return foreignAcks;
    }

    /** Answers dropped because their term's epoch was above {@link Term#MAX_EPOCH}. */
    public long termsRefused() {
        return termsRefused;
    }

    /** Times a commit that a write quorum held waited for the fence's majority ({@link #fenceQuorum}). */
    public long fenceWaits() {
        return fenceWaits;
    }

    /** Commits that became durable only thanks to a displaced member's vote (see {@link #settle}). */
    public long durableByLingeringVotes() {
        return durableByLingeringVotes;
    }
}
