package io.ringwork.runtime.feed;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.util.Invariants;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Where a node's publisher of changes stands in its own change feed: the resume logic of
 * {@link ChangesPublisher}, without threads or Kafka. Not thread-safe (one publisher thread).
 *
 * <p>A node publishes the changes of the partitions it runs, read from its feed in position order.
 * One cursor ({@link #next}) scans the feed; a partition's entries are sent from its own
 * {@code sendFrom} position on, so a scan that goes back for one partition repeats no other.
 *
 * <ul>
 *   <li><b>Gaining a partition</b> (this node started running it: a takeover, a restart, a new
 *       cluster) re-sends its whole retained feed: whoever ran it before may have died with changes
 *       on its feed that Kafka never acknowledged, and this node cannot know which. Its feed holds
 *       them (a replica feeds a change once a quorum holds its commit, "feed after durability"),
 *       unless it jumped by snapshot ({@link #gained}, the caller then sends the states as well).
 *       The partitions it already ran keep their place: the cursor goes back to the feed's start,
 *       and their {@code sendFrom} moves up to where the cursor was.</li>
 *   <li><b>Losing a partition</b> stops its sends; its next owner re-sends it.</li>
 *   <li><b>A failed send</b> ({@link #failed}) takes the cursor and its partition's {@code sendFrom}
 *       back to the failed entry, so it and everything after it are sent again (duplicates).</li>
 * </ul>
 * Everything here only ever sends a change again, never skips one, which is what makes the topic
 * at least once; a consumer keeping the highest version per key drops the repeats.
 */
public final class PublishCursor {
    private static final long NOT_SENT = Long.MAX_VALUE;

    private final boolean[] running;
    private final long[] sendFrom;
    private long next;

    public PublishCursor(int partitions) {
        Invariants.require(partitions > 0, "partitions must be positive, got %s", partitions);
        this.running = new boolean[partitions];
        this.sendFrom = new long[partitions];
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
            }
        }
        if (count == 0) return new int[0];
        // Partitions already running keep their place: nothing below the cursor is sent to them again.
        for (int p = 0; p < running.length; p++) {
            if (running[p]) sendFrom[p] = Math.max(sendFrom[p], next);
        }
        for (int i = 0; i < count; i++) {
            running[gained[i]] = true;
            sendFrom[gained[i]] = 0;
        }
        next = 0;
        return Arrays.copyOf(gained, count);
    }

    /** The feed position to read from next. */
    public long next() {
        return next;
    }

    /** True when {@code entry} is to be sent: its partition runs here and it is at or past the partition's place. */
    public boolean accept(FeedEntry entry) {
        int p = entry.change().partition();
        Invariants.check(p >= 0 && p < running.length, "feed entry of partition %s, outside [0, %s)", p, running.length);
        Invariants.check(entry.position() >= next, "feed entry %s read behind the cursor %s", entry.position(), next);
        return running[p] && entry.position() >= sendFrom[p];
    }

    /** The feed was read up to and including {@code position}. */
    public void advance(long position) {
        next = Math.max(next, position + 1);
    }

    /** The send of the entry at {@code position} of {@code partition} failed: send it and what follows again. */
    public void failed(long position, int partition) {
        next = Math.min(next, position);
        if (running[partition]) sendFrom[partition] = Math.min(sendFrom[partition], position);
    }

    /** True while this node runs {@code partition} (as of the last {@link #owners}). */
    public boolean runs(int partition) {
        return running[partition];
    }
}
