package io.ringwork.core.membership.wire;

import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link WireWriter} wrote, within {@code [offset, limit)} of one array. Every read is
 * bounds-checked and throws {@link MalformedException} instead of reading past the limit, so a
 * truncated or hostile packet can only be rejected, never crash the caller. Not thread-safe.
 */
final class WireReader {
    private final byte[] bytes;
    private int position;
    private final int limit;
    private int fieldTag;
    private int fieldStart;
    private int fieldEnd;

    WireReader(byte[] bytes, int offset, int limit) {
        if (offset < 0 || limit > bytes.length || offset > limit) throw new MalformedException("bad bounds");
        this.bytes = bytes;
        this.position = offset;
        this.limit = limit;
    }

    boolean hasMore() {
        return position < limit;
    }

    int position() {
        return position;
    }

    int rawByte() {
        if (position >= limit) throw new MalformedException("truncated at " + position);
        return bytes[position++] & 0xFF;
    }

    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = rawByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new MalformedException("varint longer than 10 bytes");
    }

    /** A non-negative int (lengths, tags); anything larger is malformed. */
    int varintInt() {
        long value = varint();
        if (value < 0 || value > Integer.MAX_VALUE) throw new MalformedException("number out of range: " + value);
        return (int) value;
    }

    /** Advances to the next field; returns its tag. The field's value is read with the value* methods. */
    int nextField() {
        fieldTag = varintInt();
        int length = varintInt();
        if (length > limit - position) throw new MalformedException("field " + fieldTag + " overruns the packet");
        fieldStart = position;
        fieldEnd = position + length;
        position = fieldEnd;
        return fieldTag;
    }

    long valueLong() {
        WireReader inner = valueReader();
        long value = inner.varint();
        if (inner.hasMore()) throw new MalformedException("trailing bytes in number field " + fieldTag);
        return value;
    }

    int valueInt() {
        long value = valueLong();
        if (value < 0 || value > Integer.MAX_VALUE) throw new MalformedException("field " + fieldTag + " out of int range");
        return (int) value;
    }

    boolean valueBoolean() {
        return valueLong() != 0;
    }

    String valueString() {
        return new String(bytes, fieldStart, fieldEnd - fieldStart, StandardCharsets.UTF_8);
    }

    /** The current field's bytes, copied. */
    byte[] valueBytes() {
        return java.util.Arrays.copyOfRange(bytes, fieldStart, fieldEnd);
    }

    /** A reader over the next {@code length} bytes, which this reader then skips. */
    WireReader slice(int length) {
        if (length < 0 || length > limit - position) throw new MalformedException("length " + length + " overruns the packet");
        WireReader inner = new WireReader(bytes, position, position + length);
        position += length;
        return inner;
    }

    /** A reader over the current field's bytes (nested messages). */
    WireReader valueReader() {
        return new WireReader(bytes, fieldStart, fieldEnd);
    }
}
