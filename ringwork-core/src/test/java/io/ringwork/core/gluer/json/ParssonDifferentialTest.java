package io.ringwork.core.gluer.json;

import static io.ringwork.core.gluer.json.TestJson.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import jakarta.json.JsonException;
import jakarta.json.JsonStructure;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.statistics.Statistics;

/**
 * Our JSON Patch and Merge Patch against Eclipse Parsson's ({@code Json.createPatch} and
 * {@code Json.createMergePatch}, called through the provider they delegate to) on random
 * documents and patches: both must accept or both reject, and accepted results must be equal.
 *
 * <p>Parsson departs from RFC 6901/6902 in six corners (found by this test, each pinned by an
 * {@code @Example} below that fails if Parsson changes). A generated case that reaches one of
 * them is left out of the comparison and counted under "parsson deviation"; nothing else is:
 * <ol>
 *   <li><b>number scale</b>: Parsson's {@code test} compares numbers with
 *       {@code BigDecimal.equals}, so 1 is not 1.0 and 1.0 is not 1.00; RFC 6902 section 4.6 says
 *       numbers are equal when their values are. Corner: a {@code test} op whose operands are
 *       numerically equal but written differently.
 *   <li><b>bad ~ escape</b>: Parsson takes {@code /a~2} or {@code /a~} literally; RFC 6901
 *       section 3 only allows {@code ~0} and {@code ~1}. Corner: we rejected a pointer for that.
 *   <li><b>leading zeros</b>: Parsson reads {@code 01} as array index 1; RFC 6901 section 4
 *       forbids leading zeros. Corner: we rejected an index for that.
 *   <li><b>scalar document</b>: Parsson's patch applies to a {@code JsonStructure}, so it refuses
 *       to add, replace, move or copy a non-container value to the root; RFC 6902 allows any
 *       JSON value there. Corner: our document was a scalar after some operation.
 *   <li><b>move prefix by text</b>: Parsson refuses a move when "path" starts with the text of
 *       "from", so {@code /a/1} to {@code /a/10}, {@code /a} to {@code /ab} and {@code /} to
 *       {@code /a} all fail; RFC 6902 section 4.4 only forbids moving a location into one of its
 *       children, which is a matter of whole reference tokens. Corner: a move is reached whose
 *       "path" starts with the text of its "from" while "from" is not a proper prefix of it
 *       token by token.
 *   <li><b>dash as an element</b>: Parsson resolves {@code -} where it is not the end of an
 *       {@code add} (or a copy/move target), e.g. a "from" of {@code /-/0} on {@code [0,0,0]};
 *       RFC 6901 section 4 says {@code -} names the nonexistent element after the last, so
 *       evaluating through it is an error. Corner: we rejected a pointer for that (a rare
 *       random case, first seen as an occasional failure of this test).
 * </ol>
 * Parsson also throws NullPointerException (missing "from") or ClassCastException (a non-string
 * "op" or "path") where it means "malformed patch"; that is still a rejection, so it is compared.
 * Its merge patch showed no deviation.
 */
class ParssonDifferentialTest {
    private static final JsonProvider PARSSON = JsonProvider.provider();

    private record Outcome(JsonNode result, String error) {
        boolean applied() {
            return error == null;
        }

        @Override
        public String toString() {
            return applied() ? "applied: " + result : "rejected: " + error;
        }
    }

    @Provide
    Arbitrary<Tuple2<JsonNode, JsonNode>> documentsWithPatches() {
        return JsonArbitraries.documentsWithPatches();
    }

    @Provide
    Arbitrary<Tuple2<JsonNode, JsonNode>> targetsWithMergePatches() {
        return JsonArbitraries.targetsWithMergePatches();
    }

    // Without edge cases: jqwik's edge cases pick the first branch of every choice (a malformed
    // pointer, an unknown op), which crowds out the patches that apply. Empty documents and
    // arrays still come up at random.
    @Property(tries = 1000, edgeCases = EdgeCasesMode.NONE)
    void patchAgreesWithParsson(@ForAll("documentsWithPatches") Tuple2<JsonNode, JsonNode> input) {
        JsonNode document = input.get1();
        ArrayNode patch = (ArrayNode) input.get2();
        String before = document.toString();
        Outcome ours = ours(document, patch);
        assertThat(document.toString()).as("our patch left the document alone").isEqualTo(before);

        String deviation = parssonDeviation(document, patch, ours);
        Statistics.label("parsson deviation").collect(deviation == null ? "none" : deviation);
        Statistics.label("parsson deviation").coverage(c -> c.check("none").percentage(p -> p >= 80));
        Statistics.label("outcome").collect(ours.applied() ? "applied" : "rejected");
        Statistics.label("outcome").coverage(c -> {
            c.check("applied").percentage(p -> p >= 20);
            c.check("rejected").percentage(p -> p >= 20);
        });
        Statistics.label("last op of an applied patch")
                .collect(ours.applied() ? patch.get(patch.size() - 1).path("op").asText() : "-");
        Statistics.label("last op of an applied patch").coverage(c -> {
            for (String op : List.of("add", "remove", "replace", "move", "copy", "test")) {
                c.check(op).count(n -> n >= 10);
            }
        });
        if (deviation != null) return;

        Outcome theirs = parsson(document, patch);
        String context = "document " + document + "\npatch " + patch + "\nours " + ours + "\nparsson " + theirs;
        assertThat(ours.applied()).as(context).isEqualTo(theirs.applied());
        if (ours.applied()) {
            assertThat(JsonEquality.equivalent(ours.result(), theirs.result())).as(context).isTrue();
        }
    }

