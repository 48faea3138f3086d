package io.ringwork.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.sim.SimulationFailure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sessions expired by the nodes' keepers ({@link SessionKeepers}) through the simulator's faults
 * (every {@link ClusterSimulation} run checks this; here with counts and a sabotage):
 * no session expires before its TTL after its last keepalive ({@code NoEarlyExpiry}, checked
 * after the run), the election's tokens hold after every step ({@code ElectionTokens}), and keepers
 * that close without naming the record they decided on are caught.
 */
class SessionExpirySimTest {
    @Test
    void keepersExpireDeadCandidatesSessionsNeverBeforeTheirTtlOverFiveSeeds() {
        long first = io.ringwork.sim.Seeds.fromEnvironment(1);
        int seeds = io.ringwork.sim.Seeds.isReplay() ? 1 : 5; // every ClusterSimulation seed checks it too
        List<String> failures = new ArrayList<>();
        long expired = 0;
        for (long seed = first; seed < first + seeds; seed++) {
            try {
                ClusterSimulation.Report report = ClusterSimulation.run(seed, ClusterConfig.defaults());
                expired += report.sessionsExpired();
                assertThat(report.electionRecords()).isPositive();
            } catch (SimulationFailure e) {
                failures.add(e.getMessage());
            }
        }
        assertThat(failures).isEmpty();
        // Dead candidates' sessions did expire, through the faults: the check had something to check.
        if (!io.ringwork.sim.Seeds.isReplay()) assertThat(expired).isGreaterThan(seeds);
        System.out.printf("session expiry: %d seeds, %d sessions expired%n", seeds, expired);
    }

    /** Caught after some 20 seeds (a few minutes on a loaded machine), so with -Pslow. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void keepersThatCloseUnconditionallyAreCaughtExpiringEarly() {
        ClusterConfig broken = ClusterConfig.defaults().withSabotage(ClusterConfig.Sabotage.SESSION_CLOSE_UNCONDITIONAL);
        for (long seed = 1; seed <= 40; seed++) {
            try {
                ClusterSimulation.run(seed, broken);
            } catch (SimulationFailure e) {
                assertThat(e.getMessage()).as("seed %d", seed).contains("NoEarlyExpiry:");
                System.out.println("unconditional closes caught at seed " + seed + ": " + e.getMessage());
                return;
            }
        }
        throw new AssertionError("unconditional closes went uncaught for 40 seeds");
    }
}
