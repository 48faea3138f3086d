package io.ringwork.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.health.HealthTarget;
import io.ringwork.core.processing.JsonStateCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthSchedulingTest {
    private static HealthTarget target(String id, long intervalMs) throws Exception {
        return HealthTarget.parse(id, JsonStateCodec.mapper().readTree("{\"tcp\":\"h:1\",\"intervalMs\":" + intervalMs + "}"));
    }

    @Test
    void checksLandOnTheTargetsGridWhoeverChecks() throws Exception {
        HealthTarget t = target("web-1", 30_000);
        long first = HealthService.nextOnGrid(t, 1_000_000);
        assertThat(first).isBetween(1_000_000L, 1_030_000L);
        // Any later start lands on the same grid: a new owner checks at the old one's rhythm.
        assertThat(HealthService.nextOnGrid(t, first + 1)).isEqualTo(first + 30_000);
        assertThat(HealthService.nextOnGrid(t, first + 17_345)).isEqualTo(first + 30_000);
        assertThat(HealthService.nextOnGrid(t, first)).isEqualTo(first);
    }

    @Test
    void aTakeoversOwedChecksAreSpreadOverTwoSecondsNotAllAtOnce() throws Exception {
        long now = 5_000_000;
        List<Long> offsets = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) offsets.add(HealthService.owedCheckAtMs(target("t" + i, 30_000), now) - now);
        assertThat(offsets).allSatisfy(o -> assertThat(o).isBetween(0L, HealthService.OWED_SPREAD_MAX_MS - 1));
        // Spread evenly enough: each of the four half-seconds gets a fair share of the 1,500.
        for (long q = 0; q < 4; q++) {
            long from = q * 500, to = from + 500;
            assertThat(offsets.stream().filter(o -> o >= from && o < to).count()).isBetween(300L, 450L);
        }
    }

    @Test
    void aShortIntervalSpreadsOverATenthOfIt() throws Exception {
        for (int i = 0; i < 200; i++) {
            assertThat(HealthService.owedCheckAtMs(target("t" + i, 5_000), 0)).isBetween(0L, 499L);
        }
    }
}
