package io.ringwork.runtime.log;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.record.NewRecord;
import java.nio.charset.StandardCharsets;

/**
 * A {@link NewRecord} turned into bytes on the caller's thread, so that the group-commit leader
 * only copies bytes, numbers them and computes checksums.
 *
 * @param partition the partition of the key
 * @param key       UTF-8 key, never empty
 * @param type      UTF-8 type, never empty
 * @param id        the idempotency id as a string, or null
 * @param idBytes   UTF-8 id, or null
 * @param data      payload bytes
 */
record EncodedRecord(int partition, byte[] key, byte[] type, String id, byte[] idBytes, byte[] data) {

    /** Encodes {@code record}; throws IllegalArgumentException for an empty key or type or an oversized record. */
    static EncodedRecord of(NewRecord record, Partitioner partitioner, int maxRecordBytes) {
        if (record.key().isEmpty()) throw new IllegalArgumentException("record key must not be empty");
        if (record.type().isEmpty()) throw new IllegalArgumentException("record type must not be empty (key " + record.key() + ")");
        byte[] key = record.key().getBytes(StandardCharsets.UTF_8);
        byte[] type = record.type().getBytes(StandardCharsets.UTF_8);
        byte[] id = record.id() == null ? null : record.id().getBytes(StandardCharsets.UTF_8);
        long size = (long) key.length + type.length + (id == null ? 0 : id.length) + record.data().length;
        if (size > maxRecordBytes) {
            throw new IllegalArgumentException(String.format(
                    "record of key %s is %d bytes (key + type + id + data); the log's maxRecordBytes is %d",
                    record.key(), size, maxRecordBytes));
        }
        return new EncodedRecord(partitioner.partitionOf(key), key, type, record.id(), id, record.data());
    }

    /** Bytes of the frame this record becomes. */
    int frameBytes() {
        return FrameCodec.HEADER_BYTES + FrameCodec.FIXED_BODY_BYTES
                + key.length + type.length + (idBytes == null ? 0 : idBytes.length) + data.length;
    }
}
