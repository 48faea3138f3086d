package io.ringwork.bench.peers;

import io.ringwork.core.record.NewRecord;
import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The bench's producer to an input topic, in ringwork's record format ({@link KafkaRecordCodec}),
 * keyed by record key with Kafka's default partitioner (murmur2), so both ringwork and Kafka Streams
 * read each key's pieces from one partition in the order generated ({@code acks=all}, one
 * request in flight, so a key's order holds across retries). Remembers each partition's last
 * acknowledged offset: the systems are done when they have applied up to there.
 */
final class KafkaInput implements AutoCloseable {
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicLongArray lastOffset;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    KafkaInput(String bootstrap, String topic, int partitions) {
        this.topic = topic;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Not idempotent: on this loaded machine an idempotent producer's first batches to a topic
        // just created came back OutOfOrderSequence until they expired, failing the run. One
        // request in flight keeps each key's order through retries; a retry may write a record
        // twice, which both systems pass over by its id (the applier's recent ids).
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        this.producer = new KafkaProducer<>(props);
        this.lastOffset = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) lastOffset.set(p, -1);
    }

    /** Sends {@code records} (asynchronously; {@link #flush} waits), each timed in {@code outputs} if given. */
    void send(List<NewRecord> records, Outputs outputs) {
        Exception failed = failure.get();
        if (failed != null) throw new IllegalStateException("producing to " + topic + " failed: " + failed.getMessage(), failed);
        for (NewRecord record : records) {
            Header type = new RecordHeader(KafkaRecordCodec.TYPE_HEADER, record.type().getBytes(StandardCharsets.UTF_8));
            Header id = new RecordHeader(KafkaRecordCodec.ID_HEADER, record.id().getBytes(StandardCharsets.UTF_8));
            if (outputs != null) outputs.sent(record.id(), System.nanoTime());
            producer.send(new ProducerRecord<>(topic, null, record.key().getBytes(StandardCharsets.UTF_8), record.data(), List.of(type, id)),
                    (metadata, e) -> {
                        if (e != null) failure.compareAndSet(null, e);
                        else lastOffset.accumulateAndGet(metadata.partition(), metadata.offset(), Math::max);
                    });
        }
    }

    /** Waits until everything sent is acknowledged; throws if anything failed. */
    void flush() {
        producer.flush();
        Exception failed = failure.get();
        if (failed != null) throw new IllegalStateException("producing to " + topic + " failed: " + failed.getMessage(), failed);
    }

    /** Per partition, the offset of the last record acknowledged (-1: none). */
    long lastOffset(int partition) {
        return lastOffset.get(partition);
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
