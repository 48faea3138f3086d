package io.ringwork.core.membership.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Appends tag-length-value fields to a growing byte array. Every field is
 * {@code varint tag, varint length, bytes}, so a reader that does not know a tag can skip it:
 * that is what lets nodes of different versions talk (STYLE 5). Not thread-safe.
 */
final class WireWriter {
    private byte[] buffer;
    private int size;

    WireWriter(int initialCapacity) {
        buffer = new byte[Math.max(16, initialCapacity)];
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    void rawByte(int value) {
        ensure(1);
        buffer[size++] = (byte) value;
    }

    void rawBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
    }

    void varint(long value) {
        // Unsigned LEB128: negative values would take 10 bytes; callers only write non-negative numbers.
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buffer[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buffer[size++] = (byte) value;
    }

    void field(int tag, long value) {
        varint(tag);
        varint(varintSize(value));
        varint(value);
    }

    void field(int tag, boolean value) {
        field(tag, value ? 1 : 0);
    }

    void field(int tag, String value) {
        field(tag, value.getBytes(StandardCharsets.UTF_8));
    }

    void field(int tag, byte[] value) {
        varint(tag);
        varint(value.length);
        rawBytes(value);
    }

    void field(int tag, WireWriter nested) {
        varint(tag);
        varint(nested.size);
        ensure(nested.size);
        System.arraycopy(nested.buffer, 0, buffer, size, nested.size);
        size += nested.size;
    }

    static int varintSize(long value) {
        int bytes = 1;
        while ((value & ~0x7FL) != 0) {
            bytes++;
            value >>>= 7;
        }
        return bytes;
    }

    private void ensure(int extra) {
        if (size + extra > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + extra));
        }
    }
}
