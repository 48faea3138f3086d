package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long after a kill every survivor's membership lists the killed node as dead: each survivor's
 * {@code /v1/cluster} is polled every {@link #POLL_MS} until its member entry for the victim says
 * {@code dead} (or the entry is gone, reaped). The figure is the detection part of a failover, on
 * real processes; the simulator measures the same for the protocol alone.
 */
final class DeathWatch {
    static final long POLL_MS = 25;

    /** Per survivor, ms from the kill until it listed the victim dead; absent for a survivor that had not by the deadline. */
    record Seen(Map<String, Long> bySurvivor, int survivors) {
        /** Every survivor saw the death. */
        boolean complete() {
            return bySurvivor.size() == survivors;
        }

        /** The last survivor's time, -1 when not every survivor saw it. */
        long everyMs() {
            return complete() ? bySurvivor.values().stream().mapToLong(Long::longValue).max().orElse(0) : -1;
        }
    }

    private DeathWatch() {}

    /** Polls {@code survivors} from {@code killedAtNs} until each lists {@code victim} dead or {@code budgetMs} passed. */
    static Seen await(ChaosCluster cluster, String victim, List<String> survivors, long killedAtNs, long budgetMs)
            throws InterruptedException {
        Map<String, Long> seen = new LinkedHashMap<>();
        List<String> waiting = new ArrayList<>(survivors);
        long deadlineNs = killedAtNs + budgetMs * 1_000_000;
        while (!waiting.isEmpty() && System.nanoTime() < deadlineNs) {
            for (String survivor : List.copyOf(waiting)) {
                if (listsDead(cluster, survivor, victim)) {
                    seen.put(survivor, (System.nanoTime() - killedAtNs) / 1_000_000);
                    waiting.remove(survivor);
                }
            }
            if (!waiting.isEmpty()) Thread.sleep(POLL_MS);
        }
        return new Seen(seen, survivors.size());
    }

    private static boolean listsDead(ChaosCluster cluster, String survivor, String victim) throws InterruptedException {
        JsonNode view;
        try {
            view = cluster.client(survivor, Duration.ofMillis(500)).cluster();
        } catch (java.io.IOException e) {
            return false; // a busy survivor answers at the next poll
        }
        return listsDead(view, victim);
    }

    /** The member list of a {@code /v1/cluster} answer shows {@code victim} dead, or no longer shows it. */
    static boolean listsDead(JsonNode clusterView, String victim) {
        JsonNode members = clusterView.path("members");
        if (!members.isArray() || members.isEmpty()) return false;
        for (JsonNode member : members) {
            if (member.path("id").asText().equals(victim)) return member.path("state").asText().equals("dead");
        }
        return true;
    }
}
