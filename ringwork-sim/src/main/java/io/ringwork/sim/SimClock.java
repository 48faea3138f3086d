package io.ringwork.sim;

import io.ringwork.core.time.Clock;

/** Simulated time: starts at 0 and moves only when the {@link Scheduler} runs the next event. */
public final class SimClock implements Clock {
    private long nowMs;

    @Override
    public long nowMs() {
        return nowMs;
    }

    void advanceTo(long timeMs) {
        if (timeMs < nowMs) throw new IllegalStateException("time cannot go back from " + nowMs + " to " + timeMs);
        nowMs = timeMs;
    }
}
