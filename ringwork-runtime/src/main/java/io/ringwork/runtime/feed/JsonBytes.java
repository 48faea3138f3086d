package io.ringwork.runtime.feed;

import java.util.Arrays;

/**
 * A growable byte buffer for writing JSON by hand ({@link ChangeJson}): unsynchronised, unlike
 * {@link java.io.ByteArrayOutputStream}, whose every single-byte write takes a lock; numbers and
 * ASCII go in without an intermediate string. Not thread-safe: one writer at a time.
 */
public final class JsonBytes {
    private byte[] bytes;
    private int size;

    public JsonBytes(int capacity) {
        this.bytes = new byte[Math.max(16, capacity)];
    }

    public JsonBytes write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
        return this;
    }

    public JsonBytes write(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
        return this;
    }

    /** {@code text}'s chars as bytes; the caller passes ASCII only (field names, punctuation). */
    public JsonBytes ascii(String text) {
        int n = text.length();
        ensure(n);
        for (int i = 0; i < n; i++) bytes[size + i] = (byte) text.charAt(i);
        size += n;
        return this;
    }

    /** {@code value} in decimal. */
    public JsonBytes number(long value) {
        if (value == Long.MIN_VALUE) return ascii(Long.toString(value));
        if (value < 0) {
            write('-');
            value = -value;
        }
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) digits++;
        ensure(digits);
        for (int i = size + digits - 1; i >= size; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size += digits;
        return this;
    }

    public int size() {
        return size;
    }

    /** The bytes written, in an array of their own length (the buffer itself when it is exactly full). */
    public byte[] toByteArray() {
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more <= bytes.length) return;
        bytes = Arrays.copyOf(bytes, Math.max(size + more, bytes.length * 2));
    }
}
