package io.ringwork.runtime.log;

import io.ringwork.core.record.Record;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The on-disk frame of one record, big-endian:
 *
 * <pre>
 *   int  bodyLength                 bytes of the body that follows the 8-byte header
 *   int  crc32c                     CRC32C of the body
 *   body:
 *     long offset                   the record's offset; must be the segment's next expected one
 *     long timestampMs              wall clock when the log appended it
 *     int  keyLength,  key bytes    UTF-8, length &gt; 0
 *     int  typeLength, type bytes   UTF-8
 *     int  idLength,   id bytes     UTF-8; length -1 means no id
 *     int  dataLength, data bytes
 * </pre>
 *
 * A frame is only trusted when its length is plausible, its CRC matches, its offset is the one
 * expected, and the field lengths add up to the body length. Stateless; thread-safe.
 */
final class FrameCodec {
    static final int HEADER_BYTES = 8;
    /** offset + timestamp + four length fields. */
    static final int FIXED_BODY_BYTES = 8 + 8 + 4 + 4 + 4 + 4;
    /** Smallest body: a one-byte key and nothing else. */
    static final int MIN_BODY_BYTES = FIXED_BODY_BYTES + 1;
    static final int MAX_BODY_BYTES = FIXED_BODY_BYTES + LogConfig.MAX_RECORD_BYTES_LIMIT;
    static final int MIN_FRAME_BYTES = HEADER_BYTES + MIN_BODY_BYTES;
    static final int MAX_FRAME_BYTES = HEADER_BYTES + MAX_BODY_BYTES;

    private FrameCodec() {}

    /** Writes the frame of {@code r} at {@code buf}'s position; {@code buf} must have room for {@link EncodedRecord#frameBytes()}. */
    static void encode(ByteBuffer buf, EncodedRecord r, long offset, long timestampMs, CRC32C crc) {
        int frameStart = buf.position();
        int bodyLength = r.frameBytes() - HEADER_BYTES;
        buf.putInt(bodyLength).putInt(0);
        buf.putLong(offset).putLong(timestampMs);
        buf.putInt(r.key().length).put(r.key());
        buf.putInt(r.type().length).put(r.type());
        if (r.idBytes() == null) {
            buf.putInt(-1);
        } else {
            buf.putInt(r.idBytes().length).put(r.idBytes());
        }
        buf.putInt(r.data().length).put(r.data());
        buf.putInt(frameStart + 4, crc(crc, buf, frameStart + HEADER_BYTES, bodyLength));
    }

    /** CRC32C of {@code buf[from, from + length)}; leaves {@code buf}'s position and limit alone. */
    static int crc(CRC32C crc, ByteBuffer buf, int from, int length) {
        crc.reset();
        crc.update(buf.slice(from, length));
        return (int) crc.getValue();
    }

    static boolean plausibleBodyLength(int length) {
        return length >= MIN_BODY_BYTES && length <= MAX_BODY_BYTES;
    }

    /**
     * Checks that the field lengths of the body at {@code buf[bodyStart, bodyStart + length)} add up.
     * Returns null when they do, else what is wrong.
     */
    static String checkBody(ByteBuffer buf, int bodyStart, int length) {
        int end = bodyStart + length;
        int pos = bodyStart + 16;
        int keyLength = buf.getInt(pos);
        if (keyLength <= 0 || keyLength > end - pos - 4) return "bad key length " + keyLength;
        pos += 4 + keyLength;
        int typeLength = buf.getInt(pos);
        if (typeLength < 0 || typeLength > end - pos - 4) return "bad type length " + typeLength;
        pos += 4 + typeLength;
        int idLength = buf.getInt(pos);
        if (idLength < -1 || idLength > end - pos - 4) return "bad id length " + idLength;
        pos += 4 + Math.max(idLength, 0);
        if (end - pos < 4) return "body too short for the data length";
        int dataLength = buf.getInt(pos);
        if (dataLength != end - pos - 4) return "data length " + dataLength + " does not match the body";
        return null;
    }

    static long offset(ByteBuffer buf, int bodyStart) {
        return buf.getLong(bodyStart);
    }

    static long timestampMs(ByteBuffer buf, int bodyStart) {
        return buf.getLong(bodyStart + 8);
    }

    /** The id of a checked body, or null. */
    static String id(ByteBuffer buf, int bodyStart) {
        int pos = bodyStart + 16;
        pos += 4 + buf.getInt(pos);
        pos += 4 + buf.getInt(pos);
        int idLength = buf.getInt(pos);
        return idLength < 0 ? null : string(buf, pos + 4, idLength);
    }

    /** Decodes a checked body into a record of {@code partition}. */
    static Record decode(ByteBuffer buf, int bodyStart, int partition) {
        long offset = buf.getLong(bodyStart);
        long timestampMs = buf.getLong(bodyStart + 8);
        int pos = bodyStart + 16;
        int keyLength = buf.getInt(pos);
        String key = string(buf, pos + 4, keyLength);
        pos += 4 + keyLength;
        int typeLength = buf.getInt(pos);
        String type = string(buf, pos + 4, typeLength);
        pos += 4 + typeLength;
        int idLength = buf.getInt(pos);
        String id = idLength < 0 ? null : string(buf, pos + 4, idLength);
        pos += 4 + Math.max(idLength, 0);
        byte[] data = new byte[buf.getInt(pos)];
        buf.get(pos + 4, data);
        return new Record(partition, offset, key, type, id, timestampMs, data);
    }

    private static String string(ByteBuffer buf, int at, int length) {
        byte[] bytes = new byte[length];
        buf.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