    @Property(tries = 1000)
    void mergePatchAgreesWithParsson(@ForAll("targetsWithMergePatches") Tuple2<JsonNode, JsonNode> input) {
        JsonNode target = input.get1();
        JsonNode patch = input.get2();
        String targetBefore = target.toString();
        String patchBefore = patch.toString();

        JsonNode ours = JsonMergePatch.apply(target, patch);
        JsonNode theirs = fromParsson(PARSSON.createMergePatch(toParsson(patch)).apply(toParsson(target)));

        Statistics.label("patch").collect(patch.isObject() ? "object" : "replaces the target");
        assertThat(JsonEquality.equivalent(ours, theirs))
                .as("target %s%npatch %s%nours %s%nparsson %s", target, patch, ours, theirs)
                .isTrue();
        assertThat(target.toString()).isEqualTo(targetBefore);
        assertThat(patch.toString()).isEqualTo(patchBefore);
    }

    // Each deviation, pinned: our RFC behaviour, and Parsson's differing one.

    @Example
    void numberScale_testComparesValuesWhereParssonComparesScale() throws Exception {
        JsonNode document = json("{\"a\":1,\"b\":[1.0]}");
        JsonNode patch = json("[{\"op\":\"test\",\"path\":\"/a\",\"value\":1.0},"
                + "{\"op\":\"test\",\"path\":\"/b\",\"value\":[1.00]}]");

        assertThat(JsonPatch.apply(document, patch)).isEqualTo(document);
        assertThatThrownBy(() -> parssonApply(document, patch)).isInstanceOf(JsonException.class);
    }

    @Example
    void badTildeEscape_isRejectedWhereParssonReadsItLiterally() {
        JsonNode document = json("{\"a~2\":1}");
        JsonNode patch = json("[{\"op\":\"remove\",\"path\":\"/a~2\"}]");

        assertThatThrownBy(() -> JsonPatch.apply(document, patch))
                .isInstanceOf(JsonPatchException.class)
                .hasMessageContaining("must be followed by '0' or '1'");
        assertThat(fromParsson(parssonApply(document, patch))).isEqualTo(json("{}"));
    }

    @Example
    void dashAsAnElement_isRejectedWhereParssonResolvesIt() {
        JsonNode document = json("[0,0,0]");
        JsonNode patch = json("[{\"op\":\"copy\",\"path\":\"/-\",\"from\":\"/-/0\"}]");

        assertThatThrownBy(() -> JsonPatch.apply(document, patch))
                .isInstanceOf(JsonPatchException.class)
                .hasMessageContaining("names the end of an array");
        assertThat(fromParsson(parssonApply(document, patch))).isNotNull();
    }

    @Example
    void leadingZeros_areNotAnIndexWhereParssonAcceptsThem() {
        JsonNode document = json("[\"x\",\"y\"]");
        JsonNode patch = json("[{\"op\":\"remove\",\"path\":\"/01\"}]");

        assertThatThrownBy(() -> JsonPatch.apply(document, patch))
                .isInstanceOf(JsonPatchException.class)
                .hasMessageContaining("leading zeros are not allowed");
        assertThat(fromParsson(parssonApply(document, patch))).isEqualTo(json("[\"x\"]"));
    }

    @Example
    void scalarDocument_canReplaceTheRootWhereParssonRefuses() throws Exception {
        JsonNode document = json("{\"a\":\"x\"}");
        for (String patch : List.of(
                "[{\"op\":\"replace\",\"path\":\"\",\"value\":3}]",
                "[{\"op\":\"add\",\"path\":\"\",\"value\":null}]",
                "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"\"}]",
                "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"\"}]")) {
            JsonNode expected = patch.contains("3") ? json("3") : patch.contains("null") ? json("null") : json("\"x\"");

            assertThat(JsonPatch.apply(document, json(patch))).as(patch).isEqualTo(expected);
            assertThatThrownBy(() -> parssonApply(document, json(patch))).as(patch).isInstanceOf(JsonException.class);
        }
    }

