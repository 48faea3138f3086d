package io.ringwork.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.sim.Seeds;
import org.junit.jupiter.api.Test;

/**
 * Random faults, then heal and drain, for a few seeds in the default suite. {@code SEED=n}
 * (system property or environment) runs just seed n.
 */
class ClusterSimulationTest {

    @Test
    void randomFaultsThenHealDrainForTwentySeeds() {
        long first = Seeds.fromEnvironment(1);
        int seeds = Seeds.isReplay() ? 1 : 20;
        for (long seed = first; seed < first + seeds; seed++) {
            ClusterSimulation.Report report = ClusterSimulation.run(seed, ClusterConfig.defaults());
            System.out.println(report);
            assertThat(report.records()).isEqualTo(ClusterConfig.defaults().records());
            assertThat(report.faults()).isPositive();
        }
    }
}
