package io.ringwork.core.gluer.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

/**
 * Small random JSON documents, JSON Patches and merge patches for property tests. Names and
 * values come from small sets so that random paths often exist and random test values often
 * match; they include the awkward cases: member names that need escaping or look like array
 * indexes, and numbers written two ways ({@code 1} and {@code 1.0}).
 */
final class JsonArbitraries {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final List<String> NAMES = List.of("a", "b", "c", "0", "1", "-", "", "a/b", "m~n");
    /** Tokens for paths that may not exist: the names, plus indexes past the end and non-indexes. */
    private static final List<String> TOKENS = List.of(
            "a", "b", "c", "x", "0", "1", "2", "3", "-", "", "a/b", "m~n", "01", "00", "1e0", "-1");
    /** Pointers RFC 6901 does not allow. */
    private static final List<String> MALFORMED_POINTERS = List.of("a", "/a~2", "/m~", "/~", "0");

    private JsonArbitraries() {}

    static Arbitrary<JsonNode> scalars() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(-1, 3).map(NODES::numberNode),
                // DecimalNode keeps the scale as written: 1.0 stays 1.0 and 2.50 stays 2.50.
                Arbitraries.of("0.0", "1.0", "1.00", "2.5", "2.50").map(s -> DecimalNode.valueOf(new BigDecimal(s))),
                Arbitraries.of("", "a", "x").map(NODES::textNode),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.just(NODES.nullNode()));
    }

    /** Any JSON value nested at most {@code depth} containers deep. */
    static Arbitrary<JsonNode> values(int depth) {
        if (depth == 0) return scalars();
        Arbitrary<JsonNode> inner = values(depth - 1);
        return Arbitraries.frequencyOf(
                Tuple.of(3, scalars()),
                Tuple.of(2, objects(inner)),
                Tuple.of(2, arrays(inner)));
    }

    static Arbitrary<JsonNode> objects(Arbitrary<JsonNode> members) {
        return Arbitraries.maps(Arbitraries.of(NAMES), members).ofMaxSize(3).map(map -> {
            ObjectNode object = NODES.objectNode();
            map.forEach(object::set);
            return object;
        });
    }

    static Arbitrary<JsonNode> arrays(Arbitrary<JsonNode> elements) {
        return elements.list().ofMaxSize(3).map(list -> {
            ArrayNode array = NODES.arrayNode();
            list.forEach(array::add);
            return array;
        });
    }

    /** Documents are objects or arrays: Parsson's JsonPatch only applies to a JsonStructure. */
    static Arbitrary<JsonNode> documents() {
        Arbitrary<JsonNode> inner = values(2);
        return Arbitraries.oneOf(objects(inner), arrays(inner));
    }

    /**
     * A document and a patch of 1 to 3 operations for it. Each operation mostly uses locations
     * that fit its role: remove, replace, test and "from" name values that exist, add and the
     * destination of move and copy name existing values, the end of an array or a member that
     * may be new. The rest are random tokens, the root or malformed pointers. A test often checks
     * a location against the value it holds in the document. About one operation in twenty is
     * defective (a member missing or of the wrong type, or an unknown op) and one in ten carries
     * members its op does not use, which must be ignored.
     */
    static Arbitrary<Tuple2<JsonNode, JsonNode>> documentsWithPatches() {
        return documents().flatMap(document -> {
            Locations locations = new Locations();
            locations.collect(document, "");
            return operations(locations).list().ofMinSize(1).ofMaxSize(3).map(ops -> {
                ArrayNode patch = NODES.arrayNode();
                ops.forEach(patch::add);
                return Tuple.of(document, (JsonNode) patch);
            });
        });
    }

    /** A target (any JSON value) and a merge patch, mostly an object, with null members that delete. */
    static Arbitrary<Tuple2<JsonNode, JsonNode>> targetsWithMergePatches() {
        Arbitrary<JsonNode> patches = Arbitraries.frequencyOf(
                Tuple.of(4, objects(values(2))),
                Tuple.of(1, values(2)));
        return Combinators.combine(values(3), patches).as(Tuple::of);
    }

    /** The locations of one document, sorted by what an operation can do with them. */
    private static final class Locations {
        /** Pointers to values other than the root, and the values they hold. */
        final List<Tuple2<String, JsonNode>> values = new ArrayList<>();
        /** Pointers add can use that may not exist yet: array ends and members of objects. */
        final List<String> slots = new ArrayList<>();

        void collect(JsonNode node, String at) {
            if (!at.isEmpty()) values.add(Tuple.of(at, node));
            if (node.isObject()) {
                for (String name : NAMES) slots.add(at + "/" + JsonPointer.escape(name));
                for (Map.Entry<String, JsonNode> member : node.properties()) {
                    collect(member.getValue(), at + "/" + JsonPointer.escape(member.getKey()));
                }
            } else if (node.isArray()) {
                slots.add(at + "/-");
                slots.add(at + "/" + node.size());
                for (int i = 0; i < node.size(); i++) collect(node.get(i), at + "/" + i);
            }
        }

        /** Pointers for remove, replace, test and "from": locations that hold a value. */
        Arbitrary<String> sources() {
            return orOthers(values.isEmpty() ? null : Arbitraries.of(values).map(Tuple2::get1));
        }

        /** Pointers for add and the destination of move and copy. */
        Arbitrary<String> destinations() {
            Arbitrary<String> existing = values.isEmpty() ? Arbitraries.of(slots)
                    : Arbitraries.oneOf(Arbitraries.of(slots), Arbitraries.of(values).map(Tuple2::get1));
            return orOthers(slots.isEmpty() ? null : existing);
        }

        /** A test of a location, half the time against the value the document holds there. */
        Arbitrary<JsonNode> tests() {
            Arbitrary<JsonNode> random = Combinators.combine(sources(), values(1))
                    .as((path, value) -> operation("test", path, null, value));
            if (values.isEmpty()) return random;
            Arbitrary<JsonNode> matching = Arbitraries.of(values)
                    .map(location -> operation("test", location.get1(), null, location.get2().deepCopy()));
            return Arbitraries.oneOf(matching, random);
        }

        private static Arbitrary<String> orOthers(Arbitrary<String> fitting) {
            Arbitrary<String> random = Arbitraries.of(TOKENS).list().ofMinSize(1).ofMaxSize(3)
                    .map(tokens -> tokens.stream().map(t -> "/" + JsonPointer.escape(t)).collect(Collectors.joining()));
            Arbitrary<String> root = Arbitraries.just("");
            Arbitrary<String> malformed = Arbitraries.of(MALFORMED_POINTERS);
            if (fitting == null) {
                return Arbitraries.frequencyOf(Tuple.of(8, random), Tuple.of(1, root), Tuple.of(1, malformed));
            }
            return Arbitraries.frequencyOf(
                    Tuple.of(16, fitting), Tuple.of(3, random), Tuple.of(1, root), Tuple.of(1, malformed));
        }
    }

    private static Arbitrary<JsonNode> operations(Locations at) {
        Arbitrary<JsonNode> values = values(1);
        Arbitrary<JsonNode> valid = Arbitraries.frequencyOf(
                Tuple.of(1, Combinators.combine(at.destinations(), values).as((path, value) -> operation("add", path, null, value))),
                Tuple.of(1, at.sources().map(path -> operation("remove", path, null, null))),
                Tuple.of(1, Combinators.combine(at.sources(), values).as((path, value) -> operation("replace", path, null, value))),
                Tuple.of(1, Combinators.combine(at.sources(), at.destinations()).as((from, path) -> operation("move", path, from, null))),
                Tuple.of(1, Combinators.combine(at.sources(), at.destinations()).as((from, path) -> operation("copy", path, from, null))),
                Tuple.of(1, at.tests()));
        // -1: as is, 0: no "op", 1: no "path", 2: no "value"/"from", 3: "path" a number,
        // 4: unknown op, 5: members the op does not use.
        Arbitrary<Integer> defect = Arbitraries.frequencyOf(
                Tuple.of(16, Arbitraries.just(-1)),
                Tuple.of(1, Arbitraries.integers().between(0, 4)),
                Tuple.of(2, Arbitraries.just(5)));
        return Combinators.combine(valid, defect, values).as((operation, which, extra) -> {
            ObjectNode changed = (ObjectNode) operation;
            switch (which) {
                case 0 -> changed.remove("op");
                case 1 -> changed.remove("path");
                case 2 -> changed.remove(List.of("value", "from"));
                case 3 -> changed.put("path", 3);
                case 4 -> changed.put("op", "spam");
                case 5 -> {
                    if (!changed.has("value")) changed.set("value", extra);
                    if (!changed.has("from")) changed.put("from", "/ignored");
                    changed.put("comment", "ignored");
                }
                default -> { }
            }
            return changed;
        });
    }

    private static JsonNode operation(String op, String path, String from, JsonNode value) {
        ObjectNode operation = NODES.objectNode().put("op", op).put("path", path);
        if (from != null) operation.put("from", from);
        if (value != null) operation.set("value", value);
        return operation;
    }
}
