package io.ringwork.runtime.feed;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.util.Invariants;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Where a node's publisher of changes stands in its own change feed: the resume logic of
 * {@link ChangesPublisher}, without threads or Kafka. Not thread-safe (one publisher thread).
 *
 * <p>A node publishes the changes of the partitions it runs, read from its feed in position order,
 * with two cursors. The main one ({@link #next}) follows the feed as it grows; a partition's
 * entries are sent by it from the partition's own {@code sendFrom} position on. The replay one
 * ({@link #replayNext}) re-sends what gained partitions had in the feed before they were gained,
 * each partition's entries below its {@code replayUntil}, from its {@code replayFrom} on, and the
 * entries the main cursor meets for them meanwhile (so a partition's changes go out in feed order).
 * So a scan that goes back for one partition repeats no other, and a takeover does not hold the
 * new changes of the partitions already run behind a re-send of the whole retained feed.
 *
 * <ul>
 *   <li><b>Gaining a partition</b> (this node started running it: a takeover, a restart, a new
 *       cluster) re-sends its whole retained feed: whoever ran it before may have died with changes
 *       on its feed that Kafka never acknowledged, and this node cannot know which. Its feed holds
 *       them (a replica feeds a change once a quorum holds its commit, "feed after durability"),
 *       unless it jumped by snapshot ({@link #owners} returns it; the caller then sends the states
 *       as well). The main cursor sends the partition's entries from where it stands; the replay
 *       cursor goes back to the feed's start for the ones below. Partitions already replaying
 *       keep their place in the replay (their {@code replayFrom} moves up to where it was).</li>
 *   <li><b>Losing a partition</b> stops its sends, replay included; its next owner re-sends it.</li>
 *   <li><b>A failed send</b> ({@link #failed}) takes the cursor that sent it (the replay one for an
 *       entry below the partition's {@code replayUntil}) and the partition's place back to the
 *       failed entry, so it and everything after it are sent again (duplicates).</li>
 * </ul>
 * Everything here only ever sends a change again, never skips one, which is what makes the topic
 * at least once. A key's older changes may reach the topic after its newer ones (a re-send, a
 * replay beside the main cursor); a consumer keeping the highest version per key drops them.
 */
public final class PublishCursor {
    private static final long NOT_SENT = Long.MAX_VALUE;

    private final boolean[] running;
    private final long[] sendFrom;
    private final long[] replayFrom;
    /** Exclusive; 0: nothing to replay for the partition. */
    private final long[] replayUntil;
    private long next;
    private long replayNext;
    /** The highest {@code replayUntil} of a running partition: the replay is over once its cursor gets there. */
    private long replayEnd;

    public PublishCursor(int partitions) {
        Invariants.require(partitions > 0, "partitions must be positive, got %s", partitions);
        this.running = new boolean[partitions];
        this.sendFrom = new long[partitions];
        this.replayFrom = new long[partitions];
        this.replayUntil = new long[partitions];
        Arrays.fill(sendFrom, NOT_SENT);
    }

    /**
     * Takes the partitions this node runs now; returns the ones it gained since the last call (to
     * be re-sent from the start of the retained feed), in partition order.
     */
    public int[] owners(IntPredicate runs) {
        int[] gained = new int[running.length];
        int count = 0;
        for (int p = 0; p < running.length; p++) {
            boolean now = runs.test(p);
            if (now && !running[p]) gained[count++] = p;
            if (!now && running[p]) {
                running[p] = false;
                sendFrom[p] = NOT_SENT;
                replayUntil[p] = 0;
            }
        }
        if (count == 0) {
            replayEnd = highestReplayUntil();
            return new int[0];
        }
        // Partitions replaying already keep their place: nothing below the replay cursor is replayed to them again.
        for (int p = 0; p < running.length; p++) {
            if (running[p]) replayFrom[p] = Math.max(replayFrom[p], replayNext);
        }
        for (int i = 0; i < count; i++) {
            int p = gained[i];
            running[p] = true;
            sendFrom[p] = next;
            replayFrom[p] = 0;
            replayUntil[p] = next;
        }
        replayNext = 0;
        replayEnd = highestReplayUntil();
        return Arrays.copyOf(gained, count);
    }

    private long highestReplayUntil() {
        long end = 0;
        for (int p = 0; p < running.length; p++) {
            if (running[p]) end = Math.max(end, replayUntil[p]);
        }
        return end;
    }

    /** The feed position the main cursor reads from next. */
    public long next() {
        return next;
    }

    /**
     * True when {@code entry} is to be sent by the main cursor: its partition runs here and it is at
     * or past the partition's place. An entry of a partition whose replay is still under way joins
     * the replay instead (its {@code replayUntil} moves past it), so each partition's changes reach
     * the topic in feed order and a compacted topic keeps the newest last.
     */
    public boolean accept(FeedEntry entry) {
        int p = partitionOf(entry);
        Invariants.check(entry.position() >= next, "feed entry %s read behind the cursor %s", entry.position(), next);
        if (!running[p] || entry.position() < sendFrom[p]) return false;
        if (replayNext < replayUntil[p]) {
            replayUntil[p] = entry.position() + 1;
            replayEnd = Math.max(replayEnd, replayUntil[p]);
            sendFrom[p] = entry.position() + 1;
            return false;
        }
        return true;
    }

    /** The feed was read by the main cursor up to and including {@code position}. */
    public void advance(long position) {
        next = Math.max(next, position + 1);
    }

    /** True while gained partitions have entries before their gain left to re-send. */
    public boolean replaying() {
        return replayNext < replayEnd;
    }

    /** The feed position the replay cursor reads from next. */
    public long replayNext() {
        return replayNext;
    }

    /** Where the replay is over: feed positions from here on are the main cursor's. */
    public long replayEnd() {
        return replayEnd;
    }

    /** True when {@code entry} is to be sent by the replay cursor. */
    public boolean acceptReplay(FeedEntry entry) {
        int p = partitionOf(entry);
        Invariants.check(entry.position() >= replayNext, "feed entry %s read behind the replay cursor %s", entry.position(), replayNext);
        return running[p] && entry.position() >= replayFrom[p] && entry.position() < replayUntil[p];
    }

    /** The feed was read by the replay cursor up to and including {@code position}. */
    public void advanceReplay(long position) {
        replayNext = Math.max(replayNext, position + 1);
    }

    /** The feed holds nothing more from the replay cursor on (its start moved past): the replay is over. */
    public void replayDone() {
        replayNext = Math.max(replayNext, replayEnd);
    }

    /** The send of the entry at {@code position} of {@code partition} failed: send it and what follows again. */
    public void failed(long position, int partition) {
        if (running[partition] && position < replayUntil[partition]) {
            // A replayed entry: the replay goes back for it; the others keep their place in the replay.
            for (int p = 0; p < running.length; p++) {
                if (p != partition && running[p]) replayFrom[p] = Math.max(replayFrom[p], replayNext);
            }
            replayFrom[partition] = Math.min(replayFrom[partition], position);
            replayNext = Math.min(replayNext, position);
            return;
        }
        next = Math.min(next, position);
        if (running[partition]) sendFrom[partition] = Math.min(sendFrom[partition], position);
    }

    /** True while this node runs {@code partition} (as of the last {@link #owners}). */
    public boolean runs(int partition) {
        return running[partition];
    }

    private int partitionOf(FeedEntry entry) {
        int p = entry.change().partition();
        Invariants.check(p >= 0 && p < running.length, "feed entry of partition %s, outside [0, %s)", p, running.length);
        return p;
    }
}
