package io.ringwork.sim.membership;

import io.ringwork.core.membership.MemberEvent;
import io.ringwork.core.time.RandomSource;
import io.ringwork.sim.Seeds;
import io.ringwork.sim.SimNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many seeds of random faults, then healing: the safety phase checks MonotonicIncarnation on
 * every event, the liveness phase requires ViewConvergence. Excluded from the default build
 * ({@code ./ringwork test -Pslow} runs it); {@code SEED=n} runs just seed n.
 */
@Tag("slow")
class MembershipSoakTest {

    @Test
    void randomFaultsThenHealConvergeForManySeeds() {
        long first = Seeds.fromEnvironment(1000);
        int seeds = Seeds.isReplay() ? 1 : 60;
        for (long seed = first; seed < first + seeds; seed++) runRandomFaults(seed);
    }

    private static void runRandomFaults(long seed) {
        RandomSource plan = RandomSource.seeded(seed * 31 + 7);
        int nodes = 10 + plan.nextInt(40);
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(nodes)
                .faults(SimNetwork.LinkFaults.LAN.withDuplicateRate(0.02))
                .check(new MonotonicIncarnation()).build();
        cluster.startConverged().runFor(3_000);
        List<String> ids = cluster.ids();
        List<String> crashed = new ArrayList<>();
        for (int step = 0; step < 6; step++) {
            String victim = ids.get(1 + plan.nextInt(nodes - 1));
            switch (plan.nextInt(6)) {
                case 0 -> cluster.loss(plan.nextDouble() * 0.3);
                case 1 -> {
                    int cut = 1 + plan.nextInt(nodes - 1);
                    cluster.partition(ids.subList(0, cut), ids.subList(cut, nodes));
                }
                case 2 -> cluster.cut(victim, ids.get(plan.nextInt(nodes)));
                case 3 -> {
                    if (!crashed.contains(victim) && crashed.size() < nodes / 3) {
                        cluster.crash(victim);
                        crashed.add(victim);
                    }
                }
                case 4 -> {
                    if (!crashed.contains(victim)) cluster.pause(victim, 500 + plan.nextInt(5_000));
                }
                default -> {
                    if (!crashed.isEmpty()) cluster.restart(crashed.remove(0));
                }
            }
            cluster.runFor(1_000 + plan.nextInt(8_000));
        }
        cluster.heal().runFor(6_000); // let pauses end before requiring agreement
        cluster.awaitConvergence(120_000);
    }

    @Test
    void aThousandNodesDetectACrashAndConverge() {
        MembershipCluster cluster = MembershipCluster.builder(Seeds.fromEnvironment(7)).nodes(1000)
                .check(new MonotonicIncarnation()).check(new NoFalseDeath()).build();
        AtomicInteger failures = new AtomicInteger();
        cluster.onEvent((observer, event) -> {
            if (event.kind() == MemberEvent.Kind.FAILED && event.member().id().equals("n500")) failures.incrementAndGet();
        });
        cluster.startConverged().runFor(20_000);

        long tookMs = cluster.crash("n500").awaitConvergence(30_000);

        assertThat(failures.get()).isEqualTo(999);
        assertThat(tookMs).isLessThan(30_000);
    }
}
