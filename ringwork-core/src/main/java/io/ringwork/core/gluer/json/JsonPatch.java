package io.ringwork.core.gluer.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * RFC 6902 JSON Patch on Jackson trees: {@code add}, {@code remove}, {@code replace},
 * {@code move}, {@code copy} and {@code test}.
 *
 * <p>A patch applies atomically: it either succeeds as a whole and returns a new document, or
 * throws {@link JsonPatchException} and nothing observable happened. The document passed in is
 * never changed and the result shares no node with it or with the patch, so either side may be
 * mutated afterwards.
 *
 * <p>Cost: the document is deep-copied at most once per patch, just before the first operation
 * that changes it; the operations then work in place on that copy, which is simply dropped if a
 * later operation fails. A patch that fails before changing anything copies nothing, and an add
 * or replace of the whole document ({@code ""}) does not copy the document it replaces. Values
 * taken from the patch are deep-copied as they are inserted.
 *
 * <p>Bounds ({@link Budget}): a patch has at most so many operations; what its add, replace and
 * copy operations insert is counted gross (JSON bytes, as {@link JsonSize} estimates them) against
 * a byte budget, measured before anything is copied, so a patch of copies that doubles the
 * document at every step stops at the budget instead of at the heap's end; and no insert may
 * nest a value deeper than the depth limit. A move creates nothing and is not counted; the
 * caller checks the result's depth and size anyway.
 *
 * <p>Stateless and thread-safe, as long as nobody mutates the arguments during the call.
 */
public final class JsonPatch {
    private JsonPatch() {}

