package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.harness.process.GluerVerifier;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.log.kafka.KafkaChangesTopic;
import io.ringwork.runtime.node.Processors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --changes-topic} with three real node processes on one Kafka topic (a broker in this JVM,
 * loopback). One node's changes producer is throttled by a broker quota, so its feed runs far ahead
 * of what the topic acknowledged, and at the end of the workload, its publishing mid-run, it is SIGKILLed; a consumer of the
 * changes topic that keeps the highest version per key must still end with every key's final state:
 * the partitions' new owners send again what the dead one had not sent.
 */
class KafkaChangesProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PARTITIONS = 8;
    private static final int RECORDS = 6_000;
    private static final String VICTIM = "c2";
    private static KafkaClusterTestKit broker;
    @TempDir Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .build();
        broker.format();
        broker.startup();
        broker.waitForReadyBrokers();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) broker.close();
    }

    /** Keeps the highest version per key; counts what a consumer of the topic sees on the way. */
    static final class MaxVersionConsumer implements AutoCloseable {
        record Last(long version, JsonNode document) {}

        final Map<String, Last> last = new HashMap<>();
        final KafkaConsumer<byte[], byte[]> kafka;
        long records;
        long repeats;
        long older;

        MaxVersionConsumer(String bootstrap, String topic) {
            Properties props = new Properties();
            props.put("bootstrap.servers", bootstrap);
            props.put("key.deserializer", ByteArrayDeserializer.class.getName());
            props.put("value.deserializer", ByteArrayDeserializer.class.getName());
            kafka = new KafkaConsumer<>(props);
            List<TopicPartition> partitions = kafka.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            kafka.assign(partitions);
            kafka.seekToBeginning(partitions);
        }

        void poll() throws Exception {
            for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(100))) {
                records++;
                String key = new String(record.key(), StandardCharsets.UTF_8);
                long version = Long.parseLong(new String(record.headers().lastHeader(KafkaChangesTopic.VERSION_HEADER).value(), StandardCharsets.US_ASCII));
                Last seen = last.get(key);
                if (seen != null && version == seen.version()) repeats++;
                if (seen != null && version <= seen.version()) {
                    if (version < seen.version()) older++;
                    continue;
                }
                JsonNode document = record.value() == null ? null : JSON.readTree(record.value()).get("value");
                last.put(key, new Last(version, document));
            }
        }

        /** Keys whose kept document is not the expected one (absent, or deleted, counts as null). */
        List<String> missing(Map<String, VersionedState> expected) {
            List<String> missing = new ArrayList<>();
            for (Map.Entry<String, VersionedState> entry : expected.entrySet()) {
                JsonNode want = entry.getValue().exists() ? (JsonNode) entry.getValue().value() : null;
                Last kept = last.get(entry.getKey());
                JsonNode have = kept == null ? null : kept.document();
                if (want == null ? have != null : !want.equals(have)) missing.add(entry.getKey());
            }
            return missing;
        }

        @Override
        public void close() {
            kafka.close();
        }
    }

    @Test
    @Timeout(300)
    void aMaxVersionConsumerEndsWithEveryKeysFinalStateAfterAnOwnerIsKilled() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("events", PARTITIONS, (short) 1),
                    new NewTopic("changes", 3, (short) 1).configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
            // The victim's changes producer (client id: ringwork-NODE-changes-producer) gets 4 KB/s.
            var entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "ringwork-" + VICTIM + "-changes-producer"));
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity,
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 4096.0))))).all().get(30, TimeUnit.SECONDS);
        }
        List<NodeProcess> nodes = new ArrayList<>();
        try (MaxVersionConsumer consumer = new MaxVersionConsumer(broker.bootstrapServers(), "changes")) {
            List<String> kafka = List.of("--membership", "fast", "--replication-factor", "3",
                    "--kafka", broker.bootstrapServers(), "--topic", "events", "--changes-topic", "changes");
            NodeProcess n1 = start(nodes, "c1", kafka);
            List<String> readies = new ArrayList<>(List.of(n1.awaitReady(60_000)));
            List<RingworkClient> clients = new ArrayList<>(List.of(new RingworkClient(readies.getFirst())));
            List<String> seeded = new ArrayList<>(kafka);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            for (String id : List.of("c2", "c3")) {
                NodeProcess node = start(nodes, id, seeded);
                readies.add(node.awaitReady(60_000));
                clients.add(new RingworkClient(readies.getLast()));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        for (RingworkClient c : clients) if (c.cluster().path("members").size() != 3) return false;
                        return true;
                    });

            SequentialFold fold = new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load())));
            GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(21, 3, 150, RECORDS, 0.02), fold);
            int victim = -1;
            long unsentAtKill = 0;
            long produced = 0;
            for (int i = 0; workload.hasNext(); i++) {
                List<NewRecord> batch = workload.next(200);
                JsonNode results = clients.get(i % clients.size()).produce(batch);
                assertThat(results).hasSize(batch.size());
                produced += batch.size();
                consumer.poll();
            }
            // The throttled node dies while its publishing is mid-run: the last records of its
            // partitions are applied (or being applied) and far from all of their changes are on the topic.
            // No later record touches those keys, so only a re-send gets their final states there.
            victim = 1;
            assertThat(owned(clients.getFirst().cluster(), VICTIM)).as("partitions run by " + VICTIM).isPositive();
            unsentAtKill = lag(readies.get(victim));
            assertThat(unsentAtKill).as("changes the victim had not published").isPositive();
            nodes.get(victim).kill();
            System.out.println("changes process test: SIGKILL " + VICTIM + " after " + produced + " records, with "
                    + unsentAtKill + " changes unpublished");
            long producedAtMs = System.currentTimeMillis();
            List<RingworkClient> survivors = new ArrayList<>(clients);
            survivors.remove(victim);
            for (RingworkClient client : survivors) {
                assertThat(GluerVerifier.awaitApplied(client, RECORDS, 120_000)).as("all applied").isTrue();
            }
            Map<String, VersionedState> expected = fold.states();
            long deadline = System.currentTimeMillis() + 120_000;
            List<String> missing = consumer.missing(expected);
            while (!missing.isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll();
                missing = consumer.missing(expected);
            }
            long completeMs = System.currentTimeMillis() - producedAtMs;
            GluerVerifier.Result check = GluerVerifier.verify(survivors.getFirst(), fold);
            assertThat(check.divergent()).as("the nodes themselves: %s", check.examples()).isZero();
            assertThat(missing).as("keys whose final state the changes topic lacks").isEmpty();
            // Nothing newer than the node's state. (It may be older: a rejected record advances the
            // state's version and puts no change on the feed, and the documents are already equal.)
            long wrongVersion = 0;
            for (String key : expected.keySet()) {
                JsonNode state = survivors.getFirst().state(key);
                MaxVersionConsumer.Last kept = consumer.last.get(key);
                if (state != null && kept != null && kept.version() > state.path("version").asLong()) wrongVersion++;
            }
            assertThat(wrongVersion).as("keys whose kept version is above the node's").isZero();
            assertThat(consumer.records).isGreaterThanOrEqualTo(expected.size());
            assertThat(consumer.older + consumer.repeats).as("the new owners sent the dead one's changes again").isPositive();
            System.out.printf("changes process test: %d keys, %d records on the changes topic for %d applied (%d repeats of a version, "
                            + "%d older versions after a newer one), 0 missing, 0 wrong versions; final state complete %d ms after the last "
                            + "produce was acknowledged%n", expected.size(), consumer.records, RECORDS, consumer.repeats, consumer.older, completeMs);
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private static int owned(JsonNode cluster, String node) {
        int owned = 0;
        for (JsonNode p : cluster.path("partitions")) if (node.equals(p.path("owner").asText())) owned++;
        return owned;
    }

    /** The node's {@code ringwork_changes_publish_lag} from its /metrics. */
    private static long lag(String baseUrl) throws Exception {
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(baseUrl + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        for (String line : metrics.split("\n")) {
            if (line.startsWith("ringwork_changes_publish_lag")) return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        throw new AssertionError("no ringwork_changes_publish_lag in the metrics of " + baseUrl);
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve(id).resolve("log"), args);
        nodes.add(node);
        return node;
    }
}
