package io.ringwork.harness.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeathWatchTest {
    private static JsonNode view(String json) throws Exception {
        return new ObjectMapper().readTree(json);
    }

    @Test
    void aVictimIsDeadOnlyWhenListedDeadOrGone() throws Exception {
        assertThat(DeathWatch.listsDead(view("{\"members\":[{\"id\":\"n1\",\"state\":\"alive\"},{\"id\":\"n2\",\"state\":\"dead\"}]}"), "n2"))
                .isTrue();
        assertThat(DeathWatch.listsDead(view("{\"members\":[{\"id\":\"n1\",\"state\":\"alive\"},{\"id\":\"n2\",\"state\":\"suspect\"}]}"), "n2"))
                .as("a suspect is not detected yet").isFalse();
        assertThat(DeathWatch.listsDead(view("{\"members\":[{\"id\":\"n1\",\"state\":\"alive\"}]}"), "n2")).as("reaped").isTrue();
        assertThat(DeathWatch.listsDead(view("{\"members\":[]}"), "n2")).as("an empty answer says nothing").isFalse();
        assertThat(DeathWatch.listsDead(view("{}"), "n2")).isFalse();
    }

    @Test
    void theFigureIsTheLastSurvivorsAndOnlyWhenEverySurvivorSawIt() {
        assertThat(new DeathWatch.Seen(Map.of("n1", 900L, "n3", 1_200L), 2).everyMs()).isEqualTo(1_200);
        DeathWatch.Seen partial = new DeathWatch.Seen(Map.of("n1", 900L), 2);
        assertThat(partial.complete()).isFalse();
        assertThat(partial.everyMs()).isEqualTo(-1);
    }
}
