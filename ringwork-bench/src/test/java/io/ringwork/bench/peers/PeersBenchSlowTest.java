package io.ringwork.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The peers bench's smallest configuration end to end: a real broker, one Kafka Streams instance
 * (at_least_once) and one ringwork node on its embedded log, a few thousand records. The bench
 * itself throws when a sampled document differs from the sequential fold; this checks the figures
 * it returns. Slow (two JVMs and a broker): {@code ./ringwork test -Pslow}.
 */
@Tag("slow")
class PeersBenchSlowTest {
    @Test
    @Timeout(600)
    void kafkaStreamsAndRingworkApplyTheWorkloadAndEndWithTheFoldsDocuments() throws Exception {
        PeersBench.Options options = PeersBench.Options.parse(new String[] {
                "--runs", "1", "--records", "4000", "--latency-seconds", "2", "--sample", "200",
                "--systems", "ks-alos,ringwork-embedded-1", "--failover", "none"});

        PeersBench.Result result = PeersBench.run(options);

        assertThat(result.figures()).containsOnlyKeys("ks-alos", "ringwork-embedded-1");
        for (List<PeersBench.Figures> runs : result.figures().values()) {
            assertThat(runs).hasSize(1);
            PeersBench.Figures figures = runs.getFirst();
            assertThat(figures.piecesPerS()).isPositive();
            assertThat(figures.checked()).isEqualTo(200);
            assertThat(figures.latencySamples()).isPositive();
            assertThat(figures.p99Ms()).isGreaterThanOrEqualTo(figures.p50Ms()).isPositive();
        }
        result.print();
    }
}
