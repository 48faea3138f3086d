package io.ringwork.harness.kafka;

import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Finds where a record was first appended to a Kafka log topic. The Kafka log appends a retried
 * envelope again and the node applies only the first copy (the second is a no-op by its id), so a
 * client that retried after an indefinite failure knows the retry's offset, not the applied one;
 * this reads the partition between two offsets and returns the first record with the id. One
 * consumer by manual assignment, no group. Not thread-safe.
 */
public final class FirstCopyFinder implements AutoCloseable {
    /** A lookup gives up after this long; the answer is then the retry's own offset. */
    static final long LOOKUP_TIMEOUT_MS = 30_000;

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;

    public FirstCopyFinder(String bootstrap, String topic) {
        this.topic = topic;
        KafkaBrokerProcess.quietClientLogs();
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * The offset of the first record in {@code partition} with idempotency id {@code id} after
     * {@code afterOffset} (exclusive; -1 for the partition's start) and at most {@code retryOffset},
     * where the retry that knows the id landed; {@code retryOffset} itself when no earlier copy is
     * found (the first attempt never reached Kafka) or the lookup took over {@link #LOOKUP_TIMEOUT_MS}.
     */
    public long firstCopy(int partition, long afterOffset, long retryOffset, String id) {
        if (retryOffset <= afterOffset + 1) return retryOffset;
        TopicPartition tp = new TopicPartition(topic, partition);
        consumer.assign(List.of(tp));
        consumer.seek(tp, afterOffset + 1);
        long deadlineNs = System.nanoTime() + LOOKUP_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() < deadlineNs) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200)).records(tp)) {
                if (record.offset() >= retryOffset) return retryOffset;
                Header header = record.headers().lastHeader(KafkaRecordCodec.ID_HEADER);
                if (header != null && id.equals(new String(header.value(), StandardCharsets.UTF_8))) return record.offset();
            }
            if (consumer.position(tp) >= retryOffset) return retryOffset;
        }
        return retryOffset;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
