package io.ringwork.runtime.log.kafka;

import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * How a ringwork record sits in a Kafka record, chosen so that any Kafka client can produce to the
 * topic directly:
 * <ul>
 *   <li>Kafka key: the record key, UTF-8;</li>
 *   <li>Kafka value: the JSON payload ({@code data}) as it is; a null value (a tombstone) reads as {@code null};</li>
 *   <li>header {@value #TYPE_HEADER}: the type; absent, the record is a {@value #DEFAULT_TYPE} (a
 *       plain producer's JSON value is merged into the key's document);</li>
 *   <li>header {@value #ID_HEADER}: the idempotency id, absent when none;</li>
 *   <li>the Kafka timestamp is the record's {@code timestampMs}.</li>
 * </ul>
 * A record without a key has no place in a keyed log and is skipped by readers (counted); so is a
 * record whose key does not belong to the partition it is in (a producer with a custom
 * partitioner), since applying it there would split the key's state over two partitions.
 * Stateless and thread-safe.
 */
public final class KafkaRecordCodec {
    public static final String TYPE_HEADER = "ringwork.type";
    public static final String ID_HEADER = "ringwork.id";
    /** The type of a record produced without a {@value #TYPE_HEADER} header. */
    public static final String DEFAULT_TYPE = "gluer.merge";

    private static final byte[] JSON_NULL = "null".getBytes(StandardCharsets.UTF_8);

    private KafkaRecordCodec() {}

    /** The Kafka record for {@code record}, to {@code partition} of {@code topic} (the producer stamps the time). */
    public static ProducerRecord<byte[], byte[]> encode(String topic, int partition, NewRecord record) {
        List<Header> headers = new ArrayList<>(2);
        headers.add(new RecordHeader(TYPE_HEADER, record.type().getBytes(StandardCharsets.UTF_8)));
        if (record.id() != null) headers.add(new RecordHeader(ID_HEADER, record.id().getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, partition, null, record.key().getBytes(StandardCharsets.UTF_8), record.data(), headers);
    }

    /** Bytes the record takes in a Kafka batch, near enough to check against the broker's limit before sending. */
    public static int encodedSize(NewRecord record) {
        int size = record.key().getBytes(StandardCharsets.UTF_8).length + record.data().length
                + TYPE_HEADER.length() + record.type().getBytes(StandardCharsets.UTF_8).length + 64;
        if (record.id() != null) size += ID_HEADER.length() + record.id().getBytes(StandardCharsets.UTF_8).length;
        return size;
    }

    /** The ringwork record of {@code consumed}, or null when it has no key (see the class). */
    public static Record decode(ConsumerRecord<byte[], byte[]> consumed) {
        if (consumed.key() == null || consumed.key().length == 0) return null;
        String key = new String(consumed.key(), StandardCharsets.UTF_8);
        String type = header(consumed, TYPE_HEADER);
        String id = header(consumed, ID_HEADER);
        byte[] data = consumed.value() == null ? JSON_NULL : consumed.value();
        return new Record(consumed.partition(), consumed.offset(), key, type == null || type.isEmpty() ? DEFAULT_TYPE : type,
                id == null || id.isEmpty() ? null : id, consumed.timestamp(), data);
    }

    private static String header(ConsumerRecord<byte[], byte[]> consumed, String name) {
        Header header = consumed.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
