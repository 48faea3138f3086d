package io.ringwork.core.gluer.json;

/**
 * An RFC 6901 JSON Pointer, parsed once into its reference tokens.
 *
 * <p>Syntax: the empty string (the whole document) or a sequence of {@code /token}; inside a token
 * {@code ~1} stands for {@code /} and {@code ~0} for {@code ~}; any other {@code ~} is an error.
 * Whether a token is an array index is decided against the document: the same token names an
 * object member or, if it is {@code 0} or a decimal number without leading zeros, an array
 * element; {@code -} names the slot after the last element of an array.
 *
 * <p>Immutable and thread-safe.
 */
public final class JsonPointer {
    /** {@link #arrayIndex} of {@code -}: the position after the last array element. */
    static final int END_OF_ARRAY = -1;
    /** {@link #arrayIndex} of a token that cannot index an array (not digits, or leading zeros). */
    static final int NOT_AN_INDEX = -2;

    private static final JsonPointer ROOT = new JsonPointer("", new String[0], new int[0]);

    private final String text;
    private final String[] tokens;
    /**
     * Per token, its array index, {@link #END_OF_ARRAY} or {@link #NOT_AN_INDEX}. Computed at parse
     * time so that walking a document does no string parsing. An index that does not fit in an int
     * is stored as {@code Integer.MAX_VALUE}: out of range for every array a JVM can hold.
     */
    private final int[] indexes;

    private JsonPointer(String text, String[] tokens, int[] indexes) {
        this.text = text;
        this.tokens = tokens;
        this.indexes = indexes;
    }

    /**
     * Parses {@code text}.
     *
     * @throws JsonPatchException if {@code text} is null, is neither empty nor starts with
     *     {@code /}, or has a {@code ~} not followed by {@code 0} or {@code 1}
     */
    public static JsonPointer parse(String text) throws JsonPatchException {
        if (text == null) throw new JsonPatchException("JSON pointer is null");
        if (text.isEmpty()) return ROOT;
        if (text.charAt(0) != '/') {
            throw new JsonPatchException(
                    "invalid JSON pointer \"" + text + "\": must be empty or start with '/'");
        }
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '/') count++;
        }
        String[] tokens = new String[count];
        int[] indexes = new int[count];
        int start = 1;
        for (int t = 0; t < count; t++) {
            int end = text.indexOf('/', start);
            if (end < 0) end = text.length();
            tokens[t] = unescape(text, start, end);
            indexes[t] = arrayIndexOf(tokens[t]);
            start = end + 1;
        }
        return new JsonPointer(text, tokens, indexes);
    }

    /** Escapes one reference token ({@code ~} to {@code ~0}, {@code /} to {@code ~1}). */
    public static String escape(String token) {
        if (token.indexOf('~') < 0 && token.indexOf('/') < 0) return token;
        StringBuilder escaped = new StringBuilder(token.length() + 4);
        appendEscaped(escaped, token);
        return escaped.toString();
    }

    /** True for the empty pointer, which refers to the whole document. */
    public boolean isRoot() {
        return tokens.length == 0;
    }

    /** Number of reference tokens; 0 for the root. */
    public int size() {
        return tokens.length;
    }

    /** The unescaped reference token at {@code position} (0-based). */
    public String token(int position) {
        return tokens[position];
    }

    /** The token at {@code position} as an array index, {@link #END_OF_ARRAY} or {@link #NOT_AN_INDEX}. */
    int arrayIndex(int position) {
        return indexes[position];
    }

    /** True if {@code other} lies strictly inside the location this pointer refers to. */
    boolean isProperPrefixOf(JsonPointer other) {
        if (tokens.length >= other.tokens.length) return false;
        for (int i = 0; i < tokens.length; i++) {
            if (!tokens[i].equals(other.tokens[i])) return false;
        }
        return true;
    }

    /** The pointer made of the first {@code count} tokens, as text; used in error messages. */
    String prefix(int count) {
        if (count == tokens.length) return text;
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < count; i++) {
            prefix.append('/');
            appendEscaped(prefix, tokens[i]);
        }
        return prefix.toString();
    }

    /** The pointer as written (escaped); the empty string for the root. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof JsonPointer pointer && text.equals(pointer.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    private static String unescape(String text, int start, int end) throws JsonPatchException {
        int tilde = text.indexOf('~', start);
        if (tilde < 0 || tilde >= end) return text.substring(start, end);
        StringBuilder token = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c != '~') {
                token.append(c);
                continue;
            }
            char next = i + 1 < end ? text.charAt(i + 1) : 0;
            if (next == '0') {
                token.append('~');
            } else if (next == '1') {
                token.append('/');
            } else {
                throw new JsonPatchException("invalid JSON pointer \"" + text
                        + "\": '~' at offset " + i + " must be followed by '0' or '1'");
            }
            i++;
        }
        return token.toString();
    }

    private static void appendEscaped(StringBuilder out, String token) {
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c == '~') {
                out.append("~0");
            } else if (c == '/') {
                out.append("~1");
            } else {
                out.append(c);
            }
        }
    }

    private static int arrayIndexOf(String token) {
        int length = token.length();
        if (length == 0) return NOT_AN_INDEX;
        char first = token.charAt(0);
        if (length == 1 && first == '-') return END_OF_ARRAY;
        // RFC 6901 section 4: "0" or a digit 1-9 followed by digits; so "01" is not an index.
        if (first == '0') return length == 1 ? 0 : NOT_AN_INDEX;
        long value = 0;
        for (int i = 0; i < length; i++) {
            char c = token.charAt(i);
            if (c < '0' || c > '9') return NOT_AN_INDEX;
            value = Math.min(value * 10 + (c - '0'), Integer.MAX_VALUE);
        }
        return (int) value;
    }
}
