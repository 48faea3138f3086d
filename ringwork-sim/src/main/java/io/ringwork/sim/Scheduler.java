package io.ringwork.sim;

import io.ringwork.core.time.RandomSource;

import java.util.PriorityQueue;

/**
 * The one event queue of a simulation. Events run in time order, ties broken by the order they
 * were scheduled, so a seed fixes the whole run. Single-threaded; everything simulated runs
 * inside {@link #runUntil}. Bounded: more than {@code stepsMax} events is treated as a runaway
 * simulation and fails with the seed.
 */
public final class Scheduler {
    private record Event(long atMs, long order, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event other) {
            int byTime = Long.compare(atMs, other.atMs);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    private final long seed;
    private final RandomSource random;
    private final SimClock clock = new SimClock();
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final long stepsMax;
    private long steps;
    private long nextOrder;

    public Scheduler(long seed, long stepsMax) {
        this.seed = seed;
        this.random = RandomSource.seeded(seed);
        this.stepsMax = stepsMax;
    }

    public long seed() {
        return seed;
    }

    public SimClock clock() {
        return clock;
    }

    public long nowMs() {
        return clock.nowMs();
    }

    /** The simulation's own randomness (network faults, workload); nodes get streams derived from it. */
    public RandomSource random() {
        return random;
    }

    /** A new independent stream, derived deterministically from the seed. */
    public RandomSource derivedRandom() {
        return RandomSource.seeded(random.nextLong());
    }

    public long steps() {
        return steps;
    }

    /** Runs {@code action} at {@code atMs}, or now if that is in the past. */
    public void at(long atMs, Runnable action) {
        queue.add(new Event(Math.max(atMs, clock.nowMs()), nextOrder++, action));
    }

    public void after(long delayMs, Runnable action) {
        at(clock.nowMs() + delayMs, action);
    }

    /** Runs every event up to and including {@code untilMs}, then sets the clock to {@code untilMs}. */
    public void runUntil(long untilMs) {
        while (!queue.isEmpty() && queue.peek().atMs <= untilMs) {
            Event event = queue.poll();
            clock.advanceTo(event.atMs);
            if (++steps > stepsMax) {
                throw new SimulationFailure(seed, "more than " + stepsMax + " steps by " + clock.nowMs() + " ms");
            }
            event.action.run();
        }
        clock.advanceTo(Math.max(clock.nowMs(), untilMs));
    }

    public void runFor(long durationMs) {
        runUntil(clock.nowMs() + durationMs);
    }
}
