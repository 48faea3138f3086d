package io.ringwork.core.health;

import java.util.HashMap;
import java.util.Map;

/**
 * What a node's plans said about each partition's owner, as the health checker needs it for a
 * takeover window ({@link TakeoverGap}): the owner now and since when the plan named it, the owner
 * before, and when the plan had moved the partition to that one. A move is only known when this
 * node saw it: the owners its first plan found (a joiner's, or after a restart) have no such time,
 * so they never count as fresh owners. Not thread-safe (the scheduler's).
 */
public final class OwnerHistory {
    private final Map<Integer, String> owner = new HashMap<>(), previous = new HashMap<>();
    private final Map<Integer, Long> namedMs = new HashMap<>(), movedMs = new HashMap<>(), previousMovedMs = new HashMap<>();

    /** The plan names {@code owner} for {@code partition}, as of {@code namedMs}; nothing happens when it did already. */
    public void observe(int partition, String owner, long namedMs) {
        String was = this.owner.get(partition);
        if (owner == null || owner.equals(was)) return;
        if (was != null) {
            previous.put(partition, was);
            Long wasMovedMs = movedMs.get(partition);
            if (wasMovedMs != null) previousMovedMs.put(partition, wasMovedMs);
            else previousMovedMs.remove(partition);
            movedMs.put(partition, namedMs);
        }
        this.owner.put(partition, owner);
        this.namedMs.put(partition, namedMs);
    }

    public String owner(int partition) {
        return owner.get(partition);
    }

    /** When the plan named the current owner (its first plan included), or {@code orElse}. */
    public long ownerNamedMs(int partition, long orElse) {
        return namedMs.getOrDefault(partition, orElse);
    }

    /** The owner before the current one, or null. */
    public String previousOwner(int partition) {
        return previous.get(partition);
    }

    /** When a plan moved the partition to the previous owner, as seen here, or {@code Long.MIN_VALUE}. */
    public long previousOwnerMovedMs(int partition) {
        return previousMovedMs.getOrDefault(partition, Long.MIN_VALUE);
    }
}
