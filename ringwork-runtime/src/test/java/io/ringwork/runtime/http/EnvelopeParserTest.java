package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.record.NewRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class EnvelopeParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<NewRecord> parse(String type, String body) {
        return EnvelopeParser.parse(type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static String data(NewRecord r) {
        return new String(r.data(), StandardCharsets.UTF_8);
    }

    @Test
    void dataOfEveryKindIsKeptAsValidJson() throws Exception {
        String[] values = {"{\"a\": [1, {\"b\": \"}\"}]}", "[1, \"x\", null]", "42", "-1.5e3", "\"a \\\" b\"", "true", "null", "{}", "[]"};
        for (String value : values) {
            NewRecord r = parse("application/json", "{\"key\":\"k/1\",\"type\":\"t.x\",\"data\": " + value + " , \"z\":1}").get(0);
            assertThat(JSON.readTree(r.data())).as(value).isEqualTo(JSON.readTree(value));
        }
        assertThat(data(parse("application/json", "{\"key\":\"k/1\",\"type\":\"t.x\"}").get(0))).isEqualTo("null");
    }

    @Test
    void objectsAndArraysAreTheProducersExactBytes() {
        NewRecord r = parse("application/x-ndjson", "{\"key\":\"k/1\",\"type\":\"t.x\",\"data\":{ \"b\" : 2,\"a\":1 }}\n").get(0);
        assertThat(data(r)).isEqualTo("{ \"b\" : 2,\"a\":1 }");
    }

    @Test
    void arraysNdjsonAndSingleEnvelopes() {
        assertThat(parse("application/json", "[{\"key\":\"a/1\",\"type\":\"t.x\",\"id\":\"i1\"},{\"key\":\"a/2\",\"type\":\"t.y\"}]"))
                .extracting(NewRecord::key, NewRecord::id).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a/1", "i1"), org.assertj.core.groups.Tuple.tuple("a/2", null));
        assertThat(parse("application/x-ndjson", "{\"key\":\"a/1\",\"type\":\"t.x\"}\n\n  {\"key\":\"a/2\",\"type\":\"t.x\"}\r\n"))
                .extracting(NewRecord::key).containsExactly("a/1", "a/2");
    }

    @Test
    void errorsNameTheEnvelopeOrLine() {
        assertThatThrownBy(() -> parse("application/x-ndjson", "{\"key\":\"a/1\",\"type\":\"t.x\"}\n{\"key\":\"a/2\"}\n"))
                .hasMessageContaining("line 2").hasMessageContaining("missing \"type\"");
        assertThatThrownBy(() -> parse("application/json", "[{\"key\":\"a/1\",\"type\":\"t.x\"},{\"key\":7,\"type\":\"t\"}]"))
                .hasMessageContaining("envelope 1").hasMessageContaining("\"key\" must be a string");
        assertThatThrownBy(() -> parse("application/json", "{\"key\":\"a/1\",\"type\":\"t.x\"} {\"key\":\"a/2\",\"type\":\"t.x\"}"))
                .hasMessageContaining("unexpected content after the envelope");
        assertThatThrownBy(() -> parse("application/json", "{\"key\":\"a/1\",\"type\":\"t.x\",\"data\":{\"a\":}"))
                .hasMessageContaining("malformed JSON");
        assertThatThrownBy(() -> parse("application/json", "\"just a string\"")).hasMessageContaining("must be a JSON object");
    }

    /** Whatever JSON a producer puts in data, the record holds an equal JSON value. */
    @Property(tries = 300)
    void anyStringMapRoundTrips(@ForAll java.util.Map<String, String> payload) throws Exception {
        String body = JSON.writeValueAsString(java.util.Map.of("key", "k/1", "type", "t.x", "data", payload));
        NewRecord r = parse("application/json", body).get(0);
        assertThat(JSON.readTree(r.data())).isEqualTo(JSON.valueToTree(payload));
    }
}
