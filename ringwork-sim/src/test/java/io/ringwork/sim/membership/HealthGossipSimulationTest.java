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
}
