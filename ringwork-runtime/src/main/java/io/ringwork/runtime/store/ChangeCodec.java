package io.ringwork.runtime.store;

import io.ringwork.core.processing.Limits;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary forms of changes and dead letters for the store. Versioned by a leading format byte.
 *
 * <p>No string can make an encoding throw. A change's key, type and id are within the applier's
 * limits, which {@code writeUTF} takes; should one not be (a key of 32,768 NUL characters is
 * 65,536 bytes of modified UTF-8), the change is written in the wide format 2, which earlier
 * versions never wrote and this one reads. A dead letter exists to be read by people, so its
 * strings are cut to a bounded length instead, with a marker giving the full length: a record
 * rejected for a 70,000-byte key keeps the first 1,024 bytes of it.
 */
public final class ChangeCodec {
    private static final byte CHANGE_FORMAT = 1;
    /** Format 1 with key, type and id as {@link StringCodec#writeWide} strings. */
    private static final byte CHANGE_FORMAT_WIDE = 2;
    private static final byte DEAD_FORMAT = 1;
    /** Longest key a dead letter keeps, in UTF-8 bytes: the default key limit, so a valid key is never cut. */
    static final int DEAD_KEY_BYTES_MAX = Limits.DEFAULT.maxKeyBytes();
    /** Longest type and id a dead letter keeps, in UTF-8 bytes (the limits at apply). */
    static final int DEAD_FIELD_BYTES_MAX = Limits.MAX_TYPE_BYTES;

    private ChangeCodec() {}

    public static byte[] encode(Change change) {
        byte[] fast = encodeAscii(change);
        return fast != null ? fast : encodeStream(change);
    }

