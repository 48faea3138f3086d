package io.ringwork.runtime.feed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.record.Change;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written JSON of a change: valid JSON with every field, however odd the strings and numbers. */
class ChangeJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void numbersAreWrittenAsLongToStringWritesThem() {
        long[] values = {0, 1, 9, 10, 99, 100, -1, -10, 1_234_567_890_123L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1};
        for (long value : values) {
            assertThat(new String(new JsonBytes(1).number(value).toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(value));
        }
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            long value = random.nextLong() >> random.nextInt(64);
            assertThat(new String(new JsonBytes(4).number(value).toByteArray(), StandardCharsets.US_ASCII)).isEqualTo(Long.toString(value));
        }
    }

    @Test
    void aChangeIsValidJsonWithEveryFieldAndItsValueAsStored() throws Exception {
        Change change = new Change(3, "t/\"quoted\"\\é\u0001", 42, "gluer.merge", "id-\u2028", -5, false,
                "{\"a\":[1,2,{\"b\":null}]}".getBytes(StandardCharsets.UTF_8));
        JsonBytes out = ChangeJson.buffer(change, 0);
        out.write('{');
        ChangeJson.writeFields(out, change, 17);
        out.write('}');
        JsonNode json = JSON.readTree(out.toByteArray());
        assertThat(json.get("key").asText()).isEqualTo(change.key());
        assertThat(json.get("version").asLong()).isEqualTo(42);
        assertThat(json.get("partition").asInt()).isEqualTo(3);
        assertThat(json.get("type").asText()).isEqualTo("gluer.merge");
        assertThat(json.get("id").asText()).isEqualTo("id-\u2028");
        assertThat(json.get("timestampMs").asLong()).isEqualTo(-5);
        assertThat(json.get("tombstone").asBoolean()).isFalse();
        assertThat(json.get("fedAtMs").asLong()).isEqualTo(17);
        assertThat(json.get("value")).isEqualTo(JSON.readTree("{\"a\":[1,2,{\"b\":null}]}"));

        Change tombstone = new Change(0, "k", 1, "gluer.delete", null, 0, true, null);
        JsonBytes small = new JsonBytes(1); // grows as it goes
        small.write('{');
        ChangeJson.writeFields(small, tombstone, -1);
        small.write('}');
        JsonNode deleted = JSON.readTree(small.toByteArray());
        assertThat(deleted.get("tombstone").asBoolean()).isTrue();
        assertThat(deleted.has("id")).isFalse();
        assertThat(deleted.has("fedAtMs")).isFalse();
        assertThat(deleted.has("value")).isFalse();
    }
}
