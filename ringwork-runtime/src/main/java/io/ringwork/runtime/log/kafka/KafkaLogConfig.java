package io.ringwork.runtime.log.kafka;

import java.util.Map;
import java.util.Objects;

/**
 * How a node reaches its Kafka log.
 *
 * @param bootstrap           {@code host:port[,host:port...]} of the brokers
 * @param topic               the topic: its partitions are the log's; it must exist
 * @param clientId            prefix of the Kafka client ids (the node id), so a broker's logs name the node
 * @param connectTimeoutMs    how long opening waits for the bootstrap brokers to answer before it gives up
 * @param pollWaitMs          how long a reader's poll waits for records at the end of the partition
 * @param endRefreshMs        how often, at most, the end offsets are asked of the broker while someone waits for an append
 * @param partitionCheckMs    how often the topic's partition count is checked against the one opened with
 * @param maxReaders          readers open at once, at most; one more is refused ({@link io.ringwork.core.log.LogException})
 * @param maxIdleReaders      consumers kept for reuse when their reader closes; the rest are closed
 * @param clientProperties    extra Kafka client settings (security, for example), applied to producer, consumers and admin
 */
public record KafkaLogConfig(String bootstrap, String topic, String clientId, long connectTimeoutMs, long pollWaitMs,
                             long endRefreshMs, long partitionCheckMs, int maxReaders, int maxIdleReaders,
                             Map<String, String> clientProperties) {
    public KafkaLogConfig {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(clientId, "clientId");
        if (bootstrap.isBlank()) throw new IllegalArgumentException("the Kafka bootstrap address is empty");
        if (topic.isBlank()) throw new IllegalArgumentException("the Kafka topic is empty");
        if (connectTimeoutMs < 0 || pollWaitMs < 0 || endRefreshMs <= 0 || partitionCheckMs <= 0) {
            throw new IllegalArgumentException("Kafka log timings must be positive");
        }
        if (maxReaders <= 0 || maxIdleReaders < 0) throw new IllegalArgumentException("maxReaders must be positive, maxIdleReaders not negative");
        clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * Defaults: 30 s to reach the brokers; polls wait 20 ms (a fetch returns as soon as a record
     * arrives, so this bounds only the wait at the end); end offsets refreshed at most every 5 ms;
     * the partition count checked every 5 s; 256 readers (a node runs one per partition it owns,
     * plus a few catch-ups), 16 kept idle.
     */
    public static KafkaLogConfig defaults(String bootstrap, String topic, String clientId) {
        return new KafkaLogConfig(bootstrap, topic, clientId, 30_000, 20, 5, 5_000, 256, 16, Map.of());
    }

    public KafkaLogConfig withConnectTimeoutMs(long ms) {
        return new KafkaLogConfig(bootstrap, topic, clientId, ms, pollWaitMs, endRefreshMs, partitionCheckMs, maxReaders, maxIdleReaders, clientProperties);
    }

    public KafkaLogConfig withPartitionCheckMs(long ms) {
        return new KafkaLogConfig(bootstrap, topic, clientId, connectTimeoutMs, pollWaitMs, endRefreshMs, ms, maxReaders, maxIdleReaders, clientProperties);
    }

    public KafkaLogConfig withReaders(int max, int maxIdle) {
        return new KafkaLogConfig(bootstrap, topic, clientId, connectTimeoutMs, pollWaitMs, endRefreshMs, partitionCheckMs, max, maxIdle, clientProperties);
    }
}