    /**
     * How much one patch may do.
     *
     * @param maxOperations operations in the patch, at least 1
     * @param maxAddedBytes JSON bytes that add, replace and copy may insert, summed over the patch
     * @param maxDepth      the deepest nesting an inserted value may reach in the document
     */
    public record Budget(int maxOperations, long maxAddedBytes, int maxDepth) {
        /** No bounds: for callers that apply patches they wrote themselves. */
        public static final Budget UNLIMITED = new Budget(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * Applies {@code patch} to {@code document}.
     *
     * @param document the document to patch; any JSON value, not null
     * @param patch a JSON array of operation objects; members an operation does not use are
     *     ignored. A tree cannot show duplicate member names (Jackson's parser keeps the last one
     *     unless {@code STRICT_DUPLICATE_DETECTION} is enabled), so rejecting an operation with
     *     two "op" members is the parser's job.
     * @return the patched document, a tree of its own
     * @throws JsonPatchException if the document is null or missing, the patch is malformed (not an
     *     array, an operation without a required member, an unknown op, a bad JSON pointer), or an
     *     operation fails (a location that must exist does not, an array index out of range, a
     *     move into its own child, a test that does not match); the message names the operation's
     *     index, op and path, and the reason
     */
    public static JsonNode apply(JsonNode document, JsonNode patch) throws JsonPatchException {
        return apply(document, patch, Budget.UNLIMITED);
    }

    /**
     * Applies {@code patch} to {@code document} within {@code budget}.
     *
     * @throws JsonPatchException as {@link #apply(JsonNode, JsonNode)}, and also when the patch has
     *     more operations than the budget allows, or an operation would insert more bytes than are
     *     left or nest a value deeper than allowed; the message names the limit
     */
    public static JsonNode apply(JsonNode document, JsonNode patch, Budget budget) throws JsonPatchException {
        if (document == null || document.isMissingNode()) {
            throw new JsonPatchException("there is no document to patch");
        }
        if (patch == null || !patch.isArray()) {
            throw new JsonPatchException(
                    "a JSON Patch must be an array of operations, not " + describe(patch));
        }
        if (patch.size() > budget.maxOperations()) {
            throw new JsonPatchException("the patch has " + patch.size() + " operations, more than the limit of "
                    + budget.maxOperations());
        }
        Run run = new Run(document, budget);
        for (int i = 0; i < patch.size(); i++) {
            run.apply(i, patch.get(i));
        }
        return run.result();
    }

    private enum Op {
        ADD, REMOVE, REPLACE, MOVE, COPY, TEST;

        final String text = name().toLowerCase(Locale.ROOT);

        static Op named(String text) {
            return switch (text) {
                case "add" -> ADD;
                case "remove" -> REMOVE;
                case "replace" -> REPLACE;
                case "move" -> MOVE;
                case "copy" -> COPY;
                case "test" -> TEST;
                default -> null;
            };
        }
    }

    /** One application of a patch: the working document and what error messages need to say. */
    private static final class Run {
        private JsonNode document;
        /** True once {@link #document} is a tree of our own, which operations may change in place. */
        private boolean owned;
        private final Budget budget;
        /** JSON bytes inserted so far, gross: a value replaced later still counts. */
        private long addedBytes;

        private int index;
        private Op op;
        private JsonPointer path;

        Run(JsonNode document, Budget budget) {
            this.document = document;
            this.budget = budget;
        }

        JsonNode result() {
            return owned ? document : document.deepCopy();
        }

        /** Checks an operation's members before touching the document, so a malformed one copies nothing. */
        void apply(int index, JsonNode operation) throws JsonPatchException {
            this.index = index;
            this.op = null;
            this.path = null;
            if (!operation.isObject()) throw fail("must be a JSON object, not " + describe(operation));
            op = opOf(operation);
            path = pointer(operation, "path");
            switch (op) {
                case ADD -> add(path, charged(path, required(operation, "value")).deepCopy());
                case REMOVE -> remove(path);
                case REPLACE -> replace(path, charged(path, required(operation, "value")).deepCopy());
                case MOVE -> move(pointer(operation, "from"), path);
                case COPY -> add(path, charged(path, get(pointer(operation, "from"))).deepCopy());
                case TEST -> test(path, required(operation, "value"));
            }
        }

        /**
         * Counts {@code value}, about to be inserted at {@code at}, against the budget, before it is
         * copied; the measuring stops once over, so its cost is bounded by what is left.
         */
        private JsonNode charged(JsonPointer at, JsonNode value) throws JsonPatchException {
            long bytesLeft = budget.maxAddedBytes() - addedBytes;
            int depthLeft = budget.maxDepth() - at.size();
            JsonSize.Measure measure = JsonSize.measure(value, bytesLeft, Math.max(depthLeft, 0));
            if (measure.depth() > depthLeft) {
                throw fail("the value would nest the document deeper than the limit of " + budget.maxDepth() + " levels");
            }
            if (measure.bytes() > bytesLeft) {
                throw fail("the patch would insert more than the limit of " + budget.maxAddedBytes()
                        + " bytes (counted over all its add, replace and copy operations)");
            }
            addedBytes += measure.bytes();
            return value;
        }

        /** The document, deep-copied first if it is still the caller's. */
        private JsonNode mutable() {
            if (!owned) {
                document = document.deepCopy();
                owned = true;
            }
            return document;
        }

        /** Makes {@code value}, a tree of our own, the whole document. */
        private void replaceDocument(JsonNode value) {
            document = value;
            owned = true;
        }

        private Op opOf(JsonNode operation) throws JsonPatchException {
            JsonNode name = operation.get("op");
            if (name == null) throw fail("missing \"op\"");
            if (!name.isTextual()) throw fail("\"op\" must be a string, not " + describe(name));
            Op named = Op.named(name.textValue());
            if (named == null) {
                throw fail("unknown op \"" + name.textValue()
                        + "\" (expected add, remove, replace, move, copy or test)");
            }
            return named;
        }

        private JsonPointer pointer(JsonNode operation, String member) throws JsonPatchException {
            JsonNode text = required(operation, member);
            if (!text.isTextual()) {
                throw fail("\"" + member + "\" must be a string, not " + describe(text));
            }
            try {
                return JsonPointer.parse(text.textValue());
            } catch (JsonPatchException e) {
                throw fail("\"" + member + "\": " + e.getMessage());
            }
        }

        private JsonNode required(JsonNode operation, String member) throws JsonPatchException {
            JsonNode value = operation.get(member);
            if (value == null) throw fail("missing \"" + member + "\"");
            return value;
        }

        /** {@code value} must be a tree of our own: a copy, or a node detached from the document. */
        private void add(JsonPointer at, JsonNode value) throws JsonPatchException {
            if (at.isRoot()) {
                replaceDocument(value);
                return;
            }
            JsonNode parent = parentOf(mutable(), at);
            int last = at.size() - 1;
            if (parent instanceof ObjectNode object) {
                // RFC 6902 section 4.1: adding an existing member replaces its value.
                object.set(at.token(last), value);
            } else if (parent instanceof ArrayNode array) {
                int position = at.arrayIndex(last);
                if (position == JsonPointer.END_OF_ARRAY) {
                    array.add(value);
                } else if (position == JsonPointer.NOT_AN_INDEX) {
                    throw fail(notAnIndex(at, last));
                } else if (position > array.size()) {
                    throw fail(outOfRange(at, last, array));
                } else {
                    array.insert(position, value);
                }
            } else {
                throw fail(notAContainer(at, last, parent));
            }
        }

        private JsonNode remove(JsonPointer at) throws JsonPatchException {
            if (at.isRoot()) throw fail("cannot remove the whole document");
            JsonNode parent = parentOf(mutable(), at);
            int last = at.size() - 1;
            if (parent instanceof ObjectNode object) {
                JsonNode removed = object.remove(at.token(last));
                if (removed == null) throw fail(at + " does not exist");
                return removed;
            }
            if (parent instanceof ArrayNode array) {
                return array.remove(existingIndex(at, last, array));
            }
            throw fail(notAContainer(at, last, parent));
        }

        private void replace(JsonPointer at, JsonNode value) throws JsonPatchException {
            if (at.isRoot()) {
                replaceDocument(value);
                return;
            }
            JsonNode parent = parentOf(mutable(), at);
            int last = at.size() - 1;
            if (parent instanceof ObjectNode object) {
                String name = at.token(last);
                if (object.get(name) == null) throw fail(at + " does not exist");
                object.set(name, value);
            } else if (parent instanceof ArrayNode array) {
                array.set(existingIndex(at, last, array), value);
            } else {
                throw fail(notAContainer(at, last, parent));
            }
        }

        private void move(JsonPointer from, JsonPointer to) throws JsonPatchException {
            if (from.equals(to)) {
                get(from); // RFC 6902 section 4.4: "from" must exist even when nothing moves.
                return;
            }
            if (from.isProperPrefixOf(to)) {
                throw fail("cannot move " + render(from) + " into its own child " + to);
            }
            add(to, remove(from));
        }

        private void test(JsonPointer at, JsonNode expected) throws JsonPatchException {
            JsonNode actual = get(at);
            if (JsonEquality.equivalent(actual, expected)) return;
            if (actual.getNodeType() != expected.getNodeType()) {
                throw fail("value differs (expected " + describe(expected)
                        + ", found " + describe(actual) + ")");
            }
            throw fail("value differs");
        }

        private JsonNode get(JsonPointer at) throws JsonPatchException {
            JsonNode node = document;
            for (int t = 0; t < at.size(); t++) {
                node = child(node, at, t);
            }
            return node;
        }

        /** The container that holds the location {@code at} (which is not the root). */
        private JsonNode parentOf(JsonNode root, JsonPointer at) throws JsonPatchException {
            JsonNode node = root;
            for (int t = 0; t < at.size() - 1; t++) {
                node = child(node, at, t);
            }
            return node;
        }

        private JsonNode child(JsonNode node, JsonPointer at, int token) throws JsonPatchException {
            if (node instanceof ObjectNode) {
                JsonNode child = node.get(at.token(token));
                if (child == null) throw fail(at.prefix(token + 1) + " does not exist");
                return child;
            }
            if (node instanceof ArrayNode array) {
                return array.get(existingIndex(at, token, array));
            }
            throw fail(notAContainer(at, token, node));
        }

        /** The index of an existing element that token {@code token} of {@code at} names in {@code array}. */
        private int existingIndex(JsonPointer at, int token, ArrayNode array) throws JsonPatchException {
            int position = at.arrayIndex(token);
            if (position == JsonPointer.NOT_AN_INDEX) throw fail(notAnIndex(at, token));
            if (position == JsonPointer.END_OF_ARRAY) {
                throw fail(at.prefix(token + 1) + " names the end of an array, where no element is;"
                        + " \"-\" can only be the last token of an add");
            }
            if (position >= array.size()) throw fail(outOfRange(at, token, array));
            return position;
        }

        private JsonPatchException fail(String reason) {
            StringBuilder message = new StringBuilder(64).append("operation ").append(index);
            if (op != null) message.append(" (").append(op.text).append(')');
            if (path != null) message.append(" at ").append(render(path));
            return new JsonPatchException(message.append(": ").append(reason).toString());
        }
    }

    private static String notAnIndex(JsonPointer at, int token) {
        String text = at.token(token);
        boolean leadingZero = text.length() > 1 && text.charAt(0) == '0'
                && text.chars().allMatch(Character::isDigit);
        return render(at, token) + " is an array and \"" + text + "\" is not an array index"
                + (leadingZero ? " (leading zeros are not allowed)" : "");
    }

    private static String outOfRange(JsonPointer at, int token, ArrayNode array) {
        return "index " + at.token(token) + " is out of range: " + render(at, token)
                + " has " + array.size() + (array.size() == 1 ? " element" : " elements");
    }

    private static String notAContainer(JsonPointer at, int token, JsonNode node) {
        return render(at, token) + " is " + describe(node) + ", which has no member or element \""
                + at.token(token) + "\"";
    }

    /** The location of the first {@code count} tokens of {@code at}, for a message. */
    private static String render(JsonPointer at, int count) {
        return count == 0 ? "the document" : at.prefix(count);
    }

    private static String render(JsonPointer at) {
        return at.isRoot() ? "\"\"" : at.toString();
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) return "nothing";
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT) + " node";
        };
    }
}
