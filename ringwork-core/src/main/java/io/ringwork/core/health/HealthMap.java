package io.ringwork.core.health;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster's knowledge of every target's health: a map of last-writer-wins registers
 * ({@link HealthResult}, ordered by {@link HealthResult.Stamp}), which is a join-semilattice: the
 * join ({@link #merge}) is commutative, associative and idempotent, so nodes that exchange any
 * deltas in any order, repeated or not, end with the same map once each has seen every delta.
 * A removed target is a {@code REMOVED} result, so a late delta of the old target cannot bring it
 * back.
 *
 * <p>Deltas (delta-state CRDT): every local change or merge that changes an entry gives it the next
 * local sequence number; {@link #deltaSince} returns the entries changed after a sequence, which a
 * node gossips and its peers merge. A full map is a delta too (push-pull repair). Not thread-safe.
 */
public final class HealthMap {
    private record Entry(HealthResult result, long seq) {}

    private final TreeMap<String, Entry> entries = new TreeMap<>();
    private long seq;

    /** Puts a result this node produced (or received); kept only if it outranks the one held. Returns whether it changed the map. */
    public boolean put(String target, HealthResult result) {
        Entry held = entries.get(target);
        if (held != null && HealthResult.join(held.result(), result) == held.result()) return false;
        entries.put(target, new Entry(result, ++seq));
        return true;
    }

    /** Joins {@code delta} into this map; returns how many entries changed. */
    public int merge(Map<String, HealthResult> delta) {
        int changed = 0;
        for (Map.Entry<String, HealthResult> e : delta.entrySet()) if (put(e.getKey(), e.getValue())) changed++;
        return changed;
    }

    /** The entries changed after local sequence {@code afterSeq} (0: all), to gossip as a delta. */
    public Map<String, HealthResult> deltaSince(long afterSeq) {
        Map<String, HealthResult> delta = new TreeMap<>();
        entries.forEach((target, entry) -> {
            if (entry.seq() > afterSeq) delta.put(target, entry.result());
        });
        return delta;
    }

    /** The local sequence of the last change: a delta taken after it is empty. */
    public long seq() {
        return seq;
    }

    /** The result held for {@code target}, or null. */
    public HealthResult get(String target) {
        Entry entry = entries.get(target);
        return entry == null ? null : entry.result();
    }

    /** Every target's result, in target order (removed ones included). */
    public Map<String, HealthResult> view() {
        Map<String, HealthResult> view = new TreeMap<>();
        entries.forEach((target, entry) -> view.put(target, entry.result()));
        return Collections.unmodifiableMap(view);
    }

    /** Every target's result in target order (removed ones included), without a copy. */
    public void forEach(java.util.function.BiConsumer<String, HealthResult> action) {
        entries.forEach((target, entry) -> action.accept(target, entry.result()));
    }

    /**
     * The entries after {@code after} in target order, then from the first up to and including
     * {@code after}: each once, until {@code action} answers false. Costs what it visits, not the
     * map's size (a push-pull page of a 100,000-target map used to copy the map twice).
     */
    public void forEachAfter(String after, java.util.function.BiPredicate<String, HealthResult> action) {
        for (Map.Entry<String, Entry> e : entries.tailMap(after, false).entrySet()) {
            if (!action.test(e.getKey(), e.getValue().result())) return;
        }
        for (Map.Entry<String, Entry> e : entries.headMap(after, true).entrySet()) {
            if (!action.test(e.getKey(), e.getValue().result())) return;
        }
    }

    public int size() {
        return entries.size();
    }
}
