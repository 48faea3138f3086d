package io.ringwork.sim.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.health.HealthGossip;
import io.ringwork.core.health.HealthMap;
import io.ringwork.core.health.HealthResult;
import io.ringwork.core.health.HybridClock;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.time.RandomSource;
import io.ringwork.sim.Seeds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Health results riding on the simulated membership (issue 22, item 3): every node makes results
 * for random targets under loss and a network partition; after the heal, every node's
 * {@link HealthMap} converges to the join of everything made, by gossip broadcasts and push-pull
 * pages alone. One seed per run ({@code SEED=n} replays one); the failure names it.
 */
class HealthGossipSimulationTest {
    private static final int NODES = 10;
    private static final int TARGETS = 400;
    private static final int CHANGES = 100;

    @Test
    void everyNodesHealthMapConvergesAfterLossAndAPartitionHeal() {
        long first = Seeds.fromEnvironment(1);
        int seeds = System.getenv("SEED") != null ? 1 : 5;
        for (long seed = first; seed < first + seeds; seed++) {
            long convergedAfterMs = run(seed);
            System.out.printf("health gossip seed %d: %d nodes converged %d ms after the heal%n", seed, NODES, convergedAfterMs);
            assertThat(convergedAfterMs).as("seed %s (replay with SEED=%s)", seed, seed).isLessThan(60_000);
        }
    }

    private static long run(long seed) {
        MembershipConfig config = MembershipConfig.lan("sim");
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(NODES).config(config).build();
        cluster.startConverged().runFor(2_000);
        List<String> ids = cluster.ids();
        Map<String, HealthGossip> gossips = new HashMap<>();
        for (String id : ids) {
            HealthGossip gossip = new HealthGossip(cluster::nowMs, () -> config.retransmitLimit(NODES), (t, before, after) -> { });
            gossips.put(id, gossip);
            cluster.member(id).membership().delegate(gossip);
        }
        HealthMap everything = new HealthMap();
        RandomSource random = cluster.scheduler().derivedRandom();
        // 3,000 results over 20 s, made on random nodes: loss throughout, a partition in the middle.
        long startMs = cluster.nowMs();
        for (int i = 0; i < 3_000; i++) {
            long atMs = startMs + random.nextInt(20_000);
            String node = ids.get(random.nextInt(NODES));
            String target = "t" + random.nextInt(TARGETS);
            int epoch = 1 + random.nextInt(3);
            HealthResult.Status status = HealthResult.Status.values()[random.nextInt(4)];
            int latency = random.nextInt(1_000);
            cluster.scheduler().at(atMs, () -> {
                HealthGossip gossip = gossips.get(node);
                HealthResult result = new HealthResult(status, atMs, latency, status == HealthResult.Status.UNHEALTHY ? "refused" : "",
                        new HealthResult.Stamp(epoch, gossip.tick(), node), 1_000, new TreeMap<>(Map.of("node", node)));
                everything.put(target, result);
                if (random.nextInt(3) == 0) gossip.quiet(target, result); // only the pages carry these
                else gossip.local(target, result);
            });
        }
        cluster.loss(0.05).runFor(5_000)
                .partition(ids.subList(0, 5), ids.subList(5, NODES)).runFor(10_000)
                .heal().runFor(5_000);
        long healedAtMs = cluster.nowMs() - 5_000;
        Map<String, HealthResult> expected = everything.view();
        while (cluster.nowMs() - healedAtMs < 120_000) {
            boolean converged = true;
            for (HealthGossip gossip : gossips.values()) converged &= gossip.map().view().equals(expected);
            if (converged) return cluster.nowMs() - healedAtMs;
            cluster.runFor(100);
        }
        return Long.MAX_VALUE;
    }

