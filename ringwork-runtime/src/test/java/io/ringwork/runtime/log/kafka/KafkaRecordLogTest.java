package io.ringwork.runtime.log.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.LogCatchUp;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** What the Kafka log adds to the log contract: its encoding, gaps, retention, pooling, and bad configuration. */
class KafkaRecordLogTest {
    private final KafkaTestBroker broker = KafkaTestBroker.shared();

    private KafkaRecordLog open(String topic) {
        return KafkaRecordLog.open(KafkaLogConfig.defaults(broker.bootstrap(), topic, "test"));
    }

    private KafkaProducer<String, String> plainProducer(Map<String, Object> extra) {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrap());
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        props.putAll(extra);
        return new KafkaProducer<>(props);
    }

    private static NewRecord merge(String key, String json) {
        return new NewRecord(key, "gluer.merge", null, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aDefaultJavaProducerPutsEveryKeyOnThePartitionRingworkComputes() throws Exception {
        String topic = broker.newTopic("murmur", 7);
        Partitioner partitioner = new Partitioner(7);
        try (KafkaProducer<String, String> producer = plainProducer(Map.of())) {
            for (int i = 0; i < 300; i++) {
                String key = "tenant-" + (i % 13) + "/doc-" + i + "-é";
                RecordMetadata sent = producer.send(new ProducerRecord<>(topic, key, "{}")).get(10, TimeUnit.SECONDS);
                assertThat(sent.partition()).as(key).isEqualTo(partitioner.partitionOf(key));
            }
        }
    }

    @Test
    void aPlainKafkaRecordReadsAsAMergeAndUnplaceableRecordsAreSkippedAsGaps() throws Exception {
        String topic = broker.newTopic("plain", 3);
        Partitioner partitioner = new Partitioner(3);
        String key = "t/plain";
        int p = partitioner.partitionOf(key);
        String foreign = "t/x0";
        for (int i = 0; partitioner.partitionOf(foreign) == p; i++) foreign = "t/x" + i;
        try (KafkaRecordLog log = open(topic); KafkaProducer<String, String> producer = plainProducer(Map.of())) {
            long first = producer.send(new ProducerRecord<>(topic, p, null, "{\"no\":\"key\"}")).get().offset();
            producer.send(new ProducerRecord<>(topic, p, foreign, "{\"wrong\":\"partition\"}")).get();
            ProducerRecord<String, String> plain = new ProducerRecord<>(topic, null, 1_234_567L, key, "{\"a\":1}");
            long plainOffset = producer.send(plain).get().offset();
            long tombstone = producer.send(new ProducerRecord<>(topic, key, null)).get().offset();

            try (PartitionReader reader = log.reader(p, first)) {
                List<Record> read = readUntil(log, reader, p, 2);
                assertThat(read).extracting(Record::offset).containsExactly(plainOffset, tombstone);
                Record record = read.get(0);
                assertThat(record.key()).isEqualTo(key);
                assertThat(record.type()).isEqualTo(KafkaRecordCodec.DEFAULT_TYPE);
                assertThat(record.id()).isNull();
                assertThat(record.timestampMs()).isEqualTo(1_234_567L);
                assertThat(record.dataAsString()).isEqualTo("{\"a\":1}");
                assertThat(read.get(1).dataAsString()).as("a tombstone reads as JSON null").isEqualTo("null");
            }
            assertThat(log.skippedRecords()).isEqualTo(2);
        }
    }

    @Test
    void transactionMarkersAndAbortedRecordsLeaveGapsThatTheReaderPassesOver() throws Exception {
        String topic = broker.newTopic("txn", 1);
        try (KafkaRecordLog log = open(topic);
             KafkaProducer<String, String> producer = plainProducer(Map.of("transactional.id", "txn-test"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "t/a", "{\"n\":1}"));
            producer.send(new ProducerRecord<>(topic, "t/a", "{\"n\":2}"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "t/a", "{\"n\":\"aborted\"}"));
            producer.flush(); // written, then aborted (unsent records would just be dropped)
            producer.abortTransaction();
            long last = log.append(List.of(merge("t/a", "{\"n\":3}"))).get(0).offset();

            try (PartitionReader reader = log.reader(0, 0)) {
                List<Record> read = readUntil(log, reader, 0, 3);
                assertThat(read).extracting(Record::dataAsString).containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
                assertThat(read.get(2).offset()).as("a marker, an aborted record and a marker lie between")
                        .isEqualTo(read.get(1).offset() + 4).isEqualTo(last);
                assertThat(reader.position()).isEqualTo(log.endOffset(0)).isEqualTo(last + 1);
                assertThat(log.awaitAppend(0, reader.position(), 100)).isFalse();
            }
        }
    }

    @Test
    void readersArePooledAndBounded() {
        String topic = broker.newTopic("pool", 2);
        try (KafkaRecordLog log = KafkaRecordLog.open(KafkaLogConfig.defaults(broker.bootstrap(), topic, "test").withReaders(2, 1))) {
            log.append(List.of(merge("t/pool", "{}")));
            int p = new Partitioner(2).partitionOf("t/pool");
            for (int i = 0; i < 30; i++) {
                try (PartitionReader reader = log.reader(p, 0)) {
                    assertThat(readUntil(log, reader, p, 1)).hasSize(1);
                }
            }
            assertThat(log.consumersCreated()).as("one consumer serves every batch in turn").isEqualTo(1);

            try (PartitionReader a = log.reader(0, 0); PartitionReader b = log.reader(1, 0)) {
                assertThatThrownBy(() -> log.reader(0, 0)).isInstanceOf(LogException.class).hasMessageContaining("2 Kafka readers are open");
            }
            log.reader(0, 0).close(); // room again once they closed
        }
    }

    @Test
    void recordsGoneToRetentionMakeTheCatchUpFallBackAndTheReaderSayItSkipped() throws Exception {
        String topic = broker.newTopic("retention", 1);
        try (KafkaRecordLog log = open(topic)) {
            List<NewRecord> records = new ArrayList<>();
            for (int i = 0; i < 10; i++) records.add(merge("t/r", "{\"n\":" + i + "}"));
            log.append(records);
            broker.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(6))).all().get(10, TimeUnit.SECONDS);

            assertThat(log.startOffset(0)).isEqualTo(6);
            LogCatchUp.Source source = new LogCatchUp.Source() {
                @Override
                public List<Record> read(int partition, long fromOffset, int max) {
                    try (PartitionReader reader = log.reader(partition, fromOffset)) {
                        return readUntil(log, reader, partition, 1);
                    }
                }

                @Override
                public long startOffset(int partition) {
                    return log.startOffset(partition);
                }
            };
            assertThat(LogCatchUp.read(source, new PartitionFollower.LogRead(0, 0, 2, 100, null))).as("a snapshot instead").isEmpty();
            assertThat(LogCatchUp.read(source, new PartitionFollower.LogRead(0, 0, 7, 100, null))).extracting(Record::offset).startsWith(7L);

            try (PartitionReader reader = log.reader(0, 2)) {
                assertThat(readUntil(log, reader, 0, 4)).extracting(Record::offset).containsExactly(6L, 7L, 8L, 9L);
            }
            assertThat(log.retentionSkips()).as("opened below the start: not a skip of the reader's").isZero();

            // A reader that was reading when retention passed it says so, counts it, and goes on from the start.
            log.append(records.subList(0, 4)); // 10..13
            broker.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(12))).all().get(10, TimeUnit.SECONDS);
            try (PartitionReader reader = log.reader(0, 12)) {
                assertThat(readUntil(log, reader, 0, 2)).extracting(Record::offset).containsExactly(12L, 13L);
                // Let the fetch the consumer left waiting at the broker (fetch.max.wait.ms, 100) come back empty,
                // so that the next fetch asks for offset 14 after the deletion below.
                Thread.sleep(400);
                log.append(records.subList(0, 4)); // 14..17
                broker.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(16))).all().get(10, TimeUnit.SECONDS);
                assertThat(readUntil(log, reader, 0, 2)).extracting(Record::offset).containsExactly(16L, 17L);
            }
            assertThat(log.retentionSkips()).isEqualTo(1);
        }
    }

    @Test
    void aMissingTopicAndUnreachableBrokersAreClearErrors() {
        assertThatThrownBy(() -> open("no-such-topic")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Kafka topic 'no-such-topic' does not exist at " + broker.bootstrap() + "; create it first (its partition count is the log's)");

        long startNs = System.nanoTime();
        assertThatThrownBy(() -> KafkaRecordLog.open(KafkaLogConfig.defaults("127.0.0.1:1", "t", "test").withConnectTimeoutMs(1_500)))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("no Kafka broker answered at 127.0.0.1:1 within 1 s");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs)).as("a bounded wait").isLessThan(10_000);

        assertThatThrownBy(() -> KafkaRecordLog.open(KafkaLogConfig.defaults("not a host:port", "t", "test")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("cannot use Kafka bootstrap 'not a host:port'");
    }

    @Test
    void aPartitionCountChangedUnderTheLogBreaksItInsteadOfMisrouting() throws Exception {
        String topic = broker.newTopic("grow", 2);
        try (KafkaRecordLog log = KafkaRecordLog.open(KafkaLogConfig.defaults(broker.bootstrap(), topic, "test").withPartitionCheckMs(100));
             PartitionReader reader = log.reader(0, 0)) {
            log.append(List.of(merge("t/g", "{}")));
            broker.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> log.append(List.of(merge("t/g", "{}"))))
                    .isInstanceOf(LogException.class).hasMessageContaining("changed from 2 to 3"));
            assertThatThrownBy(() -> reader.poll(10)).isInstanceOf(LogException.class).hasMessageContaining("changed from 2 to 3");
            assertThatThrownBy(() -> log.endOffset(0)).isInstanceOf(LogException.class);
        }
    }

    /**
     * What {@code awaitAppend} costs and how soon it wakes for another process's append: prints the
     * figures (end offset requests per second of waiting; median wake time) and bounds them.
     */
    @Test
    void awaitAppendWakesSoonForAnotherProducersAppendAtABoundedCost() throws Exception {
        String topic = broker.newTopic("await", 1);
        try (KafkaRecordLog log = open(topic); KafkaProducer<String, String> other = plainProducer(Map.of("linger.ms", "0"))) {
            long end = log.endOffset(0);
            long before = log.endRefreshes();
            assertThat(log.awaitAppend(0, end, 1_000)).isFalse();
            long perSecond = log.endRefreshes() - before;
            assertThat(perSecond).as("one request per refresh interval at most").isLessThanOrEqualTo(1_000 / log.config().endRefreshMs() + 2);

            long[] wakeUs = new long[15];
            for (int i = 0; i < wakeUs.length; i++) {
                long position = log.endOffset(0);
                Thread appender = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(20);
                        other.send(new ProducerRecord<>(topic, "t/w", "{}")).get();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long startNs = System.nanoTime();
                assertThat(log.awaitAppend(0, position, 5_000)).isTrue();
                wakeUs[i] = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNs) - 20_000;
                appender.join();
            }
            Arrays.sort(wakeUs);
            System.out.printf("awaitAppend: %d end-offset requests in 1 s of waiting; woke %.1f ms (median of %d) after another producer's append was sent%n",
                    perSecond, wakeUs[wakeUs.length / 2] / 1000.0, wakeUs.length);
            assertThat(wakeUs[wakeUs.length / 2]).as("median wake, us").isLessThan(200_000);
        }
    }

    /**
     * An idle node waits at the end of its partitions and a catch-up opens a reader per batch on
     * pooled consumers. Neither may make Kafka's client log about partitions its consumer does not
     * have: listing offsets on an unassigned consumer, or a reader closed while its consumer's own
     * request for the end was out, logged a WARN per partition and request (17,750 lines in a
     * minute in the peers bench).
     */
    @Test
    void waitingAndCatchUpReadsMakeKafkasClientLogNothingAboutUnassignedPartitions() {
        ch.qos.logback.classic.Logger kafkaLogger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.kafka");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events = new ch.qos.logback.core.read.ListAppender<>();
        events.start();
        kafkaLogger.addAppender(events);
        String topic = broker.newTopic("quiet", 4);
        try (KafkaRecordLog log = KafkaRecordLog.open(KafkaLogConfig.defaults(broker.bootstrap(), topic, "quiet"))) {
            List<NewRecord> records = new ArrayList<>();
            for (int i = 0; i < 40; i++) records.add(merge("t/q" + i, "{}"));
            log.append(records);
            for (int p = 0; p < 4; p++) {
                assertThat(log.awaitAppend(p, log.endOffset(p), 250)).as("nothing appended").isFalse();
                log.startOffset(p);
                log.currentEndOffset(p);
            }
            for (int i = 0; i < 40; i++) {
                int p = i % 4;
                // Every other batch starts at the end: its poll finds nothing, as a caught-up catch-up's does.
                try (PartitionReader reader = log.reader(p, i % 2 == 0 ? 0 : log.endOffset(p))) {
                    reader.poll(100);
                }
            }
            assertThat(log.consumersCreated()).as("the batches shared pooled consumers").isLessThanOrEqualTo(2);
        } finally {
            kafkaLogger.detachAppender(events);
        }
        List<String> ours = events.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("clientId=quiet-")).toList();
        assertThat(ours).as("WARNs of Kafka's client about this log's consumers").noneMatch(m -> m.contains("no longer assigned"));
    }

    private static List<Record> readUntil(KafkaRecordLog log, PartitionReader reader, int partition, int count) {
        List<Record> read = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 10_000;
        while (read.size() < count && System.currentTimeMillis() < deadline) {
            List<Record> batch = reader.poll(100);
            read.addAll(batch);
            if (batch.isEmpty()) log.awaitAppend(partition, reader.position(), 20);
        }
        return read;
    }
}