    @Example
    void movePrefixByText_movesWhereParssonRefuses() throws Exception {
        JsonNode document = json("{\"a\":[0,1,2,3,4,5,6,7,8,9,10],\"\":\"e\"}");
        Map<String, String> movesAndResults = Map.of(
                "[{\"op\":\"move\",\"from\":\"/a/1\",\"path\":\"/a/10\"}]",
                "{\"a\":[0,2,3,4,5,6,7,8,9,10,1],\"\":\"e\"}",
                "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/ab\"}]",
                "{\"ab\":[0,1,2,3,4,5,6,7,8,9,10],\"\":\"e\"}",
                "[{\"op\":\"move\",\"from\":\"/\",\"path\":\"/b\"}]",
                "{\"a\":[0,1,2,3,4,5,6,7,8,9,10],\"b\":\"e\"}");
        for (Map.Entry<String, String> move : movesAndResults.entrySet()) {
            JsonNode patch = json(move.getKey());

            assertThat(JsonPatch.apply(document, patch)).as(move.getKey()).isEqualTo(json(move.getValue()));
            assertThatThrownBy(() -> parssonApply(document, patch)).as(move.getKey())
                    .isInstanceOf(JsonException.class).hasMessageContaining("proper prefix");
        }
    }

    /** Which documented Parsson deviation (see the class comment) this case reaches, or null. */
    private static String parssonDeviation(JsonNode document, ArrayNode patch, Outcome ours) {
        if (!ours.applied() && ours.error().contains("must be followed by '0' or '1'")) return "bad ~ escape";
        if (!ours.applied() && ours.error().contains("leading zeros are not allowed")) return "leading zeros";
        if (!ours.applied() && ours.error().contains("names the end of an array")) return "dash as an element";
        List<JsonNode> states = trace(document, patch);
        for (int k = 0; k < states.size(); k++) {
            JsonNode state = states.get(k);
            if (!state.isContainerNode()) return "scalar document";
            if (k < patch.size() && differsOnlyInNumberScale(state, patch.get(k))) return "number scale";
            if (k < patch.size() && isMoveToTextualExtension(patch.get(k))) return "move prefix by text";
        }
        return null;
    }

    /** Our document before each operation and after the last, up to our first failure. */
    private static List<JsonNode> trace(JsonNode document, ArrayNode patch) {
        List<JsonNode> states = new ArrayList<>();
        states.add(document);
        for (int k = 1; k <= patch.size(); k++) {
            ArrayNode prefix = patch.arrayNode();
            for (int i = 0; i < k; i++) prefix.add(patch.get(i));
            try {
                states.add(JsonPatch.apply(document, prefix));
            } catch (JsonPatchException e) {
                break;
            }
        }
        return states;
    }

    private static boolean differsOnlyInNumberScale(JsonNode state, JsonNode operation) {
        if (!operation.path("op").asText().equals("test") || !operation.has("value")) return false;
        JsonNode actual;
        try {
            actual = valueAt(state, JsonPointer.parse(operation.path("path").asText()));
        } catch (JsonPatchException e) {
            return false;
        }
        JsonNode expected = operation.get("value");
        return actual != null
                && JsonEquality.equivalent(actual, expected)
                && !toParsson(actual).equals(toParsson(expected));
    }

    private static boolean isMoveToTextualExtension(JsonNode operation) {
        if (!operation.path("op").asText().equals("move")) return false;
        String from = operation.path("from").asText();
        String path = operation.path("path").asText();
        if (!path.startsWith(from) || path.equals(from)) return false;
        try {
            return !JsonPointer.parse(from).isProperPrefixOf(JsonPointer.parse(path));
        } catch (JsonPatchException e) {
            return false;
        }
    }

    private static JsonNode valueAt(JsonNode node, JsonPointer at) {
        for (int t = 0; t < at.size() && node != null; t++) {
            if (node.isObject()) {
                node = node.get(at.token(t));
            } else if (node.isArray() && at.arrayIndex(t) >= 0) {
                node = node.get(at.arrayIndex(t));
            } else {
                return null;
            }
        }
        return node;
    }

    private static Outcome ours(JsonNode document, JsonNode patch) {
        try {
            return new Outcome(JsonPatch.apply(document, patch), null);
        } catch (JsonPatchException e) {
            return new Outcome(null, e.getMessage());
        }
    }

    private static Outcome parsson(JsonNode document, JsonNode patch) {
        try {
            return new Outcome(fromParsson(parssonApply(document, patch)), null);
        } catch (RuntimeException e) {
            return new Outcome(null, e.toString());
        }
    }

    private static JsonValue parssonApply(JsonNode document, JsonNode patch) {
        return PARSSON.createPatch(toParsson(patch).asJsonArray()).apply((JsonStructure) toParsson(document));
    }

    private static JsonValue toParsson(JsonNode node) {
        try (var reader = PARSSON.createReader(new StringReader(node.toString()))) {
            return reader.readValue();
        }
    }

    private static JsonNode fromParsson(JsonValue value) {
        return json(value.toString());
    }
}
