package io.ringwork.core.health;

import io.ringwork.core.membership.Membership;
import io.ringwork.core.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * A node's {@link HealthMap} and how it travels ({@link Membership.Delegate}): results this node
 * made, and results it learned that changed its map, are queued and piggybacked on gossip packets,
 * each sent up to {@code retransmits} times (memberlist's transmit-limited queue, so a result
 * reaches every node epidemically with O(log N) sends); every push-pull carries the next page of
 * the whole map in target order, so a node that missed a broadcast (a lost packet, a partition)
 * is repaired within (targets / page) push-pulls. Merges go through {@link HealthMap#merge}, the
 * CRDT's join, so order and repetition do not matter.
 *
 * <p>Limits: the queue holds one entry per target (a newer result replaces the queued one) and at
 * most {@link #QUEUE_MAX} targets; past it the oldest entry is dropped and counted, and push-pull
 * repairs what it carried. Not thread-safe: the runtime wraps every call in one lock.
 */
public final class HealthGossip implements Membership.Delegate {
    public static final int QUEUE_MAX = 200_000;
    public static final int URGENT_MAX = 10_000;

    /** Told about every entry of the map that changed, local or merged. */
    public interface Listener {
        void changed(String target, HealthResult before, HealthResult after);
    }

    private record Queued(HealthResult result, int sends) {}

    private final HealthMap map = new HealthMap();
    private final HybridClock clock = new HybridClock();
    private final Clock time;
    private final IntSupplier retransmits;
    private final Listener listener;
    private final LinkedHashMap<String, Queued> queue = new LinkedHashMap<>();
    /** Changes of status of known targets (made here or heard): sent before anything in {@link #queue}, at most {@link #URGENT_MAX}. */
    private final LinkedHashMap<String, Queued> urgent = new LinkedHashMap<>();
    /** The last target of the page sent with the previous push-pull; the next page starts after it. */
    private String pageCursor = "";
    private long dropped, merged, malformed;

    /**
     * @param retransmits how many times each queued result is sent (e.g. the membership's retransmit limit)
     */
    public HealthGossip(Clock time, IntSupplier retransmits, Listener listener) {
        this.time = time;
        this.retransmits = retransmits;
        this.listener = listener;
    }

    /** The hybrid time of a result this node makes now. */
    public HybridClock.Time tick() {
        return clock.tick(time.nowMs());
    }

    /** Puts a result this node made and queues it for gossip; returns whether it changed the map. */
    public boolean local(String target, HealthResult result) {
        HealthResult bounded = HealthCodec.bounded(result);
        HealthResult before = map.get(target);
        if (!map.put(target, bounded)) return false;
        listener.changed(target, before, bounded);
        enqueue(target, bounded);
        return true;
    }

    /**
     * As {@link #local}, for a change of status: queued ahead of everything else, so the next
     * packet (the runtime asks the membership to send one to every member at once) carries it
     * even while a takeover's thousands of results wait in the queue. Past {@link #URGENT_MAX}
     * queued changes it waits in the ordinary queue.
     */
    public boolean urgent(String target, HealthResult result) {
        HealthResult bounded = HealthCodec.bounded(result);
        HealthResult before = map.get(target);
        if (!map.put(target, bounded)) return false;
        listener.changed(target, before, bounded);
        enqueueUrgent(target, bounded);
        return true;
    }

    private void enqueueUrgent(String target, HealthResult result) {
        queue.remove(target);
        urgent.remove(target);
        if (urgent.size() >= URGENT_MAX) enqueue(target, result);
        else urgent.put(target, new Queued(result, 0));
    }

    /**
     * Records a result without gossiping it now: a check that changed nothing but latency. Peers
     * get it with the next push-pull page; broadcasting every check would spend the gossip's bytes
     * on results that tell nobody anything new.
     */
    public void quiet(String target, HealthResult result) {
        HealthResult bounded = HealthCodec.bounded(result);
        HealthResult before = map.get(target);
        if (map.put(target, bounded)) listener.changed(target, before, bounded);
    }

    private void enqueue(String target, HealthResult result) {
        urgent.remove(target);
        queue.remove(target);
        queue.put(target, new Queued(result, 0));
        if (queue.size() > QUEUE_MAX) {
            Iterator<String> oldest = queue.keySet().iterator();
            oldest.next();
            oldest.remove();
            dropped++;
        }
    }

    private int mergeAll(Map<String, HealthResult> results, boolean regossip) {
        int changed = 0;
        long nowMs = time.nowMs();
        for (Map.Entry<String, HealthResult> e : results.entrySet()) {
            clock.receive(e.getValue().stamp().time(), nowMs);
            HealthResult before = map.get(e.getKey());
            if (!map.put(e.getKey(), e.getValue())) continue;
            changed++;
            listener.changed(e.getKey(), before, e.getValue());
            // A change of status of a known target heard from a peer is passed on ahead of other news too, so
            // the epidemic reaches a node the direct push missed within a few gossip rounds, not behind a
            // backlog (a takeover's or a registration's thousands of new results go the ordinary way).
            if (regossip && before != null && before.status() != e.getValue().status()) enqueueUrgent(e.getKey(), e.getValue());
            else if (regossip) enqueue(e.getKey(), e.getValue());
        }
        merged += changed;
        return changed;
    }

    // ---------------------------------------------------------------- Membership.Delegate

    @Override
    public boolean hasBroadcasts() {
        return !queue.isEmpty() || !urgent.isEmpty();
    }

    @Override
    public byte[] broadcast(int budgetBytes) {
        if (queue.isEmpty() && urgent.isEmpty()) return null;
        HealthCodec.Writer writer = new HealthCodec.Writer(budgetBytes);
        int limit = Math.max(1, retransmits.getAsInt());
        // Urgent ones stay urgent until sent limit times (each packet carries them first); the rest rotate.
        boolean full = fill(writer, urgent, limit, true);
        if (!full) fill(writer, queue, limit, false);
        return writer.entries() == 0 ? null : writer.toByteArray();
    }

    /** Adds entries of {@code from} to the packet until it is full (returns true then); counts their sends. */
    private static boolean fill(HealthCodec.Writer writer, LinkedHashMap<String, Queued> from, int limit, boolean keepPlace) {
        LinkedHashMap<String, Queued> again = new LinkedHashMap<>();
        boolean full = false;
        for (Iterator<Map.Entry<String, Queued>> it = from.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Queued> e = it.next();
            if (!writer.add(e.getKey(), e.getValue().result())) {
                full = true;
                break;
            }
            int sends = e.getValue().sends() + 1;
            if (keepPlace && sends < limit) {
                e.setValue(new Queued(e.getValue().result(), sends));
                continue;
            }
            it.remove();
            // Sent ones go to the back: the next packet carries others first.
            if (sends < limit) again.put(e.getKey(), new Queued(e.getValue().result(), sends));
        }
        from.putAll(again);
        return full;
    }

    @Override
    public void notifyMsg(byte[] payload) {
        HealthCodec.Decoded decoded = HealthCodec.decode(payload);
        if (decoded.malformed()) malformed++;
        mergeAll(decoded.results(), true);
    }

    @Override
    public byte[] localState(int budgetBytes) {
        if (map.size() == 0) return null;
        HealthCodec.Writer writer = new HealthCodec.Writer(budgetBytes);
        // The page starts after the last one's end and wraps around: every entry once per lap.
        String[] last = {pageCursor};
        map.forEachAfter(pageCursor, (target, result) -> {
            if (!writer.add(target, result)) return false;
            last[0] = target;
            return true;
        });
        pageCursor = last[0];
        return writer.entries() == 0 ? null : writer.toByteArray();
    }

    @Override
    public void mergeRemoteState(byte[] state) {
        HealthCodec.Decoded decoded = HealthCodec.decode(state);
        if (decoded.malformed()) malformed++;
        // Repair only: what a page fixes here is not broadcast again (every node pages its own map).
        mergeAll(decoded.results(), false);
    }

    // ---------------------------------------------------------------- reading

    public HealthMap map() {
        return map;
    }

    public int queued() {
        return queue.size() + urgent.size();
    }

    /** Queued results dropped past {@link #QUEUE_MAX}. */
    public long dropped() {
        return dropped;
    }

    /** Entries of other nodes' broadcasts and pages that changed this node's map. */
    public long merged() {
        return merged;
    }

    /** Payloads that did not decode to the end. */
    public long malformed() {
        return malformed;
    }
}
