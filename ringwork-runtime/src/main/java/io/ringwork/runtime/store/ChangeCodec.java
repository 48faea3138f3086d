package io.ringwork.runtime.store;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Binary forms of changes and dead letters for the store. Versioned by a leading format byte. */
public final class ChangeCodec {
    private static final byte CHANGE_FORMAT = 1;
    private static final byte DEAD_FORMAT = 1;

    private ChangeCodec() {}

    public static byte[] encode(Change change) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (change.valueJson() == null ? 0 : change.valueJson().length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(CHANGE_FORMAT);
            out.writeShort(change.partition());
            out.writeUTF(change.key());
            out.writeLong(change.version());
            out.writeUTF(change.type());
            writeNullable(out, change.recordId());
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
            checkFormat(in.readByte(), CHANGE_FORMAT, "change");
            int partition = in.readShort();
            String key = in.readUTF();
            long version = in.readLong();
            String type = in.readUTF();
            String id = readNullable(in);
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
            out.writeUTF(letter.key());
            out.writeUTF(letter.type());
            writeNullable(out, letter.recordId());
            out.writeLong(letter.timestampMs());
            out.writeUTF(truncate(letter.reason()));
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

    /** writeUTF takes at most 65535 bytes; reasons are for people, so a long one is cut. */
    private static String truncate(String reason) {
        return reason.length() > 4000 ? reason.substring(0, 4000) + "..." : reason;
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
