package io.ringwork.core.health;

/**
 * A hybrid logical clock (Kulkarni et al.): timestamps that follow physical time where clocks
 * agree and never go backwards or repeat on one node, even when its physical clock does, and that
 * exceed every timestamp the node has received. The caller passes physical time in; no clock is
 * read here. Not thread-safe: one per node, its caller serialises.
 */
public final class HybridClock {
    /** A timestamp: physical milliseconds, then a counter for events within one of them. */
    public record Time(long wallMs, int logical) implements Comparable<Time> {
        public static final Time ZERO = new Time(0, 0);

        @Override
        public int compareTo(Time other) {
            int byWall = Long.compare(wallMs, other.wallMs);
            return byWall != 0 ? byWall : Integer.compare(logical, other.logical);
        }
    }

    private long wallMs;
    private int logical;

    /** The timestamp of a local event (a check result) at physical time {@code nowMs}. */
    public Time tick(long nowMs) {
        if (nowMs > wallMs) {
            wallMs = nowMs;
            logical = 0;
        } else {
            logical++;
        }
        return new Time(wallMs, logical);
    }

    /** Takes in a timestamp received from another node at physical time {@code nowMs}: later ticks exceed it. */
    public void receive(Time remote, long nowMs) {
        long max = Math.max(Math.max(wallMs, remote.wallMs()), nowMs);
        if (max == wallMs && max == remote.wallMs()) logical = Math.max(logical, remote.logical()) + 1;
        else if (max == wallMs) logical++;
        else if (max == remote.wallMs()) logical = remote.logical() + 1;
        else logical = 0;
        wallMs = max;
    }

    /** The last timestamp given or taken in. */
    public Time last() {
        return new Time(wallMs, logical);
    }
}
