package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.store.WriteSet;
import io.ringwork.runtime.cli.RingworkCli;
import io.ringwork.runtime.log.kafka.KafkaChangesTopic;
import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import io.ringwork.runtime.log.kafka.KafkaTestBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --changes-topic} on one node over the test JVM's in-process broker: a workload's changes
 * reach the topic, and a consumer that keeps the highest version per key ends with the node's states,
 * across a restart (which sends everything again).
 */
class KafkaChangesTopicTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaTestBroker broker = KafkaTestBroker.shared();
    @TempDir Path dir;

    private RingworkNode start(String topic, String changes) {
        return RingworkNode.start(NodeConfig.defaults().withNodeId("changes-node").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("unused-log")).withReplicationFactor(1)
                .withKafka(broker.bootstrap()).withTopic(topic).withChangesTopic(changes));
    }

    /** A key's last record as the topic holds it: its version, and its JSON (null for a tombstone). */
    record Last(long version, JsonNode value) {}

    /** What a consumer of the whole topic keeps: the highest version per key. Counts repeats and regressions. */
    static final class MaxVersionConsumer {
        final Map<String, Last> last = new HashMap<>();
        long records;
        long repeats;
        long older;

        void take(ConsumerRecord<byte[], byte[]> record) throws Exception {
            records++;
            String key = new String(record.key(), StandardCharsets.UTF_8);
            long version = Long.parseLong(new String(record.headers().lastHeader(KafkaChangesTopic.VERSION_HEADER).value(), StandardCharsets.US_ASCII));
            JsonNode value = record.value() == null ? null : JSON.readTree(record.value());
            if (value != null) assertThat(value.path("version").asLong()).as("the JSON's version is the header's").isEqualTo(version);
            Last seen = last.get(key);
            if (seen != null && version == seen.version()) repeats++;
            if (seen != null && version < seen.version()) {
                older++;
                return;
            }
            last.put(key, new Last(version, value));
        }
    }

    static MaxVersionConsumer consumeAll(String bootstrap, String topic, long expectedAtLeast) throws Exception {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        MaxVersionConsumer consumer = new MaxVersionConsumer();
        try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = kafka.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            kafka.assign(partitions);
            kafka.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = kafka.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(200))) consumer.take(record);
                boolean atEnd = partitions.stream().allMatch(tp -> kafka.position(tp) >= end.get(tp));
                if (atEnd && consumer.records >= expectedAtLeast) break;
            }
        }
        return consumer;
    }

    /** Every state of the node, as the consumer should end with it. */
    private static Map<String, Last> states(RingworkNode node) {
        Map<String, Last> states = new HashMap<>();
        for (int p = 0; p < node.log().partitionCount(); p++) {
            String after = null;
            for (List<WriteSet.StateWrite> page; !(page = node.store().scan(p, after, 500)).isEmpty(); after = page.getLast().key()) {
                for (WriteSet.StateWrite write : page) {
                    var stored = write.state();
                    var state = node.applier().decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
                    states.put(write.key(), new Last(stored.version(), node.applier().toJson(state)));
                }
            }
        }
        return states;
    }

    /** The topic's JSON wraps the document: the documents, to compare with the node's. */
    private static Map<String, Last> documents(MaxVersionConsumer consumer) {
        Map<String, Last> documents = new HashMap<>();
        consumer.last.forEach((key, last) -> documents.put(key, new Last(last.version(), last.value() == null ? null : last.value().get("value"))));
        return documents;
    }

    @Test
    void everyChangeReachesTheTopicAndTheHighestVersionPerKeyIsTheNodesState() throws Exception {
        String topic = broker.newTopic("changes-log", 4);
        String changes = broker.newTopic("changes-out", 3); // not the log's partition count: keyed by record key
        int records = 3_000;
        RingworkNode first = start(topic, changes);
        RingworkNode node = first;
        try {
            Properties props = new Properties();
            props.put("bootstrap.servers", broker.bootstrap());
            props.put("key.serializer", StringSerializer.class.getName());
            props.put("value.serializer", StringSerializer.class.getName());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                for (int i = 0; i < records; i++) {
                    String key = "acme/doc-" + (i % 200);
                    // Every 7th record of a key deletes it (a tombstone on the topic), then it comes back.
                    boolean delete = i % 7 == 3;
                    var record = new ProducerRecord<>(topic, key, delete ? null : "{\"n\":" + i + ",\"k" + (i % 5) + "\":" + i + "}");
                    record.headers().add(KafkaRecordCodec.TYPE_HEADER, (delete ? "gluer.delete" : "gluer.merge").getBytes(StandardCharsets.UTF_8));
                    producer.send(record);
                }
                producer.flush();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> first.totalLag() == 0 && first.changesPublisher().lag() == 0
                    && first.changesPublisher().published() >= records);
            MaxVersionConsumer consumer = consumeAll(broker.bootstrap(), changes, records);
            Map<String, Last> states = states(node);
            assertThat(states).hasSize(200);
            assertThat(documents(consumer)).isEqualTo(states);
            assertThat(consumer.older).as("one producer in order: nothing older arrives after a newer version").isZero();
            assertThat(node.metrics().scrape()).contains("# TYPE ringwork_changes_published_total counter")
                    .contains("# TYPE ringwork_changes_publish_failures_total counter").contains("# TYPE ringwork_changes_publish_lag gauge");

            // A restart runs every partition anew: its whole retained feed is sent again (repeats, never regressions).
            long before = consumer.records;
            node.close();
            node = start(topic, changes);
            RingworkNode restarted = node;
            await().atMost(Duration.ofSeconds(60)).until(() -> restarted.changesPublisher().published() >= records
                    && restarted.changesPublisher().lag() == 0);
            MaxVersionConsumer again = consumeAll(broker.bootstrap(), changes, before + records);
            assertThat(documents(again)).isEqualTo(states(restarted));
            assertThat(again.records).isGreaterThanOrEqualTo(before + records);
            assertThat(again.repeats).as("each key's last version arrives twice").isGreaterThanOrEqualTo(200);
            System.out.printf("changes topic: %d records applied, %d on the topic after the run, %d after a restart (%d repeats, %d older)%n",
                    records, before, again.records, again.repeats, again.older);
        } finally {
            node.close();
        }
    }

    @Test
    void aChangesTopicNeedsKafkaAnExistingTopicAndNotTheLogsOwn() throws Exception {
        String topic = broker.newTopic("changes-refused", 2);
        String[] base = {"node", "--node-id", "k", "--http", "127.0.0.1:0", "--bind", "127.0.0.1:0", "--data-dir", dir.resolve("d").toString()};
        assertThat(run(base, "--changes-topic", "c")).isEqualTo("2 ringwork node: --changes-topic needs --kafka and --topic "
                + "(the changes go to a topic of the log's Kafka cluster)\n");
        assertThat(run(base, "--kafka", broker.bootstrap(), "--topic", topic, "--changes-topic", "absent-changes"))
                .isEqualTo("2 ringwork node: Kafka topic 'absent-changes' (--changes-topic) does not exist at " + broker.bootstrap()
                        + "; create it first (any partition count; cleanup.policy=compact recommended)\n");
        assertThat(run(base, "--kafka", broker.bootstrap(), "--topic", topic, "--changes-topic", topic))
                .startsWith("2 ringwork node: --changes-topic must not be the log's topic");
    }

    private static String run(String[] base, String... more) {
        picocli.CommandLine cli = RingworkCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(more)).toArray(String[]::new);
        int code = RingworkCli.run(cli, args);
        return code + " " + err;
    }
}
