package io.ringwork.runtime.store;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Strings in the store's and replication's binary forms. {@link DataOutput#writeUTF} takes at
 * most 65,535 bytes and throws past that; the strings of a record (key, type, id) come from the
 * public API, and a write that throws on one would stop the node. So every writer here either
 * checks {@link #fitsWriteUtf} and switches to the wide form ({@link #writeWide}: a 4-byte length
 * and UTF-8) under a format byte of its own, or cuts the string ({@link #truncate}) where it is
 * only shown to people. Stateless and thread-safe.
 */
public final class StringCodec {
    /** The most bytes {@code writeUTF} writes for one string. */
    static final int WRITE_UTF_BYTES_MAX = 65_535;

    private StringCodec() {}

    /** True if {@code writeUTF} can write {@code text}: its modified UTF-8 is at most 65,535 bytes. */
    public static boolean fitsWriteUtf(String text) {
        int chars = text.length();
        if (chars <= WRITE_UTF_BYTES_MAX / 3) return true; // at most 3 bytes per char
        if (chars > WRITE_UTF_BYTES_MAX) return false;
        long bytes = 0;
        for (int i = 0; i < chars; i++) {
            char c = text.charAt(i);
            bytes += c != 0 && c < 0x80 ? 1 : c < 0x800 ? 2 : 3; // NUL is two bytes in modified UTF-8
        }
        return bytes <= WRITE_UTF_BYTES_MAX;
    }

    /** Writes {@code text} as a 4-byte length and its UTF-8 bytes: any length. */
    public static void writeWide(DataOutput out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** Reads what {@link #writeWide} wrote; a length below 0 or over {@code maxBytes} is corrupt input. */
    public static String readWide(DataInput in, int maxBytes) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > maxBytes) throw new IOException("bad string length " + length);
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /**
     * {@code text} if it is at most {@code maxBytes} in UTF-8, otherwise its first {@code maxBytes}
     * bytes or fewer, cut at a character boundary, followed by {@code …(N bytes)} with its full length.
     */
    public static String truncate(String text, int maxBytes) {
        if (text.length() <= maxBytes / 3) return text;
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length <= maxBytes) return text;
        int end = maxBytes;
        // Back up over continuation bytes (10xxxxxx) so the cut does not split a character.
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) end--;
        return new String(utf8, 0, end, StandardCharsets.UTF_8) + "…(" + utf8.length + " bytes)";
    }
}
