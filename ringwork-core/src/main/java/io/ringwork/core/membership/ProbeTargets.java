package io.ringwork.core.membership;

import io.ringwork.core.time.RandomSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * SWIM's probe order: every member once per round, in an order reshuffled each round, so a failed
 * member is probed by everyone within one round (bounded detection time) yet targets stay
 * unpredictable. New members go to a random place in the rest of the round. Not thread-safe.
 */
final class ProbeTargets {
    private final List<String> order = new ArrayList<>();
    private int next;

    /**
     * The next id that {@code eligible} accepts, reshuffling {@code candidates} when a round ends;
     * null when nobody is eligible. Looks at no more than two rounds' worth of ids.
     */
    String next(Predicate<String> eligible, Supplier<List<String>> candidates, RandomSource random) {
        for (int looked = 0, limit = 2 * Math.max(order.size(), 1) + 1; looked <= limit; looked++) {
            if (next >= order.size()) {
                reshuffle(candidates.get(), random);
                if (order.isEmpty()) return null;
            }
            String id = order.get(next++);
            if (eligible.test(id)) return id;
        }
        return null;
    }

    /** Adds a member that joined mid-round at a random position among the not-yet-probed. */
    void add(String id, RandomSource random) {
        int position = next + random.nextInt(order.size() - next + 1);
        order.add(position, id);
    }

    private void reshuffle(List<String> ids, RandomSource random) {
        order.clear();
        order.addAll(ids);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String swap = order.get(i);
            order.set(i, order.get(j));
            order.set(j, swap);
        }
        next = 0;
    }
}
