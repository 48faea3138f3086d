package io.ringwork.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The health bench's smallest configuration end to end: 3 real nodes, 300 targets at a 2 s
 * interval, 10 flips, one run of kill, leave and join. Checks that every phase produced its
 * figures and that they are sane, not the acceptance targets (a loaded machine misses those).
 * Slow: {@code ./ringwork test -Pslow}.
 */
@Tag("slow")
class HealthBenchSlowTest {
    @Test
    @Timeout(900)
    void theSmallestConfigurationProducesEveryFigure() throws Exception {
        HealthBench.Options options = HealthBench.Options.parse(new String[] {
                "--targets", "300", "--interval", "2s", "--flips", "10", "--windows", "1", "--faults", "kill,leave,join", "--runs", "1",
                "--max", "12m"});

        HealthBench.Result result = HealthBench.run(options);
        result.print();

        assertThat(result.usage()).hasSize(3).allSatisfy(u -> {
            assertThat(u.cpuShare()).isPositive();
            assertThat(u.rssBytes()).isPositive();
            assertThat(u.heapBytes()).isPositive();
        });
        assertThat(result.steady().unchecked()).isZero();
        assertThat(result.steady().maxPerInterval()).isBetween(1L, 3L);
        assertThat(result.spreadMs()).hasSize(10);
        assertThat(result.flipSeenMs()).hasSize(10);
        assertThat(result.faults()).extracting(HealthBench.FaultRun::fault).containsExactly("kill", "leave", "join");
        assertThat(result.faults()).allSatisfy(f -> assertThat(f.longestGapMs()).isGreaterThanOrEqualTo(1_000));
        assertThat(result.alerts().keys()).isGreaterThanOrEqualTo(300 + 20);
        assertThat(result.alerts().expected()).isPositive();
    }
}
