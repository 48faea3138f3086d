package io.ringwork.core.gluer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.processing.Result;
import io.ringwork.core.record.Record;
import io.ringwork.core.resource.ResourceProcessor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GluerProcessorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final GluerProcessor gluer = new GluerProcessor();
    private final ResourceProcessor resource = new ResourceProcessor();

    private static Record record(String key, String type, String data) {
        return new Record(0, 1, key, type, null, 0, data.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    private static JsonNode updated(Result<JsonNode> result) {
        assertThat(result).isInstanceOf(Result.Update.class);
        return ((Result.Update<JsonNode>) result).state();
    }

    @Test
    void mergeAndPatchStartFromTheEmptyObjectWhenTheDocumentIsAbsent() throws Exception {
        assertThat(updated(gluer.apply(null, record("t/c", "gluer.merge", "{\"a\":{\"b\":1}}")))).isEqualTo(json("{\"a\":{\"b\":1}}"));
        assertThat(updated(gluer.apply(null, record("t/c", "gluer.patch", "[{\"op\":\"add\",\"path\":\"/x\",\"value\":[1]}]"))))
                .isEqualTo(json("{\"x\":[1]}"));
    }

    @Test
    void allFourPieceTypes() throws Exception {
        JsonNode doc = json("{\"title\":\"a\",\"tags\":[\"x\"]}");
        assertThat(updated(gluer.apply(doc, record("t/c", "gluer.merge", "{\"title\":null,\"n\":2}")))).isEqualTo(json("{\"tags\":[\"x\"],\"n\":2}"));
        assertThat(updated(gluer.apply(doc, record("t/c", "gluer.patch",
                "[{\"op\":\"add\",\"path\":\"/tags/-\",\"value\":\"y\"},{\"op\":\"move\",\"from\":\"/title\",\"path\":\"/name\"}]"))))
                .isEqualTo(json("{\"tags\":[\"x\",\"y\"],\"name\":\"a\"}"));
        assertThat(updated(gluer.apply(doc, record("t/c", "gluer.put", "{\"new\":true}")))).isEqualTo(json("{\"new\":true}"));
        assertThat(gluer.apply(doc, record("t/c", "gluer.delete", ""))).isInstanceOf(Result.Delete.class);
        assertThat(doc).isEqualTo(json("{\"title\":\"a\",\"tags\":[\"x\"]}")); // never mutated
    }

    @Test
    void badPiecesAreRejectedWithAReason() throws Exception {
        JsonNode doc = json("{\"a\":1}");
        assertThat(((Result.Reject<JsonNode>) gluer.apply(doc, record("t/c", "gluer.patch", "[{\"op\":\"remove\",\"path\":\"/missing\"}]"))).reason())
                .startsWith("JSON Patch failed");
        assertThat(gluer.apply(doc, record("t/c", "gluer.patch", "{\"op\":\"add\"}"))).isInstanceOf(Result.Reject.class);
        assertThat(gluer.apply(doc, record("t/c", "gluer.put", "null"))).isInstanceOf(Result.Reject.class);
        assertThat(gluer.apply(doc, record("t/c", "gluer.frobnicate", "{}"))).isInstanceOf(Result.Reject.class);
        assertThat(gluer.apply(doc, record("t/", "gluer.merge", "{}"))).isInstanceOf(Result.Reject.class);
        assertThat(gluer.apply(doc, record("/c", "gluer.merge", "{}"))).isInstanceOf(Result.Reject.class);
    }

    @Test
    void resourceUpsertsMergesAndDeletes() throws Exception {
        JsonNode created = updated(resource.apply(null, record("user/1", "resource.create", "{\"name\":\"a\"}")));
        JsonNode patched = updated(resource.apply(created, record("user/1", "resource.patch", "{\"age\":3}")));
        assertThat(patched).isEqualTo(json("{\"name\":\"a\",\"age\":3}"));
        assertThat(updated(resource.apply(patched, record("user/1", "resource.update", "{\"name\":\"b\"}")))).isEqualTo(json("{\"name\":\"b\"}"));
        assertThat(resource.apply(patched, record("user/1", "resource.delete", ""))).isInstanceOf(Result.Delete.class);
        assertThat(resource.apply(null, record("user", "resource.create", "{}"))).isInstanceOf(Result.Reject.class);
        assertThat(resource.apply(null, record("user/1", "resource.rename", "{}"))).isInstanceOf(Result.Reject.class);
    }
}
