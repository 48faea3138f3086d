package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.Result;
import io.ringwork.core.record.Record;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HealthProcessorTest {
    private final HealthProcessor processor = new HealthProcessor();
    private long offset;

    private Result<JsonNode> apply(JsonNode state, String type, String data) {
        return processor.apply(state, new Record(0, offset++, "health/web", type, null, 0, data.getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode state(Result<JsonNode> result) {
        return switch (result) {
            case Result.Update<JsonNode> u -> u.state();
            case Result.Note<JsonNode> n -> n.state();
            default -> throw new AssertionError("not a state: " + result);
        };
    }

    private static String transition(long epoch, long sinceMs, String status) {
        return "{\"id\":\"" + epoch + "-" + sinceMs + "\",\"status\":\"" + status + "\",\"sinceMs\":" + sinceMs
                + ",\"checker\":\"n1\",\"epoch\":" + epoch + ",\"error\":\"\"}";
    }

    @Test
    void transitionsAreTakenOnceInOrderAndWaitUntilNotified() {
        JsonNode s = state(apply(null, HealthProcessor.PUT, "{\"tcp\":\"h:1\"}"));
        assertThat(s.path("target").path("id").asText()).isEqualTo("web");
        Result<JsonNode> first = apply(s, HealthProcessor.TRANSITION, transition(1, 100, "healthy"));
        assertThat(first).isInstanceOf(Result.Update.class);
        s = state(first);
        assertThat(apply(s, HealthProcessor.TRANSITION, transition(1, 100, "healthy"))).as("a repeat").isInstanceOf(Result.Note.class);
        s = state(apply(s, HealthProcessor.TRANSITION, transition(2, 50, "unhealthy")));
        assertThat(apply(s, HealthProcessor.TRANSITION, transition(1, 200, "healthy")))
                .as("a deposed checker's late word").isInstanceOf(Result.Note.class);
        assertThat(s.path("pending")).hasSize(2);
        s = state(apply(s, HealthProcessor.PUT, "{\"tcp\":\"h:2\"}"));
        assertThat(s.path("pending")).as("a redefinition keeps the transitions").hasSize(2);
        assertThat(s.path("target").path("tcp").asText()).isEqualTo("h:2");
        Result<JsonNode> notified = apply(s, HealthProcessor.NOTIFIED, "{\"id\":\"1-100\"}");
        assertThat(notified).as("no change on the feed").isInstanceOf(Result.Note.class);
        s = state(notified);
        assertThat(s.path("pending")).hasSize(1);
        assertThat(s.path("pending").get(0).path("id").asText()).isEqualTo("2-50");
        assertThat(s.path("last").path("id").asText()).isEqualTo("2-50");
        assertThat(apply(null, HealthProcessor.TRANSITION, transition(3, 1, "healthy"))).isInstanceOf(Result.Reject.class);
        assertThat(apply(s, "health.bogus", "{}")).isInstanceOf(Result.Reject.class);
        assertThat(apply(null, HealthProcessor.PUT, "{\"http\":\"ftp://x/\"}")).isInstanceOf(Result.Reject.class);
        assertThat(apply(s, HealthProcessor.DELETE, "{}")).isInstanceOf(Result.Delete.class);
    }

    @Test
    void pendingTransitionsAreBoundedAndTheDroppedCounted() {
        JsonNode s = state(apply(null, HealthProcessor.PUT, "{\"tcp\":\"h:1\"}"));
        for (int i = 1; i <= HealthProcessor.PENDING_MAX + 5; i++) s = state(apply(s, HealthProcessor.TRANSITION, transition(1, i, i % 2 == 0 ? "healthy" : "unhealthy")));
        assertThat(s.path("pending")).hasSize(HealthProcessor.PENDING_MAX);
        assertThat(s.path("dropped").asLong()).isEqualTo(5);
        assertThat(s.path("pending").get(0).path("sinceMs").asLong()).isEqualTo(6);
    }

    @Test
    void aNewCheckerRaisingTheChangeItsPredecessorRaisedIsNoSecondTransition() {
        JsonNode s = state(apply(null, HealthProcessor.PUT, "{\"tcp\":\"h:1\"}"));
        s = state(apply(s, HealthProcessor.TRANSITION, transition(1, 100, "healthy")));
        s = state(apply(s, HealthProcessor.TRANSITION, transition(1, 200, "unhealthy")));
        // The new owner (epoch 2) resumed "healthy" from stale gossip and saw the target fail: the same change.
        Result<JsonNode> again = apply(s, HealthProcessor.TRANSITION, transition(2, 260, "unhealthy"));
        assertThat(again).as("the same status again").isInstanceOf(Result.Note.class);
        assertThat(state(again).path("pending")).hasSize(2);
        assertThat(state(again).path("last").path("id").asText()).isEqualTo("1-200");
        // Its next real change is taken.
        assertThat(apply(s, HealthProcessor.TRANSITION, transition(2, 300, "healthy"))).isInstanceOf(Result.Update.class);
    }
}
