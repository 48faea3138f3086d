package io.ringwork.runtime.log.kafka;

import io.ringwork.core.record.Change;
import io.ringwork.runtime.feed.ChangeJson;
import io.ringwork.runtime.feed.ChangesPublisher;
import io.ringwork.runtime.feed.JsonBytes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes topic ({@code --changes-topic}): where {@link ChangesPublisher} writes a node's
 * changes, through an idempotent producer with {@code acks=all} of its own.
 *
 * <p>Record format: the Kafka key is the record key (UTF-8), so Kafka's default partitioner keeps a
 * key's changes on one partition, in the order one producer sent them, and a compacted topic keeps
 * each key's last one. The value is the change as the feed shows it, as JSON: {@code key, version,
 * partition, type, id (if any), timestampMs, tombstone, value}, without the node-local feed
 * position. A tombstone has a null value (Kafka's delete marker for compaction). Every record has
 * the headers {@code ringwork.version} (the change's version, decimal) and {@code ringwork.type},
 * so a consumer orders tombstones too. Thread-safe.
 */
public final class KafkaChangesTopic implements ChangesPublisher.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaChangesTopic.class);
    public static final String VERSION_HEADER = "ringwork.version";
    public static final String TYPE_HEADER = "ringwork.type";

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    private KafkaChangesTopic(String topic, KafkaProducer<byte[], byte[]> producer) {
        this.topic = topic;
        this.producer = producer;
    }

    /**
     * Opens the changes topic on the log's Kafka cluster. It must exist (a missing one is an
     * {@link IllegalArgumentException}, exit 2 at the command line) and must not be the log's
     * topic (its changes would be read back as records).
     */
    public static KafkaChangesTopic open(KafkaRecordLog log, String topic) {
        KafkaLogConfig logConfig = log.config();
        if (topic.equals(logConfig.topic())) {
            throw new IllegalArgumentException("--changes-topic must not be the log's topic '" + topic
                    + "': the changes would be read back as records");
        }
        KafkaLogConfig config = new KafkaLogConfig(logConfig.bootstrap(), topic, logConfig.clientId() + "-changes",
                logConfig.connectTimeoutMs(), logConfig.pollWaitMs(), logConfig.endRefreshMs(), logConfig.partitionCheckMs(),
                logConfig.maxReaders(), logConfig.maxIdleReaders(), logConfig.clientProperties());
        int partitions;
        try {
            partitions = KafkaRecordLog.describePartitions(log.admin(), config);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Kafka topic '" + topic + "' (--changes-topic) does not exist at " + config.bootstrap()
                    + "; create it first (any partition count; cleanup.policy=compact recommended)");
        }
        Properties props = KafkaRecordLog.producerSettings(config);
        // The publisher keeps thousands of sends in flight: let them share batches, and large ones
        // (Kafka's default of 16 KiB is about ten documents' changes): fewer produce requests for
        // the node and the broker to handle per change while a node applies a filled topic.
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        // One request in flight per broker: with several, a partition's first request refused while
        // the broker still creates the topic (or timed out on a loaded broker) and a later one taken
        // leave the first retrying OUT_OF_ORDER_SEQUENCE until the delivery timeout (30 s) expires
        // it (KAFKA-15591), and the partition's changes wait that long (the peers bench's own
        // producer met it on fresh topics). Large batches make one request in flight enough here.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        KafkaProducer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(props);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot produce to Kafka topic '" + topic + "': " + KafkaRecordLog.rootMessage(e), e);
        }
        LOG.info("changes topic {} at {} with {} partitions", topic, config.bootstrap(), partitions);
        return new KafkaChangesTopic(topic, producer);
    }

    public String topic() {
        return topic;
    }

    @Override
    public void send(Change change, Consumer<Exception> done) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(VERSION_HEADER, new JsonBytes(20).number(change.version()).toByteArray());
        headers.add(TYPE_HEADER, typeBytes(change.type()));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, null,
                change.key().getBytes(StandardCharsets.UTF_8), change.tombstone() ? null : json(change), headers);
        producer.send(record, (metadata, failure) -> done.accept(failure));
    }

    /**
     * A type's UTF-8 bytes, kept for the few types a node sees (the producer copies a header's
     * value and never changes it). Bounded: past {@value #TYPES_KEPT} types, new ones are encoded
     * each time.
     */
    private byte[] typeBytes(String type) {
        byte[] bytes = types.get(type);
        if (bytes != null) return bytes;
        bytes = type.getBytes(StandardCharsets.UTF_8);
        if (types.size() < TYPES_KEPT) types.putIfAbsent(type, bytes);
        return bytes;
    }

    private static final int TYPES_KEPT = 64;
    private final java.util.concurrent.ConcurrentHashMap<String, byte[]> types = new java.util.concurrent.ConcurrentHashMap<>();

    /** The change as the feed's JSON, without the node-local position; the state's bytes go out as stored. */
    public static byte[] json(Change change) {
        JsonBytes out = ChangeJson.buffer(change, 0);
        out.write('{');
        ChangeJson.writeFields(out, change, -1);
        out.write('}');
        return out.toByteArray();
    }

    @Override
    public void close(long timeoutMs) {
        try {
            producer.close(Duration.ofMillis(Math.max(0, timeoutMs)));
        } catch (RuntimeException e) {
            LOG.warn("closing the producer of changes topic {} failed: {}", topic, e.toString());
        }
    }
}
