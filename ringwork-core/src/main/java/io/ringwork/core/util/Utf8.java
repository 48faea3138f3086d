package io.ringwork.core.util;

/** UTF-8 lengths of strings, without encoding them. Stateless and thread-safe. */
public final class Utf8 {
    private Utf8() {}

    /**
     * The length of {@code text} in UTF-8 bytes, counting no further than needed to tell that it
     * is over {@code maxBytes}: then it returns some number over {@code maxBytes}. An unpaired
     * surrogate counts three bytes, never less than what an encoder writes for it ({@code ?} or
     * the replacement character), so the count never falls short.
     */
    public static long length(String text, long maxBytes) {
        int chars = text.length();
        if (chars > maxBytes) return chars; // every character is at least one byte
        long bytes = 0;
        for (int i = 0; i < chars && bytes <= maxBytes; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < chars && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    /** The length of {@code text} in UTF-8 bytes (exact for well-formed text). */
    public static long length(String text) {
        return length(text, Long.MAX_VALUE);
    }
}
