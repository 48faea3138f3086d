package io.ringwork.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The farm tells where a target's longest gap lay and between which checkers (the health bench prints it per fault). */
class HealthFarmGapTest {

    private static void check(HttpClient client, HealthFarm farm, int target, String checker) throws Exception {
        HttpResponse<Void> answer = client.send(HttpRequest.newBuilder(URI.create(farm.httpUrl() + "/t/" + target))
                .header(HealthProbe.CHECKER_HEADER, checker).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(answer.statusCode()).isEqualTo(200);
    }

    @Test
    void theLongestGapNamesItsTargetItsEndAndTheCheckersOnEitherSide() throws Exception {
        try (HealthFarm farm = new HealthFarm(3, 0, 0); HttpClient client = HttpClient.newHttpClient()) {
            check(client, farm, 0, "n1");
            check(client, farm, 1, "n1");
            Thread.sleep(300);
            check(client, farm, 1, "n2"); // target 1: 300 ms from n1 to n2
            check(client, farm, 0, "n1");
            long endMs = farm.lastCheckedAtMs(1);
            Thread.sleep(200);
            check(client, farm, 1, "n2"); // a shorter gap does not replace it
            long nowMs = farm.lastCheckedAtMs(1);

            HealthFarm.Gap gap = farm.longestGap(nowMs, n -> n == 1);
            assertThat(gap.target()).isEqualTo(1);
            assertThat(gap.gapMs()).isBetween(300L, 2_000L);
            assertThat(gap.endMs()).isEqualTo(endMs);
            assertThat(gap.between()).isEqualTo("n1 -> n2");
            // Only the targets asked about; target 2, never checked, counts for nothing.
            assertThat(farm.longestGap(nowMs, n -> n == 2)).isNull();
            // A gap still open when asked runs until then, after the last checker.
            HealthFarm.Gap open = farm.longestGap(farm.lastCheckedAtMs(0) + 60_000, n -> n == 0);
            assertThat(open.gapMs()).isEqualTo(60_000);
            assertThat(open.between()).isEqualTo("n1 -> (none yet)");
            assertThat(farm.gapsLongerThan(250, nowMs, n -> true)).as("targets 0 and 1 both waited 300 ms or more").isEqualTo(2);
            assertThat(farm.gapsLongerThan(5_000, nowMs, n -> true)).isZero();
        }
    }
}
