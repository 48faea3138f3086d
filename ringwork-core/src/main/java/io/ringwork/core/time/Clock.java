package io.ringwork.core.time;

/**
 * The only way core logic learns the time. The runtime passes a wall or monotonic clock; the
 * simulator passes its simulated clock. Core code never calls {@code System.currentTimeMillis}.
 */
public interface Clock {
    /** Milliseconds since the epoch (runtime) or since the simulation started (simulator). */
    long nowMs();
}
