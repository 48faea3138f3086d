package io.ringwork.core.gluer.json;

import static io.ringwork.core.gluer.json.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonMergePatchTest {

    /** RFC 7396 appendix A, row by row: original, patch, result. */
    private static final List<Row> APPENDIX_A = List.of(
            new Row("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
            new Row("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"),
            new Row("{\"a\":\"b\"}", "{\"a\":null}", "{}"),
            new Row("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"),
            new Row("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
            new Row("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"),
            new Row("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"),
            new Row("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"),
            new Row("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"),
            new Row("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"),
            new Row("{\"a\":\"foo\"}", "null", "null"),
            new Row("{\"a\":\"foo\"}", "\"bar\"", "\"bar\""),
            new Row("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"),
            new Row("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"),
            new Row("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"));

    private record Row(String target, String patch, String result) {
        /** Null if ours gives the RFC's result and leaves its arguments alone, else what went wrong. */
        String check() {
            JsonNode target = json(target());
            JsonNode patch = json(patch());
            JsonNode result = JsonMergePatch.apply(target, patch);
            if (!result.equals(json(result()))) return "got " + result;
            if (!target.equals(json(target())) || !patch.equals(json(patch()))) return "mutated an argument";
            return null;
        }
    }

    static Stream<Arguments> appendixA() {
        return APPENDIX_A.stream().map(row -> Arguments.of(row.target(), row.patch(), row.result(), row));
    }

    @ParameterizedTest(name = "{0} + {1} = {2}")
    @MethodSource("appendixA")
    void rfc7396AppendixA(String target, String patch, String result, Row row) {
        assertThat(row.check()).as("%s + %s = %s", target, patch, result).isNull();
    }

    @Test
    void everyAppendixRowPasses() {
        long passed = APPENDIX_A.stream().filter(row -> row.check() == null).count();

        assertThat(APPENDIX_A).hasSize(15);
        assertThat(passed).isEqualTo(APPENDIX_A.size());
        System.out.println("RFC 7396 appendix A: " + passed + "/" + APPENDIX_A.size() + " rows passed");
    }

    @Test
    void resultSharesNoNodeWithTheArguments() {
        JsonNode target = json("{\"keep\":{\"x\":[1]},\"change\":{\"y\":1}}");
        JsonNode patch = json("{\"change\":{\"z\":{\"deep\":[2]}},\"new\":[3]}");
        JsonNode targetBefore = target.deepCopy();
        JsonNode patchBefore = patch.deepCopy();

        JsonNode result = JsonMergePatch.apply(target, patch);
        ((ArrayNode) result.at("/keep/x")).add(9);
        ((ObjectNode) result.get("change")).put("y", 9);
        ((ArrayNode) result.at("/change/z/deep")).add(9);
        ((ArrayNode) result.get("new")).add(9);

        assertThat(target).isEqualTo(targetBefore);
        assertThat(patch).isEqualTo(patchBefore);
    }

    @Test
    void aPatchThatIsNotAnObjectIsCopiedNotShared() {
        JsonNode patch = json("[{\"a\":1}]");

        JsonNode result = JsonMergePatch.apply(json("{}"), patch);
        ((ObjectNode) result.get(0)).put("a", 2);

        assertThat(patch).isEqualTo(json("[{\"a\":1}]"));
    }

    @Test
    void anAbsentTargetIsMergedIntoAsIfItWereEmpty() {
        assertThat(JsonMergePatch.apply(null, json("{\"a\":1,\"b\":null}"))).isEqualTo(json("{\"a\":1}"));
        assertThat(JsonMergePatch.apply(MissingNode.getInstance(), json("{\"a\":{\"b\":null}}")))
                .isEqualTo(json("{\"a\":{}}"));
        assertThat(JsonMergePatch.apply(null, json("\"x\""))).isEqualTo(json("\"x\""));
    }

    @Test
    void aJavaNullPatchIsACallerBug() {
        assertThatThrownBy(() -> JsonMergePatch.apply(json("{}"), null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("patch");
    }
}
