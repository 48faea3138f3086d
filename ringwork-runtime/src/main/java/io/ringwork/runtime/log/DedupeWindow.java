package io.ringwork.runtime.log;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The idempotency ids recently appended to one partition, with their offsets: at most
 * {@code maxIds} of them (the oldest are forgotten first) and none older than {@code maxAgeMs}.
 * Memory is bounded by {@code maxIds} entries. Not thread-safe: the partition's writer owns it.
 */
final class DedupeWindow {
    private record Seen(long offset, long timestampMs) {}

    private final int maxIds;
    private final long maxAgeMs;
    /** Insertion order is append order: the eldest entry is the oldest record. */
    private final LinkedHashMap<String, Seen> seen = new LinkedHashMap<>();

    DedupeWindow(int maxIds, long maxAgeMs) {
        this.maxIds = maxIds;
        this.maxAgeMs = maxAgeMs;
    }

    /** Offset of the record that last carried {@code id} within the window at {@code nowMs}, or -1. */
    long lookup(String id, long nowMs) {
        Seen s = seen.get(id);
        if (s == null) return -1;
        if (s.timestampMs() < nowMs - maxAgeMs) {
            seen.remove(id);
            return -1;
        }
        return s.offset();
    }

    /** Remembers that {@code id} was appended at {@code offset}; a later record with the same id replaces an earlier one. */
    void add(String id, long offset, long timestampMs) {
        if (maxIds == 0) return;
        seen.remove(id);
        seen.put(id, new Seen(offset, timestampMs));
        evict(timestampMs);
    }

    void clear() {
        seen.clear();
    }

    int size() {
        return seen.size();
    }

    private void evict(long nowMs) {
        Iterator<Map.Entry<String, Seen>> eldest = seen.entrySet().iterator();
        while (eldest.hasNext()) {
            Seen s = eldest.next().getValue();
            if (seen.size() <= maxIds && s.timestampMs() >= nowMs - maxAgeMs) break;
            eldest.remove();
        }
    }
}
