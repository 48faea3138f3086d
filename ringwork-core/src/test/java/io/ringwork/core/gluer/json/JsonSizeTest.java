package io.ringwork.core.gluer.json;

import static io.ringwork.core.gluer.json.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.processing.JsonStateCodec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class JsonSizeTest {
    private static int encodedBytes(JsonNode node) {
        return JsonStateCodec.INSTANCE.encode(node).length;
    }

    @Provide
    Arbitrary<JsonNode> trees() {
        Arbitrary<JsonNode> strings = Arbitraries.strings().all().ofMaxLength(12)
                .map(s -> (JsonNode) JsonNodeFactory.instance.textNode(s));
        Arbitrary<JsonNode> named = Arbitraries.strings().all().ofMaxLength(6).flatMap(name ->
                JsonArbitraries.values(3).map(v -> (JsonNode) JsonNodeFactory.instance.objectNode().set(name, v)));
        Arbitrary<JsonNode> longs = Arbitraries.longs().map(JsonNodeFactory.instance::numberNode);
        Arbitrary<JsonNode> doubles = Arbitraries.doubles().map(JsonNodeFactory.instance::numberNode);
        return Arbitraries.oneOf(JsonArbitraries.values(4), strings, named, longs, doubles);
    }

    /** The estimate must never be under what the encoder writes: the budgets built on it rely on that. */
    @Property(tries = 1000)
    void isAnUpperBoundOfTheEncodedBytes(@ForAll("trees") JsonNode tree) {
        assertThat(JsonSize.measure(tree, Long.MAX_VALUE, Integer.MAX_VALUE).bytes()).isGreaterThanOrEqualTo(encodedBytes(tree));
    }

    @Example
    void isExactForDocumentsWithoutFractions() {
        JsonNode document = json("{\"title\":\"Grüße \\\"x\\\"\\n\",\"tags\":[\"a\",\"b\"],\"n\":-12345,\"ok\":true,\"none\":null}");
        long estimate = JsonSize.measure(document, Long.MAX_VALUE, 100).bytes();
        assertThat(estimate).isEqualTo(encodedBytes(document));
    }

    @Example
    void countsDepthAsContainers() {
        assertThat(JsonSize.depth(json("1"), 10)).isZero();
        assertThat(JsonSize.depth(json("{}"), 10)).isEqualTo(1);
        assertThat(JsonSize.depth(json("{\"a\":[1]}"), 10)).isEqualTo(2);
        assertThat(JsonSize.depth(json("[[[[]]],{}]"), 10)).isEqualTo(4);
        assertThat(JsonSize.depth(json("[[[[]]],{}]"), 2)).isEqualTo(3);
    }

    /** A chain deeper than any stack could recurse through is measured without recursion. */
    @Example
    void walksAHundredThousandLevelsWithoutRecursion() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode at = root;
        for (int i = 0; i < 100_000; i++) at = at.putObject("a");
        assertThat(JsonSize.depth(root, 1_000_000)).isEqualTo(100_001);
        assertThat(JsonSize.depth(root, 100)).isEqualTo(101);
    }

    /** Measuring against a budget stops at the budget: here, after a few elements of a large array. */
    @Example
    void stopsOnceOverTheBudget() throws JsonProcessingException {
        ArrayNode big = JsonNodeFactory.instance.arrayNode();
        String kilobyte = "x".repeat(1024);
        for (int i = 0; i < 10_000; i++) big.add(kilobyte);
        JsonSize.Measure measure = JsonSize.measure(big, 4096, 100);
        assertThat(measure.bytes()).isGreaterThan(4096).isLessThan(6 * 1024);
        assertThat(measure.within(4096, 100)).isFalse();
        assertThat(JsonSize.measure(json("[\"" + kilobyte + "\"]"), 4096, 100).within(4096, 100)).isTrue();
    }
}