    /** The stream form, which writes every change (tests compare the fast form with it). */
    static byte[] encodeStream(Change change) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (change.valueJson() == null ? 0 : change.valueJson().length));
        boolean wide = !(StringCodec.fitsWriteUtf(change.key()) && StringCodec.fitsWriteUtf(change.type())
                && (change.recordId() == null || StringCodec.fitsWriteUtf(change.recordId())));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(wide ? CHANGE_FORMAT_WIDE : CHANGE_FORMAT);
            out.writeShort(change.partition());
            writeString(out, change.key(), wide);
            out.writeLong(change.version());
            writeString(out, change.type(), wide);
            out.writeBoolean(change.recordId() != null);
            if (change.recordId() != null) writeString(out, change.recordId(), wide);
            out.writeLong(change.timestampMs());
            out.writeBoolean(change.tombstone());
            if (!change.tombstone()) {
                out.writeInt(change.valueJson().length);
                out.write(change.valueJson());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Change decodeChange(byte[] bytes) {
        Change fast = decodeAscii(bytes);
        return fast != null ? fast : decodeStream(bytes);
    }

    /** The stream form, which reads every change. */
    static Change decodeStream(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            byte format = in.readByte();
            if (format != CHANGE_FORMAT && format != CHANGE_FORMAT_WIDE) throw new IOException("unknown change format " + format);
            boolean wide = format == CHANGE_FORMAT_WIDE;
            int partition = in.readShort();
            String key = readString(in, wide, bytes.length);
            long version = in.readLong();
            String type = readString(in, wide, bytes.length);
            String id = in.readBoolean() ? readString(in, wide, bytes.length) : null;
            long timestamp = in.readLong();
            boolean tombstone = in.readBoolean();
            byte[] value = null;
            if (!tombstone) {
                value = new byte[in.readInt()];
                in.readFully(value);
            }
            return new Change(partition, key, version, type, id, timestamp, tombstone, value);
        } catch (IOException e) {
            throw new UncheckedIOException("stored change is corrupt", e);
        }
    }

    /**
     * Format 1 written straight into an array of the exact size, when key, type and id are ASCII
     * without NUL (nearly always): then {@code writeUTF}'s modified UTF-8 is those very bytes, so
     * the result is byte for byte what the stream form writes. Null when a string is not such.
     */
    private static byte[] encodeAscii(Change change) {
        String id = change.recordId();
        if (!plainAscii(change.key()) || !plainAscii(change.type()) || (id != null && !plainAscii(id))) return null;
        byte[] value = change.tombstone() ? null : change.valueJson();
        if (!change.tombstone() && value == null) return null; // the stream form says what is wrong
        int size = 1 + 2 + 2 + change.key().length() + 8 + 2 + change.type().length() + 1 + (id == null ? 0 : 2 + id.length())
                + 8 + 1 + (value == null ? 0 : 4 + value.length);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(CHANGE_FORMAT).putShort((short) change.partition());
        putAscii(out, change.key());
        out.putLong(change.version());
        putAscii(out, change.type());
        out.put((byte) (id != null ? 1 : 0));
        if (id != null) putAscii(out, id);
        out.putLong(change.timestampMs());
        out.put((byte) (change.tombstone() ? 1 : 0));
        if (value != null) out.putInt(value.length).put(value);
        return out.array();
    }

    /** At most 65,535 chars, each 1 to 127: what {@code writeUTF} writes as one byte each. */
    private static boolean plainAscii(String text) {
        if (text.length() > StringCodec.WRITE_UTF_BYTES_MAX) return false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0 || c >= 0x80) return false;
        }
        return true;
    }

    private static void putAscii(ByteBuffer out, String text) {
        out.putShort((short) text.length());
        for (int i = 0; i < text.length(); i++) out.put((byte) text.charAt(i));
    }

    /**
     * Format 1 read from the array directly when its strings are plain ASCII; null for anything
     * else (another format, a multi-byte character, a short or damaged array), which the stream
     * form then reads and judges.
     */
    private static Change decodeAscii(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() != CHANGE_FORMAT) return null;
            int partition = in.getShort();
            String key = getAscii(in);
            long version = in.getLong();
            String type = getAscii(in);
            byte hasId = in.get();
            String id = hasId != 0 ? getAscii(in) : null;
            long timestamp = in.getLong();
            boolean tombstone = in.get() != 0;
            byte[] value = null;
            if (!tombstone) {
                int length = in.getInt();
                if (length < 0 || length != in.remaining()) return null;
                value = new byte[length];
                in.get(value);
            }
            if (key == null || type == null || (hasId != 0 && id == null) || in.hasRemaining()) return null;
            return new Change(partition, key, version, type, id, timestamp, tombstone, value);
        } catch (java.nio.BufferUnderflowException e) {
            return null;
        }
    }

    private static String getAscii(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > in.remaining()) return null;
        int start = in.position();
        byte[] array = in.array();
        for (int i = start; i < start + length; i++) {
            if (array[i] <= 0) return null; // NUL, or a byte of a multi-byte character
        }
        in.position(start + length);
        return new String(array, start, length, StandardCharsets.ISO_8859_1);
    }

    public static byte[] encode(DeadLetter letter) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(DEAD_FORMAT);
            out.writeShort(letter.partition());
            out.writeLong(letter.offset());
            out.writeUTF(StringCodec.truncate(letter.key(), DEAD_KEY_BYTES_MAX));
            out.writeUTF(StringCodec.truncate(letter.type(), DEAD_FIELD_BYTES_MAX));
            writeNullable(out, letter.recordId() == null ? null : StringCodec.truncate(letter.recordId(), DEAD_FIELD_BYTES_MAX));
            out.writeLong(letter.timestampMs());
            out.writeUTF(StringCodec.truncate(letter.reason(), REASON_BYTES_MAX));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static DeadLetter decodeDeadLetter(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            checkFormat(in.readByte(), DEAD_FORMAT, "dead letter");
            return new DeadLetter(in.readShort(), in.readLong(), in.readUTF(), in.readUTF(), readNullable(in),
                    in.readLong(), in.readUTF());
        } catch (IOException e) {
            throw new UncheckedIOException("stored dead letter is corrupt", e);
        }
    }

    /** Longest reason a dead letter keeps, in UTF-8 bytes; reasons are for people, so a long one is cut. */
    private static final int REASON_BYTES_MAX = 4000;

    private static void writeString(DataOutputStream out, String value, boolean wide) throws IOException {
        if (wide) StringCodec.writeWide(out, value);
        else out.writeUTF(value);
    }

    private static String readString(DataInputStream in, boolean wide, int maxBytes) throws IOException {
        return wide ? StringCodec.readWide(in, maxBytes) : in.readUTF();
    }

    private static void writeNullable(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) out.writeUTF(value);
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void checkFormat(byte actual, byte expected, String what) throws IOException {
        if (actual != expected) throw new IOException("unknown " + what + " format " + actual);
    }
}
