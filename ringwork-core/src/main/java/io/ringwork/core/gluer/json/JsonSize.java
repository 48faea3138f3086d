package io.ringwork.core.gluer.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * How big and how deep a JSON tree is, measured without encoding it and without recursion, and
 * with a bounded cost: the walk stops as soon as the tree is known to be over a byte budget or a
 * depth, so measuring a 2 GB tree against a 1 MiB budget costs about 1 MiB of walking.
 *
 * <p>The byte count is an upper bound of the tree's compact JSON as Jackson writes it: exact for
 * strings, names, integers, booleans and null (Jackson's default escaping: {@code "} and
 * {@code \} as two bytes, {@code \b \t \n \f \r} as two, other control characters and every
 * UTF-16 surrogate as a six-byte {@code \}{@code uXXXX}, other characters as their UTF-8 bytes),
 * and an upper bound for floating-point and big decimal numbers, whose shortest form would cost a
 * conversion to find. Depth counts containers: a scalar is depth 0, {@code {}} and {@code []} depth
 * 1, {@code {"a":[1]}} depth 2.
 *
 * <p>Stateless and thread-safe, as long as nobody mutates the tree during the call.
 */
public final class JsonSize {
    /** At most one digit per three bits of a binary integer (log10 2 is about 0.301). */
    private static final int BITS_PER_DIGIT_FLOOR = 3;
    /** {@code Double.toString} is at most 24 characters: sign, 17 digits, point, E, sign, 3 digits. */
    private static final int DOUBLE_BYTES_MAX = 24;

    private JsonSize() {}

    /**
     * What {@link #measure} found.
     *
     * @param bytes the upper bound of the compact JSON's bytes, or a number over the budget when the
     *              walk stopped early (then it is not the tree's size)
     * @param depth the deepest nesting seen, or a number over the depth limit when the walk stopped early
     */
    public record Measure(long bytes, int depth) {
        public boolean within(long maxBytes, int maxDepth) {
            return bytes <= maxBytes && depth <= maxDepth;
        }
    }

    /**
     * Measures {@code node}, stopping once its bytes pass {@code maxBytes} or its depth passes
     * {@code maxDepth}.
     *
     * @param node     any JSON tree; not null
     * @param maxBytes the byte budget, at least 0
     * @param maxDepth the depth limit, at least 0
     */
    public static Measure measure(JsonNode node, long maxBytes, int maxDepth) {
        long bytes = 0;
        int depth = 0;
        // One iterator per open container: the walk's memory is its depth, which stops at maxDepth + 1.
        ArrayDeque<Iterator<?>> open = new ArrayDeque<>();
        JsonNode next = node;
        while (true) {
            if (next != null) {
                bytes += scalarOrOpen(next);
                if (next.isContainerNode()) {
                    open.push(next.isObject() ? next.properties().iterator() : next.elements());
                    depth = Math.max(depth, open.size());
                    if (depth > maxDepth) return new Measure(bytes, depth);
                }
                if (bytes > maxBytes) return new Measure(bytes, depth);
                next = null;
            }
            if (open.isEmpty()) return new Measure(bytes, depth);
            Iterator<?> members = open.peek();
            if (!members.hasNext()) {
                open.pop();
                continue;
            }
            Object member = members.next();
            // One comma per member here; the container's opening took one off for the first member.
            if (member instanceof Map.Entry<?, ?> entry) {
                bytes += stringBytes((String) entry.getKey(), maxBytes - bytes) + 2; // "name": and a comma
                next = (JsonNode) entry.getValue();
            } else {
                bytes += 1;
                next = (JsonNode) member;
            }
        }
    }

    /** The depth of {@code node}, or {@code maxDepth + 1} when it is deeper than {@code maxDepth}. */
    public static int depth(JsonNode node, int maxDepth) {
        return Math.min(measure(node, Long.MAX_VALUE, maxDepth).depth(), maxDepth + 1);
    }

    /** The bytes of a scalar, or of a container's brackets less the comma its first member does not have. */
    private static long scalarOrOpen(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT, ARRAY -> node.isEmpty() ? 2 : 1;
            case STRING -> stringBytes(node.textValue(), Long.MAX_VALUE);
            case NUMBER -> numberBytes(node);
            case BOOLEAN -> node.booleanValue() ? 4 : 5;
            case NULL, MISSING -> 4;
            // Base64 in quotes; POJO nodes do not come out of a parser, so their text stands in.
            case BINARY -> node instanceof BinaryNode binary ? 2 + 4L * ((binary.binaryValue().length + 2) / 3) : 2;
            case POJO -> 2 + 6L * node.toString().length();
        };
    }

    /**
     * The bytes of {@code text} as a quoted JSON string. Once a prefix is over {@code budget} the
     * rest is counted at one byte per character without looking: the result is still over.
     */
    static long stringBytes(String text, long budget) {
        int length = text.length();
        if (length > budget) return 2L + length;
        long bytes = 2;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x20) {
                bytes += c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r' ? 2 : 6;
            } else if (c == '"' || c == '\\') {
                bytes += 2;
            } else if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isSurrogate(c)) {
                bytes += 6;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static long numberBytes(JsonNode node) {
        if (node.canConvertToLong() && node.isIntegralNumber()) return longBytes(node.longValue());
        if (node.isIntegralNumber()) return 2 + node.bigIntegerValue().bitLength() / BITS_PER_DIGIT_FLOOR;
        if (node.isBigDecimal()) {
            // toString: sign, digits, point, and either up to 6 leading zeros or E, sign and 10 digits.
            BigDecimal value = node.decimalValue();
            return value.precision() + 16L;
        }
        return DOUBLE_BYTES_MAX;
    }

    private static int longBytes(long value) {
        if (value == Long.MIN_VALUE) return 20;
        int bytes = value < 0 ? 2 : 1;
        long rest = Math.abs(value);
        while (rest >= 10) {
            rest /= 10;
            bytes++;
        }
        return bytes;
    }
}
