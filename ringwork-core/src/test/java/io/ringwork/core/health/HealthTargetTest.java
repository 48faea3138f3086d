package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.health.HealthResult.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthTargetTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void defaultsAreFilledInAndTheJsonReadsBack() throws Exception {
        HealthTarget target = HealthTarget.parse("web-1", json("{\"http\":\"http://127.0.0.1:8080/health\",\"labels\":{\"dc\":\"a\"}}"));
        assertThat(target.intervalMs()).isEqualTo(10_000);
        assertThat(target.timeoutMs()).isEqualTo(5_000);
        assertThat(target.expectStatus()).isEqualTo("2xx");
        assertThat(target.failureThreshold()).isEqualTo(3);
        assertThat(target.successThreshold()).isEqualTo(2);
        assertThat(HealthTarget.parse(null, target.toJson())).isEqualTo(target);
        assertThat(target.statusPasses(204)).isTrue();
        assertThat(target.statusPasses(500)).isFalse();
        HealthTarget tcp = HealthTarget.parse("db", json("{\"tcp\":\"localhost:5432\",\"intervalMs\":1000}"));
        assertThat(tcp.timeoutMs()).isEqualTo(1_000);
        assertThat(HealthTarget.parse("db", tcp.toJson())).isEqualTo(tcp);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"http\":\"http://h/\",\"colour\":\"red\"}|colour",
            "{\"http\":\"http://h/\",\"intervalMs\":999}|intervalMs",
            "{\"http\":\"http://h/\",\"intervalMs\":\"10s\"}|intervalMs",
            "{\"http\":\"ftp://h/file\"}|http",
            "{\"http\":\"not a url\"}|http",
            "{\"tcp\":\"host\"}|tcp",
            "{\"tcp\":\"host:70000\"}|tcp",
            "{}|http",
            "{\"http\":\"http://h/\",\"tcp\":\"h:1\"}|tcp",
            "{\"http\":\"http://h/\",\"timeoutMs\":20000}|timeoutMs",
            "{\"http\":\"http://h/\",\"expectStatus\":\"2yy\"}|expectStatus",
            "{\"http\":\"http://h/\",\"failureThreshold\":0}|failureThreshold",
            "{\"http\":\"http://h/\",\"labels\":{\"a\":1}}|labels",
            "{\"tcp\":\"h:1\",\"bodyContains\":\"ok\"}|bodyContains",
            "[1]|body",
    })
    void aBadDefinitionNamesItsField(String body, String field) {
        assertThatThrownBy(() -> HealthTarget.parse("t", json(body)))
                .isInstanceOfSatisfying(HealthTarget.Invalid.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void idsAreChecked() {
        assertThatThrownBy(() -> HealthTarget.parse("a/b", json("{\"tcp\":\"h:1\"}")))
                .isInstanceOfSatisfying(HealthTarget.Invalid.class, e -> assertThat(e.field()).isEqualTo("id"));
        assertThatThrownBy(() -> HealthTarget.parse("a", json("{\"id\":\"b\",\"tcp\":\"h:1\"}")))
                .isInstanceOfSatisfying(HealthTarget.Invalid.class, e -> assertThat(e.field()).isEqualTo("id"));
    }

    @Test
    void streaksFollowTheThresholds() throws Exception {
        HealthTarget target = HealthTarget.parse("t", json("{\"tcp\":\"h:1\",\"failureThreshold\":3,\"successThreshold\":2}"));
        CheckStreak s = CheckStreak.fresh(0);
        s = s.after(true, target, 1);
        assertThat(s.status()).isEqualTo(Status.UNKNOWN);
        s = s.after(true, target, 2);
        assertThat(s.status()).isEqualTo(Status.HEALTHY);
        assertThat(s.sinceMs()).isEqualTo(2);
        s = s.after(false, target, 3).after(false, target, 4).after(true, target, 5).after(false, target, 6).after(false, target, 7);
        assertThat(s.status()).as("a pass in between restarts the failure streak").isEqualTo(Status.HEALTHY);
        s = s.after(false, target, 8);
        assertThat(s.status()).isEqualTo(Status.UNHEALTHY);
        assertThat(s.sinceMs()).isEqualTo(8);
        CheckStreak resumed = CheckStreak.resume(new HealthResult(Status.UNHEALTHY, 8, -1, "refused",
                new HealthResult.Stamp(2, new HybridClock.Time(9, 0), "n2")), 10);
        assertThat(resumed.status()).isEqualTo(Status.UNHEALTHY);
        assertThat(resumed.sinceMs()).isEqualTo(8);
        assertThat(resumed.after(true, target, 11).status()).isEqualTo(Status.UNHEALTHY);
        assertThat(resumed.after(true, target, 11).after(true, target, 12).status()).isEqualTo(Status.HEALTHY);
    }

    @Test
    void aTargetThatChangesTooOftenFlapsAndStopsOnceItSettles() throws Exception {
        HealthTarget target = HealthTarget.parse("t", json("{\"tcp\":\"h:1\",\"failureThreshold\":1,\"successThreshold\":1}"));
        assertThat(CheckStreak.percentStateChange(0b10101, 5)).isEqualTo(100.0);
        assertThat(CheckStreak.percentStateChange(0b11111, 5)).isEqualTo(0.0);
        // One change, newest: weight 1.2 of 4; oldest: 0.8 of 4.
        assertThat(CheckStreak.percentStateChange(0b11110, 5)).isCloseTo(30.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(CheckStreak.percentStateChange(0b01111, 5)).isCloseTo(20.0, org.assertj.core.data.Offset.offset(1e-9));
        CheckStreak s = CheckStreak.fresh(0);
        for (int i = 1; i < CheckStreak.FLAP_WINDOW; i++) {
            s = s.after(i % 2 == 0, target, i);
            assertThat(s.flapping()).as("not judged before a full window").isFalse();
        }
        s = s.after(false, target, 21);
        assertThat(s.flapping()).isTrue();
        int settledAfter = 0;
        while (s.flapping()) {
            s = s.after(true, target, 100 + settledAfter++);
            assertThat(settledAfter).isLessThan(CheckStreak.FLAP_WINDOW);
        }
        assertThat(settledAfter).as("hysteresis: it takes several quiet checks to stop").isGreaterThan(5);
        assertThat(s.status()).isEqualTo(Status.HEALTHY);
        CheckStreak resumed = CheckStreak.resume(new HealthResult(Status.HEALTHY, 1, 1, "", new HealthResult.Stamp(1,
                new HybridClock.Time(2, 0), "n1"), 1_000, null, true), 3);
        assertThat(resumed.flapping()).as("a new checker keeps the flapping until its own window says otherwise").isTrue();
        assertThat(resumed.after(true, target, 4).flapping()).isTrue();
    }
}
