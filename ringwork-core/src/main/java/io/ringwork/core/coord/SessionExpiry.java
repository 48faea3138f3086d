package io.ringwork.core.coord;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.util.Invariants;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * When a node's keeper expires a session: the decision of {@code SessionKeeper} (runtime) and of
 * the simulator's keepers, with time as an argument.
 *
 * <p>A node watches the sessions of every partition it holds, as owner or as replica: for each it
 * remembers the last record applied to the session ({@link Outcomes#newest}: a keepalive, an
 * attach, the open) and the local time it first saw it. The deadline is that time plus the TTL;
 * a partition the node did not hold at the scan before starts its sessions at a full TTL. Only
 * the node that runs the partition acts: past the deadline it asks for
 * {@code session.close {"reason":"expired","ifLast":L}}, which the processor refuses
 * ({@code alive}) if any record of the session was applied after L.
 *
 * <p>Why never early: the record at L was appended after its client called, and a node sees its
 * effect after it was appended, so the deadline is at least TTL after that call. The close takes
 * effect only if L is still the session's last record in log order, so no keepalive answered
 * {@code ok} lies between L and the close. Hence a session closes at least TTL after the call of
 * its last acknowledged keepalive, whichever node decides (clocks of equal rate; each node
 * measures on its own monotonic clock). Why sooner than before: a replica that becomes the
 * owner after the owner died has been watching the keepalives all along, so its deadline is the
 * last keepalive's arrival plus the TTL, not its own start plus the TTL.
 *
 * <p>Bounded by the caller (it visits at most so many sessions per scan); not thread-safe: one
 * keeper thread (or the simulator's one thread) calls it.
 */
public final class SessionExpiry {
    /** A close to append: {@code session.close {"reason":"expired","ifLast":ifLast}} on {@code key}. */
    public record Close(String key, long ifLast, long ttlMs) {}

    /** How long a close that changed nothing (lost, or on a node that lost the partition) waits before it is asked again. */
    public static final long RETRY_MS = 2_000;

    private static final class Tracked {
        long last;
        long seenMs;
        boolean closeAsked;
        long closeAskedMs;
    }

    private final Map<String, Tracked> tracked = new HashMap<>();

    /**
     * Observes one session's state ({@code state}, as stored) on a partition this node holds.
     *
     * @param fresh   the partition was not held at the scan before: its sessions start at a full TTL
     * @param running this node runs the partition and may close the session
     * @return the close to append, or null
     */
    public Close observe(String key, JsonNode state, boolean fresh, boolean running, long nowMs) {
        Invariants.require(key != null && state != null, "a session needs its key and state");
        long last = Outcomes.newest(state);
        Tracked t = tracked.get(key);
        if (t == null || fresh || t.last != last) {
            t = t == null ? new Tracked() : t;
            t.last = last;
            t.seenMs = nowMs;
            t.closeAsked = false;
            tracked.put(key, t);
        }
        long ttlMs = state.path("ttlMs").asLong();
        if (!running || !SessionProcessor.isOpen(state) || nowMs - t.seenMs < ttlMs) return null;
        if (t.closeAsked && nowMs - t.closeAskedMs < RETRY_MS) return null;
        t.closeAsked = true;
        t.closeAskedMs = nowMs;
        return new Close(key, last, ttlMs);
    }

    /** When {@code key}'s session expires as this node sees it now (ms on the caller's clock), or -1 if it is not watched. */
    public long deadlineMs(String key, long ttlMs) {
        Tracked t = tracked.get(key);
        return t == null ? -1 : t.seenMs + ttlMs;
    }

    /** Forgets every session not in {@code present} (gone, or on a partition no longer held). */
    public void retainOnly(Set<String> present) {
        tracked.keySet().retainAll(present);
    }

    public int watched() {
        return tracked.size();
    }
}
