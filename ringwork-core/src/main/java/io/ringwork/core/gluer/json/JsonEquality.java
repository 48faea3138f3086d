package io.ringwork.core.gluer.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * JSON value equality as RFC 6902 section 4.6 defines it for {@code test}: numbers are equal when
 * their values are ({@code 1}, {@code 1.0} and {@code 1e0} are one number), object members are
 * compared by name regardless of order, arrays element by element, everything else by value.
 *
 * <p>Jackson's own {@code equals} differs on numbers: {@code IntNode(1)} does not equal
 * {@code DoubleNode(1.0)}, and which node a parser produces depends on how the number was written.
 */
final class JsonEquality {
    private JsonEquality() {}

    /** True if {@code a} and {@code b} are the same JSON value; null only equals null. */
    static boolean equivalent(JsonNode a, JsonNode b) {
        if (a == b) return true;
        if (a == null || b == null || a.getNodeType() != b.getNodeType()) return false;
        return switch (a.getNodeType()) {
            case OBJECT -> objectsEquivalent(a, b);
            case ARRAY -> arraysEquivalent(a, b);
            case NUMBER -> numbersEqual(a, b);
            default -> a.equals(b);
        };
    }

    private static boolean objectsEquivalent(JsonNode a, JsonNode b) {
        if (a.size() != b.size()) return false;
        for (Map.Entry<String, JsonNode> member : a.properties()) {
            if (!equivalent(member.getValue(), b.get(member.getKey()))) return false;
        }
        return true;
    }

    private static boolean arraysEquivalent(JsonNode a, JsonNode b) {
        int size = a.size();
        if (size != b.size()) return false;
        for (int i = 0; i < size; i++) {
            if (!equivalent(a.get(i), b.get(i))) return false;
        }
        return true;
    }

    private static boolean numbersEqual(JsonNode a, JsonNode b) {
        if (a.isIntegralNumber() && b.isIntegralNumber()) {
            if (a.canConvertToLong() && b.canConvertToLong()) return a.longValue() == b.longValue();
            return a.bigIntegerValue().equals(b.bigIntegerValue());
        }
        if (a.isDouble() && b.isDouble()) return a.doubleValue() == b.doubleValue();
        // NaN and infinities have no BigDecimal form; they can only come from a tree built in code.
        if (!isFinite(a) || !isFinite(b)) return a.doubleValue() == b.doubleValue();
        return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }

    private static boolean isFinite(JsonNode number) {
        return !(number.isDouble() || number.isFloat()) || Double.isFinite(number.doubleValue());
    }
}
