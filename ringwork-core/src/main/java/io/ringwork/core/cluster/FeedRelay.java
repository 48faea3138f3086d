package io.ringwork.core.cluster;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Brings to this node's feed the changes of the partitions it does not replicate, so that the
 * feed of every node carries every partition (scale-out: only a partition's replica set holds
 * its state). For each such partition it follows one source's feed (a member that holds the
 * partition in sync, the owner first) and appends what it gets through {@link StateStore#relayed},
 * at this node's own positions, so a consumer resumes with its Last-Event-ID as on any feed.
 *
 * <p><b>Switching source without a gap or a repeat.</b> Feed positions are per node, so the relay's
 * cross-node coordinate is the partition's log offset, which is every change's version:
 * <ol>
 *   <li>The <em>fed floor</em> F of the partition (kept in this node's store with the relayed
 *       changes, in the same write, so it survives restarts): every change at or below F that the
 *       sources hold is on this node's feed. A change at or below F is never fed again, nor one at
 *       or below the version this node already fed for its key (the store's fed versions, kept
 *       only above F). That is what makes the feed monotonic per key across sources, restarts,
 *       and a later time as a replica.</li>
 *   <li>Every page a source sends carries a <em>claim</em> (c, e): its {@link StateStore#feedCheckpoint}
 *       c, read before its feed's end e. Every change of a record at or below c that the source
 *       holds is at a source position below e. Once the relay has taken the source's feed up to
 *       e, F rises to c. The claim is dropped on a change of source. A source whose feed jumped by
 *       snapshot ({@link StateStore#feedGap}) above F claims nothing: it may lack changes.</li>
 *   <li>A fetch asks for the partition's changes above F; from a new source (or after a restart)
 *       the relay scans that source's retained feed from its start, a bounded number of entries
 *       per fetch, and the fed versions drop what it already has. So nothing above F is skipped,
 *       and nothing at or below it was missing (point 2).</li>
 * </ol>
 * The fed versions kept above F are the only per-key memory; they live in the store (on disk in
 * RocksDB) and shrink each time F rises, so they hold about the keys changed since the last
 * claim was met, plus a slow key's span of the owner's checkpoint window.
 *
 * <p>What it inherits: a source's feed is complete for the time the source was in sync (a
 * catch-up by snapshot jumps to the snapshot's versions), and a change trimmed from the source's
 * retained feed before the relay read it is not relayed.
 *
 * <p>Not thread-safe: the caller serialises {@link #tick}, {@link #onPage} and {@link #linkFailed}.
 */
public final class FeedRelay {
    /** A request for one partition's changes from a source's feed. */
    public record Fetch(int partition, long fromPosition, long afterVersion, int limit) {
        public Fetch {
            Invariants.require(limit > 0, "limit must be positive, got %s", limit);
        }
    }

    /**
     * A source's answer.
     *
     * @param source        false: the member does not hold the partition in sync (ask another)
     * @param changes       the partition's changes above the fetch's version, in feed order
     * @param nextPosition  the source position to fetch from next
     * @param checkpoint    the source's feed checkpoint ({@link StateStore#feedCheckpoint}): it holds every record up to
     *                      it, and a quorum holds their changes (they are on its feed)
     * @param claim         the claim's checkpoint ({@link StateStore#feedCheckpoint}), -1 if none
     * @param claimEnd      the source's feed end read after both: every change at or below the claim is below it
     * @param runs          the source runs the partition as its owner now (false from a member of an older version)
     */
    public record Page(int partition, boolean source, List<Change> changes, long nextPosition, long checkpoint,
                       long claim, long claimEnd, boolean runs) {
        public Page {
            changes = List.copyOf(changes);
        }

        /** A page from a source that does not say it runs the partition. */
        public Page(int partition, boolean source, List<Change> changes, long nextPosition, long checkpoint, long claim,
                    long claimEnd) {
            this(partition, source, changes, nextPosition, checkpoint, claim, claimEnd, false);
        }
    }

    /** A fetch to send to member {@code to}. */
    public record Request(String to, Fetch fetch) {}

    /** Settings (milliseconds are simulated or real, as the caller's clock). */
    public record Config(int pageLimit, int scanMax, long pollMs, long fetchTimeoutMs, long refuseMs) {
        public static Config defaults() {
            return new Config(1_024, 16_384, 100, 3_000, 1_000);
        }
    }

    private static final class Cursor {
        String source;
        long next;
        boolean claimPending;
        long claimCheckpoint = -1;
        long claimEnd;
        boolean inFlight;
        long sentAtMs;
        long pollAtMs;
        final Map<String, Long> refusedUntilMs = new HashMap<>();
        /** The checkpoint the current source last said it holds, who said it, and the feed end it said it with. */
        String claimedBy;
        long claimed = -1;
        long claimedEnd;
        /** Whether that member said it ran the partition when it claimed. */
        boolean claimedRunning;
        /** Whether that member's feed was whole above this relay's floor then (it made a claim: no snapshot jump). */
        boolean claimedWhole;
    }

    private final StateStore store;
    private final Config config;
    private final Map<Integer, Cursor> cursors = new TreeMap<>();
    private long switches;
    private volatile long relayedChanges; // read by metrics without the caller's lock

    public FeedRelay(StateStore store, Config config) {
        this.store = store;
        this.config = config;
    }

    /**
     * One step: follows exactly the partitions in {@code relayed} (a partition left out is
     * forgotten; its floor stays in the store) and returns the fetches to send now.
     *
     * @param sources per partition, the members that hold it in sync, best first (the owner)
     */
    public List<Request> tick(long nowMs, BitSet relayed, IntFunction<List<String>> sources) {
        cursors.keySet().removeIf(p -> !relayed.get(p));
        List<Request> requests = new ArrayList<>();
        for (int p = relayed.nextSetBit(0); p >= 0; p = relayed.nextSetBit(p + 1)) {
            Cursor cursor = cursors.computeIfAbsent(p, x -> new Cursor());
            if (cursor.inFlight) {
                if (nowMs - cursor.sentAtMs < config.fetchTimeoutMs()) continue;
                refuse(cursor, nowMs); // no answer in time: try another member
            }
            if (nowMs < cursor.pollAtMs) continue;
            String source = choose(cursor, sources.apply(p), nowMs);
            if (source == null) continue;
            if (!source.equals(cursor.source)) {
                // A new source: its positions are its own, so scan its retained feed from the start;
                // the floor and the fed versions drop what this node has already.
                cursor.source = source;
                cursor.next = 0;
                cursor.claimPending = false;
                switches++;
            }
            cursor.inFlight = true;
            cursor.sentAtMs = nowMs;
            requests.add(new Request(source, new Fetch(p, cursor.next, floor(p), config.pageLimit())));
        }
        return requests;
    }

    /** The partition's fed floor: this node's feed holds every source's changes at or below it. */
    private long floor(int p) {
        // A node that holds the partition's state (a replica not yet dropped) fed everything up to
        // its checkpoint, less what waits in staging for its durability word (feedCheckpoint);
        // after a drop the store's floor says so.
        return Math.max(store.fedFloor(p), store.feedCheckpoint(p));
    }

    private String choose(Cursor cursor, List<String> candidates, long nowMs) {
        cursor.refusedUntilMs.values().removeIf(until -> until <= nowMs);
        if (cursor.source != null && candidates.contains(cursor.source) && !cursor.refusedUntilMs.containsKey(cursor.source)) {
            // Keep the current source unless a better one (the owner, listed first) is there.
            String best = candidates.isEmpty() ? null : candidates.get(0);
            if (best == null || best.equals(cursor.source) || cursor.refusedUntilMs.containsKey(best)) return cursor.source;
            return best;
        }
        for (String candidate : candidates) if (!cursor.refusedUntilMs.containsKey(candidate)) return candidate;
        return null;
    }

    private void refuse(Cursor cursor, long nowMs) {
        cursor.inFlight = false;
        if (cursor.source != null) cursor.refusedUntilMs.put(cursor.source, nowMs + config.refuseMs());
        cursor.source = null;
        cursor.claimPending = false;
    }

    /**
     * A source's answer: appends its changes to this node's feed (through the store, which drops
     * what this node fed already) and raises the floor when the claim is met. An answer from a
     * member that is not the partition's current source, or not awaited, is ignored.
     *
     * @return the entries added to this node's feed
     */
    public List<FeedEntry> onPage(String from, Page page, long nowMs) {
        Cursor cursor = cursors.get(page.partition());
        if (cursor == null || !cursor.inFlight || !from.equals(cursor.source)) return List.of();
        cursor.inFlight = false;
        if (!page.source()) {
            refuse(cursor, nowMs);
            return List.of();
        }
        cursor.next = Math.max(cursor.next, page.nextPosition());
        cursor.claimedBy = from;
        cursor.claimed = page.checkpoint();
        cursor.claimedRunning = page.runs();
        cursor.claimedWhole = page.claim() >= 0;
        cursor.claimedEnd = page.claimEnd();
        if (!cursor.claimPending && page.claim() >= 0) {
            cursor.claimPending = true;
            cursor.claimCheckpoint = page.claim();
            cursor.claimEnd = page.claimEnd();
        }
        long floor = floor(page.partition());
        if (cursor.claimPending && cursor.next >= cursor.claimEnd) {
            floor = Math.max(floor, cursor.claimCheckpoint);
            cursor.claimPending = false;
        }
        List<FeedEntry> added = store.relayed(page.partition(), page.changes(), floor);
        relayedChanges += added.size();
        // Caught up with the source: poll again later; else fetch the next page at the next step.
        boolean caughtUp = page.changes().size() < config.pageLimit() && cursor.next >= page.claimEnd();
        cursor.pollAtMs = caughtUp ? nowMs + config.pollMs() : nowMs;
        return added;
    }

    /** The link to {@code to} lost a fetch or its answer: fetch that partition from another member. */
    public void linkFailed(String to, long nowMs) {
        for (Cursor cursor : cursors.values()) {
            if (cursor.inFlight && to.equals(cursor.source)) refuse(cursor, nowMs);
        }
    }

    /**
     * The checkpoint {@code member} last said it holds, in a page to this relay, or -1: that member
     * held every record up to it. A node that still holds a partition it no longer replicates
     * drops it only once the owner says at least its own checkpoint.
     */
    public long claimedBy(int partition, String member) {
        Cursor cursor = cursors.get(partition);
        return cursor != null && member.equals(cursor.claimedBy) ? cursor.claimed : -1;
    }

    /**
     * The checkpoint the partition's source last said it holds, in a page to this relay, if that
     * source said it ran the partition then; else -1. A member that runs a partition never drops
     * it, and hands it on only to an owner that takes it over from there, so a node that holds
     * such a claim's records is not their last holder. (A claim from a member that merely holds
     * the partition proves less: that member may drop it on this node's own word.)
     */
    public long claimedByRunner(int partition) {
        Cursor cursor = cursors.get(partition);
        return cursor != null && cursor.claimedBy != null && cursor.claimedRunning ? cursor.claimed : -1;
    }

    /**
     * True when the partition is relayed and this node's feed has what the sources hold up to
     * {@code checkpoint}: the fed floor reached it, or the current source holds it and the relay
     * has taken that source's feed to the end it had then, where that feed is whole above the
     * floor or the source runs the partition. A replica whose feed jumped by snapshot is not enough
     * while the owner's may be whole (simulator seed 973: a relay cut off from the owner read a
     * snapshotted replica, and the run counted it as caught up); an owner's feed is the most there
     * is, so a relay is as complete as the owner's feed.
     */
    public boolean caughtUpTo(int partition, long checkpoint) {
        Cursor cursor = cursors.get(partition);
        if (cursor == null) return false;
        if (floor(partition) >= checkpoint) return true;
        return cursor.claimedBy != null && cursor.claimedBy.equals(cursor.source) && (cursor.claimedWhole || cursor.claimedRunning)
                && cursor.claimed >= checkpoint && cursor.next >= cursor.claimedEnd;
    }

    /** The partitions followed now. */
    public BitSet relayed() {
        BitSet set = new BitSet();
        cursors.keySet().forEach(set::set);
        return set;
    }

    /** Changes of source switches (a new source's feed is scanned from its start). */
    public long switches() {
        return switches;
    }

    /** Changes this relay added to this node's feed. */
    public long relayedChanges() {
        return relayedChanges;
    }

    /**
     * The source side: answers a fetch from this node's store. {@code holds} says whether this node
     * holds the partition in sync (runs it, or is an in-sync replica); if not, the answer says so
     * and carries nothing. Reads at most {@code scanMax} feed entries and returns at most the
     * fetch's limit of changes, so an answer's cost is bounded whatever the feed's length.
     */
    public static Page serve(StateStore store, Fetch fetch, boolean holds, int scanMax) {
        return serve(store, fetch, holds, false, scanMax);
    }

    /** As {@link #serve(StateStore, Fetch, boolean, int)}, saying whether this node {@code runs} the partition. */
    public static Page serve(StateStore store, Fetch fetch, boolean holds, boolean runs, int scanMax) {
        int p = fetch.partition();
        if (!holds) return new Page(p, false, List.of(), fetch.fromPosition(), -1, -1, -1);
        // The claim first: every change at or below this checkpoint is below the end read after it.
        // Only over a stretch this feed holds whole: a feed that jumped by snapshot above what the
        // relay has may lack changes the relay has not, and its claim would hide them for good.
        // What the source holds durably: every change at or below it is on its feed, so a quorum
        // holds it (a relayer that drops the partition counts on that for what it staged).
        long checkpoint = store.feedCheckpoint(p);
        long claim = store.feedGap(p) <= fetch.afterVersion() ? checkpoint : -1;
        long end = store.feedEnd();
        List<FeedEntry> scanned = store.changes(fetch.fromPosition(), scanMax);
        List<Change> changes = new ArrayList<>();
        long next = Math.min(fetch.fromPosition(), end); // nothing there: stay (a feed never shrinks below its end)
        for (FeedEntry entry : scanned) {
            next = entry.position() + 1;
            Change change = entry.change();
            if (change.partition() == p && change.version() > fetch.afterVersion()) {
                changes.add(change);
                if (changes.size() >= fetch.limit()) break;
            }
        }
        return new Page(p, true, changes, next, checkpoint, claim, end, runs);
    }
}
