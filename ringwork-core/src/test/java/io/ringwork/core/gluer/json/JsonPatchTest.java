package io.ringwork.core.gluer.json;

import static io.ringwork.core.gluer.json.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Error messages, atomicity, aliasing and the semantics the conformance suite leaves open. */
class JsonPatchTest {

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            {"a":{"b":1}}   | [{"op":"test","path":"/a/b","value":1},{"op":"test","path":"/a/b","value":2}] | operation 1 (test) at /a/b: value differs
            {"a":{"b":1}}   | [{"op":"test","path":"/a/b","value":"1"}]              | operation 0 (test) at /a/b: value differs (expected a string, found a number)
            {"a":1}         | [{"op":"test","path":"","value":{}}]                   | operation 0 (test) at "": value differs
            {}              | {"op":"add","path":"/a","value":1}                     | a JSON Patch must be an array of operations, not an object
            {}              | [1]                                                    | operation 0: must be a JSON object, not a number
            {}              | [{"path":"/a","value":1}]                              | operation 0: missing "op"
            {}              | [{"op":true,"path":"/a"}]                              | operation 0: "op" must be a string, not a boolean
            {}              | [{"op":"spam","path":"/a"}]                            | operation 0: unknown op "spam" (expected add, remove, replace, move, copy or test)
            {}              | [{"op":"ADD","path":"/a","value":1}]                   | operation 0: unknown op "ADD" (expected add, remove, replace, move, copy or test)
            {}              | [{"op":"add","value":1}]                               | operation 0 (add): missing "path"
            {}              | [{"op":"add","path":null,"value":1}]                   | operation 0 (add): "path" must be a string, not null
            {}              | [{"op":"add","path":"a","value":1}]                    | operation 0 (add): "path": invalid JSON pointer "a": must be empty or start with '/'
            {}              | [{"op":"add","path":"/a"}]                             | operation 0 (add) at /a: missing "value"
            {"a":1}         | [{"op":"copy","path":"/b"}]                            | operation 0 (copy) at /b: missing "from"
            {"a":1}         | [{"op":"move","from":"/~2","path":"/b"}]               | operation 0 (move) at /b: "from": invalid JSON pointer "/~2": '~' at offset 1 must be followed by '0' or '1'
            {"a":1}         | [{"op":"remove","path":"/b"}]                          | operation 0 (remove) at /b: /b does not exist
            {"a":1}         | [{"op":"replace","path":"/b/c","value":1}]             | operation 0 (replace) at /b/c: /b does not exist
            {"a":1}         | [{"op":"add","path":"/b/c","value":1}]                 | operation 0 (add) at /b/c: /b does not exist
            {"a":1}         | [{"op":"add","path":"/a/c","value":1}]                 | operation 0 (add) at /a/c: /a is a number, which has no member or element "c"
            "s"             | [{"op":"add","path":"/0","value":1}]                   | operation 0 (add) at /0: the document is a string, which has no member or element "0"
            {"a":[1,2]}     | [{"op":"add","path":"/a/3","value":3}]                 | operation 0 (add) at /a/3: index 3 is out of range: /a has 2 elements
            {"a":[1]}       | [{"op":"replace","path":"/a/1","value":3}]             | operation 0 (replace) at /a/1: index 1 is out of range: /a has 1 element
            {"a":[1,2]}     | [{"op":"test","path":"/a/01","value":2}]               | operation 0 (test) at /a/01: /a is an array and "01" is not an array index (leading zeros are not allowed)
            [1,2]           | [{"op":"remove","path":"/1e0"}]                        | operation 0 (remove) at /1e0: the document is an array and "1e0" is not an array index
            [1,2]           | [{"op":"add","path":"/-1","value":0}]                  | operation 0 (add) at /-1: the document is an array and "-1" is not an array index
            [1,2]           | [{"op":"remove","path":"/99999999999"}]                | operation 0 (remove) at /99999999999: index 99999999999 is out of range: the document has 2 elements
            [1,2]           | [{"op":"remove","path":"/-"}]                          | operation 0 (remove) at /-: /- names the end of an array, where no element is; "-" can only be the last token of an add
            [[1]]           | [{"op":"add","path":"/-/0","value":0}]                 | operation 0 (add) at /-/0: /- names the end of an array, where no element is; "-" can only be the last token of an add
            {"a":{"b":{}}}  | [{"op":"move","from":"/a","path":"/a/b/c"}]            | operation 0 (move) at /a/b/c: cannot move /a into its own child /a/b/c
            {"a":1}         | [{"op":"move","from":"","path":"/b"}]                  | operation 0 (move) at /b: cannot move "" into its own child /b
            {"a":1}         | [{"op":"move","from":"/b","path":"/b"}]                | operation 0 (move) at /b: /b does not exist
            {"a":1}         | [{"op":"remove","path":""}]                            | operation 0 (remove) at "": cannot remove the whole document
            """)
    void rejectsWithAMessageThatSaysWhereAndWhy(String document, String patch, String message) {
        assertThatThrownBy(() -> JsonPatch.apply(json(document), json(patch)))
                .isInstanceOf(JsonPatchException.class)
                .hasMessage(message);
    }

    @Test
    void aMissingDocumentOrPatchIsRejected() {
        assertThatThrownBy(() -> JsonPatch.apply(null, json("[]")))
                .isInstanceOf(JsonPatchException.class).hasMessage("there is no document to patch");
        assertThatThrownBy(() -> JsonPatch.apply(MissingNode.getInstance(), json("[]")))
                .isInstanceOf(JsonPatchException.class).hasMessage("there is no document to patch");
        assertThatThrownBy(() -> JsonPatch.apply(json("{}"), null))
                .isInstanceOf(JsonPatchException.class)
                .hasMessage("a JSON Patch must be an array of operations, not nothing");
    }

    @Test
    void aFailingPatchLeavesTheDocumentAsItWas() {
        JsonNode document = json("{\"a\":[1,2],\"b\":{\"c\":1}}");
        JsonNode patch = json("[{\"op\":\"remove\",\"path\":\"/a/0\"},{\"op\":\"add\",\"path\":\"/b/d\",\"value\":2},"
                + "{\"op\":\"move\",\"from\":\"/b\",\"path\":\"/e\"},{\"op\":\"test\",\"path\":\"/e/c\",\"value\":9}]");

        assertThatThrownBy(() -> JsonPatch.apply(document, patch))
                .hasMessage("operation 3 (test) at /e/c: value differs");
        assertThat(document).isEqualTo(json("{\"a\":[1,2],\"b\":{\"c\":1}}"));
    }

    @Test
    void theResultSharesNoNodeWithTheDocumentOrThePatch() throws Exception {
        JsonNode document = json("{\"a\":{\"x\":[1]},\"b\":[{\"y\":1}]}");
        JsonNode patch = json("[{\"op\":\"add\",\"path\":\"/c\",\"value\":{\"z\":[1]}},"
                + "{\"op\":\"replace\",\"path\":\"/b/0\",\"value\":{\"w\":[1]}}]");
        JsonNode documentBefore = document.deepCopy();
        JsonNode patchBefore = patch.deepCopy();

        JsonNode result = JsonPatch.apply(document, patch);
        ((ArrayNode) result.at("/a/x")).add(2);
        ((ArrayNode) result.at("/c/z")).add(2);
        ((ArrayNode) result.at("/b/0/w")).add(2);

        assertThat(document).isEqualTo(documentBefore);
        assertThat(patch).isEqualTo(patchBefore);
    }

    @Test
    void aPatchThatOnlyTestsStillReturnsATreeOfItsOwn() throws Exception {
        JsonNode document = json("{\"a\":{\"b\":1}}");

        JsonNode result = JsonPatch.apply(document, json("[{\"op\":\"test\",\"path\":\"/a/b\",\"value\":1}]"));
        ((ObjectNode) result.get("a")).put("b", 2);

        assertThat(document).isEqualTo(json("{\"a\":{\"b\":1}}"));
        assertThat(JsonPatch.apply(document, json("[]"))).isEqualTo(document).isNotSameAs(document);
    }

    @Test
    void testComparesNumbersByValue() throws Exception {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode document = nodes.objectNode();
        document.put("int", 1);
        document.set("decimal", DecimalNode.valueOf(new BigDecimal("1.00")));
        document.put("big", new BigInteger("123456789012345678901234567890"));
        document.put("double", 0.5);

        JsonNode patch = json("""
                [{"op":"test","path":"/int","value":1.0},
                 {"op":"test","path":"/int","value":1e0},
                 {"op":"test","path":"/decimal","value":1},
                 {"op":"test","path":"/big","value":123456789012345678901234567890},
                 {"op":"test","path":"/double","value":5e-1},
                 {"op":"test","path":"","value":{"double":0.50,"big":123456789012345678901234567890,"decimal":1,"int":1}}]
                """);

        assertThat(JsonPatch.apply(document, patch)).isEqualTo(document);
        assertThatThrownBy(() -> JsonPatch.apply(document, json("[{\"op\":\"test\",\"path\":\"/int\",\"value\":1.5}]")))
                .hasMessage("operation 0 (test) at /int: value differs");
        assertThatThrownBy(() -> JsonPatch.apply(document,
                json("[{\"op\":\"test\",\"path\":\"/big\",\"value\":123456789012345678901234567891}]")))
                .hasMessage("operation 0 (test) at /big: value differs");
    }

    @Test
    void testComparesArraysInOrderAndObjectsInAnyOrder() throws Exception {
        JsonNode document = json("{\"a\":[1,{\"x\":1,\"y\":[2]}]}");

        JsonPatch.apply(document, json("[{\"op\":\"test\",\"path\":\"/a\",\"value\":[1,{\"y\":[2],\"x\":1}]}]"));
        assertThatThrownBy(() -> JsonPatch.apply(document,
                json("[{\"op\":\"test\",\"path\":\"/a\",\"value\":[{\"y\":[2],\"x\":1},1]}]")))
                .isInstanceOf(JsonPatchException.class);
        assertThatThrownBy(() -> JsonPatch.apply(document,
                json("[{\"op\":\"test\",\"path\":\"/a/1\",\"value\":{\"x\":1}}]")))
                .isInstanceOf(JsonPatchException.class);
    }

    @Test
    void theRootCanBecomeAnyValueAndBeTestedWhole() throws Exception {
        // The suite's disabled cases 10 and 56 of tests.json, which RFC 6902 allows.
        assertThat(JsonPatch.apply(json("\"foo\""), json("[{\"op\":\"replace\",\"path\":\"\",\"value\":\"bar\"}]")))
                .isEqualTo(json("\"bar\""));
        assertThat(JsonPatch.apply(json("{\"foo\":1}"), json("[{\"op\":\"test\",\"path\":\"\",\"value\":{\"foo\":1}}]")))
                .isEqualTo(json("{\"foo\":1}"));
        assertThat(JsonPatch.apply(json("{\"a\":{\"b\":2}}"), json("[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"\"}]")))
                .isEqualTo(json("2"));
    }

    @Test
    void membersThatLookLikeIndexesOrEndAreJustNamesInObjects() throws Exception {
        JsonNode result = JsonPatch.apply(json("{}"), json("[{\"op\":\"add\",\"path\":\"/-\",\"value\":1},"
                + "{\"op\":\"add\",\"path\":\"/01\",\"value\":2},{\"op\":\"copy\",\"from\":\"/01\",\"path\":\"/~1\"}]"));

        assertThat(result).isEqualTo(json("{\"-\":1,\"01\":2,\"/\":2}"));
    }

    @Test
    void moveWithinAnArrayRemovesFirstThenAdds() throws Exception {
        JsonNode document = json("[0,1,2,3]");

        assertThat(JsonPatch.apply(document, json("[{\"op\":\"move\",\"from\":\"/0\",\"path\":\"/3\"}]")))
                .isEqualTo(json("[1,2,3,0]"));
        assertThat(JsonPatch.apply(document, json("[{\"op\":\"move\",\"from\":\"/3\",\"path\":\"/0\"}]")))
                .isEqualTo(json("[3,0,1,2]"));
        assertThat(JsonPatch.apply(document, json("[{\"op\":\"move\",\"from\":\"/1\",\"path\":\"/-\"}]")))
                .isEqualTo(json("[0,2,3,1]"));
        assertThatThrownBy(() -> JsonPatch.apply(document, json("[{\"op\":\"move\",\"from\":\"/0\",\"path\":\"/4\"}]")))
                .hasMessage("operation 0 (move) at /4: index 4 is out of range: the document has 3 elements");
    }
}
