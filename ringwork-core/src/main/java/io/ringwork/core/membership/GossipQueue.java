package io.ringwork.core.membership;

import io.ringwork.core.util.Invariants;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Updates waiting to be piggybacked, each sent at most a limited number of times. Takes hand out
 * the least-transmitted first and, among equals, the newest first — new news spreads fastest.
 * A newer update about a member replaces the queued one (it supersedes it). Bounded: past
 * {@code capacity} the most-transmitted, oldest entries are dropped; push-pull repairs whatever
 * gossip loses. Not thread-safe.
 */
final class GossipQueue {
    private static final Comparator<Entry> ORDER =
            Comparator.<Entry>comparingInt(e -> e.transmits).thenComparing(e -> -e.order);

    private final int capacity;
    private final TreeSet<Entry> entries = new TreeSet<>(ORDER);
    private final Map<String, Entry> byMember = new HashMap<>();
    private long nextOrder;
    private long dropped;

    GossipQueue(int capacity) {
        this.capacity = capacity;
    }

    private static final class Entry {
        final String memberId;
        final MembershipMessage message;
        final int sizeBytes;
        final long order;
        int transmits;

        Entry(String memberId, MembershipMessage message, int sizeBytes, long order) {
            this.memberId = memberId;
            this.message = message;
            this.sizeBytes = sizeBytes;
            this.order = order;
        }
    }

    /** Queues {@code message} about {@code memberId}, replacing any older update about it. */
    void enqueue(String memberId, MembershipMessage message, int sizeBytes) {
        Entry previous = byMember.remove(memberId);
        if (previous != null) entries.remove(previous);
        Entry entry = new Entry(memberId, message, sizeBytes, nextOrder++);
        entries.add(entry);
        byMember.put(memberId, entry);
        while (entries.size() > capacity) {
            Entry evicted = entries.pollLast();
            byMember.remove(evicted.memberId);
            dropped++;
        }
        Invariants.check(entries.size() == byMember.size(), "gossip index out of sync: %s vs %s",
                entries.size(), byMember.size());
    }

    /**
     * Takes updates whose sizes fit in {@code budgetBytes}, counts one transmission for each, and
     * forgets those sent {@code transmitLimit} times.
     */
    List<MembershipMessage> take(int budgetBytes, int transmitLimit) {
        List<Entry> taken = new ArrayList<>();
        int remaining = budgetBytes;
        for (Entry entry : entries) {
            if (remaining < 8) break; // no update is smaller than this; stop scanning a long queue
            if (entry.sizeBytes <= remaining) {
                taken.add(entry);
                remaining -= entry.sizeBytes;
            }
        }
        List<MembershipMessage> messages = new ArrayList<>(taken.size());
        for (Entry entry : taken) {
            entries.remove(entry);
            entry.transmits++;
            messages.add(entry.message);
            if (entry.transmits < transmitLimit) entries.add(entry);
            else byMember.remove(entry.memberId);
        }
        return messages;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    /** Updates evicted at the capacity limit since creation. */
    long dropped() {
        return dropped;
    }
}
