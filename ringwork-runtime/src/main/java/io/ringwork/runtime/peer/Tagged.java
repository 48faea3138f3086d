package io.ringwork.runtime.peer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tagged layout every peer message uses, so that a node skips what it does not know.
 * A body is a run of messages, each {@code kind, length, fields}; a field is
 * {@code tag, length, value}. Kinds, tags and lengths are unsigned LEB128 varints. Values are
 * fixed 8-byte big-endian longs, single bytes, UTF-8 strings or raw (possibly nested tagged) bytes;
 * the field's length says which, and a reader checks it. A field may repeat (a list).
 *
 * <p>Every length is checked against the bytes left around it before anything is read or
 * allocated, so a damaged or hostile body is an {@link IOException}, never a large allocation.
 * Not thread-safe.
 */
final class Tagged {
    /** A varint longer than this is damage (ten 7-bit groups hold a long). */
    private static final int VARINT_BYTES_MAX = 10;

    private Tagged() {}

    /** Builds one body: messages, or the fields of one message. */
    static final class Writer {
        private final ByteArrayOutputStream out;

        Writer() {
            this(64);
        }

        Writer(int sizeHint) {
            out = new ByteArrayOutputStream(sizeHint);
        }

        Writer varint(long value) {
            if (value < 0) throw new IllegalArgumentException("varints are unsigned, got " + value);
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
            return this;
        }

        Writer bytes(int tag, byte[] value) {
            varint(tag).varint(value.length);
            out.writeBytes(value);
            return this;
        }

        Writer longValue(int tag, long value) {
            varint(tag).varint(8);
            for (int shift = 56; shift >= 0; shift -= 8) out.write((int) (value >>> shift));
            return this;
        }

        Writer byteValue(int tag, int value) {
            varint(tag).varint(1);
            out.write(value);
            return this;
        }

        Writer string(int tag, String value) {
            return bytes(tag, value.getBytes(StandardCharsets.UTF_8));
        }

        /** Appends a message of {@code kind} whose fields {@code fields} holds. */
        Writer message(int kind, Writer fields) {
            varint(kind).varint(fields.out.size());
            fields.copyTo(out);
            return this;
        }

        /** Appends a field whose value is what {@code value} holds (nested fields), without a copy of it first. */
        Writer nested(int tag, Writer value) {
            varint(tag).varint(value.out.size());
            value.copyTo(out);
            return this;
        }

        /** Empties this writer, keeping its buffer: one writer serves each message of a batch in turn. */
        Writer reset() {
            out.reset();
            return this;
        }

        private void copyTo(ByteArrayOutputStream to) {
            try {
                out.writeTo(to);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e); // one in-memory stream into another: never
            }
        }

        int size() {
            return out.size();
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /** Reads a run of (number, length, value) triples from a slice of a byte array. */
    static final class Reader {
        private final byte[] buffer;
        private int position;
        private final int end;

        Reader(byte[] buffer) {
            this(buffer, 0, buffer.length);
        }

        Reader(byte[] buffer, int from, int to) {
            this.buffer = buffer;
            this.position = from;
            this.end = to;
        }

        boolean hasMore() {
            return position < end;
        }

        /** The next triple: a message (number = kind) or a field (number = tag). */
        Slice next() throws IOException {
            int number = smallVarint("kind or tag");
            int length = smallVarint("length");
            if (length > end - position) throw new IOException("length " + length + " passes the " + (end - position) + " bytes left");
            Slice slice = new Slice(number, buffer, position, length);
            position += length;
            return slice;
        }

        private int smallVarint(String what) throws IOException {
            long value = 0;
            for (int i = 0; i < VARINT_BYTES_MAX; i++) {
                if (position >= end) throw new IOException("the body ends inside a " + what);
                int b = buffer[position++] & 0xFF;
                value |= (long) (b & 0x7F) << (7 * i);
                if (value > Integer.MAX_VALUE) throw new IOException(what + " out of range");
                if ((b & 0x80) == 0) return (int) value;
            }
            throw new IOException(what + " varint too long");
        }
    }

    /** One message or field: its number, and where its value lies. */
    record Slice(int number, byte[] buffer, int offset, int length) {
        long longValue() throws IOException {
            if (length != 8) throw new IOException("field " + number + " holds " + length + " bytes, not a long's 8");
            long value = 0;
            for (int i = 0; i < 8; i++) value = (value << 8) | (buffer[offset + i] & 0xFF);
            return value;
        }

        int byteValue() throws IOException {
            if (length != 1) throw new IOException("field " + number + " holds " + length + " bytes, not one");
            return buffer[offset] & 0xFF;
        }

        String string() {
            return new String(buffer, offset, length, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            return java.util.Arrays.copyOfRange(buffer, offset, offset + length);
        }

        Reader reader() {
            return new Reader(buffer, offset, offset + length);
        }
    }

    /**
     * The fields of one message, by tag, read whole before any is used. Tags outside
     * {@code known} are counted in {@link #unknown} and otherwise ignored: a newer node's extra
     * field reaches an older one this way.
     */
    static final class Fields {
        private final Map<Integer, List<Slice>> byTag = new HashMap<>();
        private final int unknown;

        Fields(Reader reader, java.util.function.IntPredicate known) throws IOException {
            int skipped = 0;
            while (reader.hasMore()) {
                Slice field = reader.next();
                if (known.test(field.number())) byTag.computeIfAbsent(field.number(), t -> new ArrayList<>(1)).add(field);
                else skipped++;
            }
            this.unknown = skipped;
        }

        int unknown() {
            return unknown;
        }

        boolean has(int tag) {
            return byTag.containsKey(tag);
        }

        /** The field's one value; a missing field is damage. */
        Slice one(int tag) throws IOException {
            List<Slice> all = byTag.get(tag);
            if (all == null) throw new IOException("field " + tag + " is missing");
            if (all.size() != 1) throw new IOException("field " + tag + " appears " + all.size() + " times");
            return all.get(0);
        }

        long longValue(int tag) throws IOException {
            return one(tag).longValue();
        }

        /** Every value of a repeated field, in order; empty if it is absent. */
        List<Slice> all(int tag) {
            return byTag.getOrDefault(tag, List.of());
        }
    }
}