    /**
     * A change of status reaches every node about one network hop after it is made when it is
     * pushed to every member at once (as HealthService does: {@link HealthGossip#urgent} plus the
     * membership's broadcastNow), even while a takeover's thousands of quiet results fill the
     * gossip queue, and under 5 % loss; the ordinary gossip rounds alone are slower. The p99 over
     * 100 changes per seed must stay under 1 s (issue 22's acceptance, simulated time).
     */
    @Test
    void aChangeOfStatusPushedAtOnceReachesEveryNodeWithinAHop() {
        long first = Seeds.fromEnvironment(1);
        int seeds = System.getenv("SEED") != null ? 1 : 2;
        // The gossip rounds alone, once: the comparison the push is for.
        long[] gossiped = spread(first, false);
        for (long seed = first; seed < first + seeds; seed++) {
            long[] pushed = spread(seed, true);
            System.out.printf("health gossip seed %d: a change of status on every node after p50 %d / p99 %d ms pushed at once "
                    + "(seed %d by gossip rounds alone: p50 %d / p99 %d ms)%n", seed, pushed[0], pushed[1], first, gossiped[0], gossiped[1]);
            assertThat(pushed[1]).as("p99 pushed at once, seed %s (replay with SEED=%s)", seed, seed).isLessThan(1_000);
            assertThat(pushed[0]).as("p50 pushed at once, seed %s", seed).isLessThan(gossiped[0]);
        }
    }

    /** {p50, p99} over 100 changes of the time until every node's map holds the change. */
    private static long[] spread(long seed, boolean pushAtOnce) {
        MembershipConfig config = MembershipConfig.lan("sim");
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(NODES).config(config).build();
        cluster.startConverged().runFor(2_000);
        List<String> ids = cluster.ids();
        Map<String, HealthGossip> gossips = new HashMap<>();
        // For each change (target "c<i>"), when it was made and how many nodes hold it; the time the last one got it.
        Map<String, Long> madeAtMs = new HashMap<>();
        Map<String, Integer> holders = new HashMap<>();
        List<Long> spreadMs = new java.util.ArrayList<>();
        for (String id : ids) {
            HealthGossip gossip = new HealthGossip(cluster::nowMs, () -> NODES - 1 + config.retransmitLimit(NODES), (t, before, after) -> {
                if (!t.startsWith("c") || after.status() != HealthResult.Status.UNHEALTHY) return;
                if (holders.merge(t, 1, Integer::sum) == NODES) spreadMs.add(cluster.nowMs() - madeAtMs.get(t));
            });
            gossips.put(id, gossip);
            cluster.member(id).membership().delegate(gossip);
        }
        RandomSource random = cluster.scheduler().derivedRandom();
        // Every target is known healthy everywhere first: the changes below are changes of a known status.
        for (int i = 0; i < CHANGES; i++) {
            String node = ids.get(random.nextInt(NODES));
            HealthGossip gossip = gossips.get(node);
            gossip.local("c" + i, new HealthResult(HealthResult.Status.HEALTHY, cluster.nowMs(), 1, "",
                    new HealthResult.Stamp(1, gossip.tick(), node), 30_000, new TreeMap<>()));
        }
        cluster.runFor(10_000);
        long startMs = cluster.nowMs();
        // A takeover's worth of quiet news in every queue: 3,000 results with a new checker on one node.
        String busy = ids.getFirst();
        cluster.scheduler().at(startMs, () -> {
            HealthGossip gossip = gossips.get(busy);
            for (int n = 0; n < 3_000; n++) {
                gossip.local("q" + n, new HealthResult(HealthResult.Status.HEALTHY, startMs, 1, "",
                        new HealthResult.Stamp(2, gossip.tick(), busy), 30_000, new TreeMap<>()));
            }
        });
        for (int i = 0; i < CHANGES; i++) {
            long atMs = startMs + 10 + i * 100L + random.nextInt(50);
            String node = i % 4 == 0 ? busy : ids.get(random.nextInt(NODES));
            String target = "c" + i;
            cluster.scheduler().at(atMs, () -> {
                HealthGossip gossip = gossips.get(node);
                madeAtMs.put(target, cluster.nowMs());
                HealthResult result = new HealthResult(HealthResult.Status.UNHEALTHY, cluster.nowMs(), 1, "refused",
                        new HealthResult.Stamp(2, gossip.tick(), node), 30_000, new TreeMap<>());
                if (pushAtOnce) {
                    gossip.urgent(target, result);
                    cluster.member(node).broadcastNow();
                } else {
                    gossip.local(target, result);
                }
            });
        }
        cluster.loss(0.05).runFor(CHANGES * 100L + 10_000);
        assertThat(spreadMs).as("changes every node got, seed %s", seed).hasSize(CHANGES);
        List<Long> sorted = spreadMs.stream().sorted().toList();
        return new long[] {sorted.get(sorted.size() / 2), sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1)};
    }
}
