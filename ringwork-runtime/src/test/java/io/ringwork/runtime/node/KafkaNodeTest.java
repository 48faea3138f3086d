package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.id.Partitioner;
import io.ringwork.runtime.cli.RingworkCli;
import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import io.ringwork.runtime.log.kafka.KafkaRecordLog;
import io.ringwork.runtime.log.kafka.KafkaTestBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node on a Kafka topic (in this JVM, on the test JVM's in-process broker). */
class KafkaNodeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final KafkaTestBroker broker = KafkaTestBroker.shared();
    @TempDir Path dir;

    private RingworkNode start(String topic) {
        return RingworkNode.start(NodeConfig.defaults().withNodeId("kafka-node").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("unused-log")).withReplicationFactor(1)
                .withKafka(broker.bootstrap()).withTopic(topic));
    }

    private static JsonNode send(RingworkNode node, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + node.httpAddress() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 404 ? null : JSON.readTree(response.body());
    }

    @Test
    void eventsAreProducedToTheTopicAndAnsweredWithKafkasPartitionAndOffset() throws Exception {
        String topic = broker.newTopic("node-ingest", 4);
        RingworkNode node = start(topic);
        try {
            assertThat(node.log()).isInstanceOf(KafkaRecordLog.class);
            assertThat(node.log().partitionCount()).isEqualTo(4);
            String envelope = "{\"key\":\"acme/doc\",\"type\":\"gluer.merge\",\"id\":\"once\",\"data\":{\"a\":1}}";
            JsonNode first = send(node, "POST", "/v1/events", envelope);
            JsonNode again = send(node, "POST", "/v1/events", envelope);
            int partition = first.path("results").get(0).path("partition").asInt();
            long offset = first.path("results").get(0).path("offset").asLong();
            assertThat(partition).isEqualTo(new Partitioner(4).partitionOf("acme/doc"));
            assertThat(again.path("results").get(0).path("offset").asLong()).as("the Kafka log does not deduplicate").isGreaterThan(offset);
            assertThat(again.path("duplicates").asInt()).isZero();

            // What a plain consumer of the topic sees at that position.
            ConsumerRecord<byte[], byte[]> consumed = consumeOne(topic, partition, offset);
            assertThat(new String(consumed.key(), StandardCharsets.UTF_8)).isEqualTo("acme/doc");
            assertThat(new String(consumed.value(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
            assertThat(new String(consumed.headers().lastHeader(KafkaRecordCodec.TYPE_HEADER).value(), StandardCharsets.UTF_8)).isEqualTo("gluer.merge");
            assertThat(new String(consumed.headers().lastHeader(KafkaRecordCodec.ID_HEADER).value(), StandardCharsets.UTF_8)).isEqualTo("once");

            // A record any Kafka client wrote (a key and a JSON value) is applied like the API's.
            try (KafkaProducer<String, String> producer = plainProducer()) {
                producer.send(new ProducerRecord<>(topic, "acme/doc", "{\"b\":2}")).get(10, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode state = send(node, "GET", "/v1/state/acme/doc", null);
                assertThat(state).isNotNull();
                assertThat(state.path("value")).isEqualTo(JSON.readTree("{\"a\":1,\"b\":2}"));
            });
            assertThat(Files.exists(dir.resolve("unused-log"))).as("no embedded log").isFalse();
        } finally {
            node.close();
        }
    }

    /**
     * Kafka appends a retried envelope again; the key's recent ids make the second copy a no-op, so a
     * patch that appends to a list appends once, and a compare-and-set retried with its id gets its
     * first answer instead of a conflict with itself.
     */
    @Test
    void aRetriedIdIsAppendedTwiceButAppliedOnce() throws Exception {
        String topic = broker.newTopic("node-retries", 4);
        RingworkNode node = start(topic);
        try {
            send(node, "POST", "/v1/events", "{\"key\":\"acme/list\",\"type\":\"gluer.put\",\"data\":{\"items\":[]}}");
            String append = "{\"key\":\"acme/list\",\"type\":\"gluer.patch\",\"id\":\"add-1\","
                    + "\"data\":[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":1}]}";
            long first = send(node, "POST", "/v1/events", append).path("results").get(0).path("offset").asLong();
            long second = send(node, "POST", "/v1/events", append).path("results").get(0).path("offset").asLong();
            assertThat(second).as("appended twice").isGreaterThan(first);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode state = send(node, "GET", "/v1/state/acme/list", null);
                assertThat(state).isNotNull();
                assertThat(state.path("version").asLong()).isGreaterThanOrEqualTo(second);
                assertThat(state.path("value")).isEqualTo(JSON.readTree("{\"items\":[1]}"));
            });

            JsonNode put = send(node, "PUT", "/v1/kv/lock?ifVersion=0&id=take-1", "\"me\"");
            JsonNode retried = send(node, "PUT", "/v1/kv/lock?ifVersion=0&id=take-1", "\"me\"");
            assertThat(put.path("version").asLong()).isPositive();
            assertThat(retried.path("version").asLong()).as("the first answer, not a conflict").isEqualTo(put.path("version").asLong());
            JsonNode read = send(node, "GET", "/v1/kv/lock", null);
            assertThat(read.path("value").asText()).isEqualTo("me");
            assertThat(read.path("version").asLong()).isEqualTo(put.path("version").asLong());
        } finally {
            node.close();
        }
    }

    @Test
    void aTransactionMarkerAtTheEndLeavesNoLagAndTheOwnerCaughtUp() throws Exception {
        String topic = broker.newTopic("node-txn", 1);
        RingworkNode node = start(topic);
        try {
            Properties props = new Properties();
            props.put("bootstrap.servers", broker.bootstrap());
            props.put("key.serializer", StringSerializer.class.getName());
            props.put("value.serializer", StringSerializer.class.getName());
            props.put("transactional.id", "node-txn-test");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "acme/t", "{\"a\":1}"));
                producer.send(new ProducerRecord<>(topic, "acme/t", "{\"b\":2}"));
                producer.commitTransaction(); // offset 2 is the commit marker: the log's last offset holds no record
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode cluster = send(node, "GET", "/v1/cluster", null);
                JsonNode p0 = cluster.path("partitions").get(0);
                assertThat(p0.path("logEnd").asLong()).isEqualTo(3);
                assertThat(p0.path("checkpoint").asLong()).isEqualTo(1);
                assertThat(p0.path("lag").asLong()).as("offsets minus one is no longer the lag").isZero();
                assertThat(node.totalLag()).isZero();
                assertThat(node.engine().status(0).caughtUp(node.log().endOffset(0))).isTrue();
            });
            assertThat(send(node, "GET", "/v1/state/acme/t", null).path("value")).isEqualTo(JSON.readTree("{\"a\":1,\"b\":2}"));
        } finally {
            node.close();
        }
    }

    @Test
    void aMissingTopicIsOneLineAndExitCode2() {
        picocli.CommandLine cli = RingworkCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int code = RingworkCli.run(cli, "node", "--node-id", "k", "--http", "127.0.0.1:0", "--bind", "127.0.0.1:0",
                "--data-dir", dir.resolve("d").toString(), "--kafka", broker.bootstrap(), "--topic", "absent-topic");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("ringwork node: Kafka topic 'absent-topic' does not exist at " + broker.bootstrap()
                + "; create it first (its partition count is the log's)" + System.lineSeparator());

        StringWriter err2 = new StringWriter();
        cli.setErr(new PrintWriter(err2, true));
        assertThat(RingworkCli.run(cli, "node", "--node-id", "k", "--http", "127.0.0.1:0", "--bind", "127.0.0.1:0",
                "--data-dir", dir.resolve("d").toString(), "--topic", "t")).isEqualTo(2);
        assertThat(err2.toString()).contains("--topic needs --kafka");
    }

    @Test
    void aNodeStopsProcessingWhenTheTopicsPartitionCountChanges() throws Exception {
        String topic = broker.newTopic("node-grow", 2);
        RingworkNode node = start(topic);
        try {
            send(node, "POST", "/v1/events", "{\"key\":\"acme/g\",\"type\":\"gluer.merge\",\"data\":{\"a\":1}}");
            broker.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all().get(10, TimeUnit.SECONDS);
            // The check runs every 5 s; then the engine's next read fails and the node stops (fail-stop, exit 1 as a process).
            await().atMost(Duration.ofSeconds(20)).until(() -> node.failure() != null);
            assertThat(node.failure()).hasMessageContaining("changed from 2 to 3");
        } finally {
            node.close();
        }
    }

    @Test
    void anOwnerWhoseCheckpointFellToRetentionSaysSoAndGoesOnFromTheStart() throws Exception {
        String topic = broker.newTopic("node-retention", 1);
        try (KafkaProducer<String, String> producer = plainProducer()) {
            for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, "acme/r", "{\"n" + i + "\":" + i + "}")).get();
        }
        broker.admin().deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(7))).all().get(10, TimeUnit.SECONDS);
        RingworkNode node = start(topic);
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode state = send(node, "GET", "/v1/state/acme/r", null);
                assertThat(state).isNotNull();
                assertThat(state.path("value")).isEqualTo(JSON.readTree("{\"n7\":7,\"n8\":8,\"n9\":9}"));
            });
            HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.httpAddress() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).containsPattern("ringwork_log_retention_skips_total\\{[^}]*} 1\\.0");
        } finally {
            node.close();
        }
    }

    private KafkaProducer<String, String> plainProducer() {
        Properties props = new Properties();
        props.put("bootstrap.servers", broker.bootstrap());
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    private ConsumerRecord<byte[], byte[]> consumeOne(String topic, int partition, long offset) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(),
                "key.deserializer", ByteArrayDeserializer.class.getName(), "value.deserializer", ByteArrayDeserializer.class.getName()))) {
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                var records = consumer.poll(Duration.ofMillis(100)).records(tp);
                if (!records.isEmpty()) return records.get(0);
            }
            throw new AssertionError("no record at " + tp + "@" + offset);
        }
    }
}
