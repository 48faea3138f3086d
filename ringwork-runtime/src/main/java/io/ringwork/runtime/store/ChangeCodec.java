package io.ringwork.runtime.store;

import io.ringwork.core.processing.Limits;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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
