package io.ringwork.harness.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import io.ringwork.harness.netns.NetworkNamespaces;
import io.ringwork.harness.netns.NetworkNamespaces.Host;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real broker process from Kafka's server jars: start, a topic, a record through it, stop by PID, restart on the same data. */
class KafkaBrokerProcessTest {
    @TempDir Path dir;

    @Test
    void aRecordGoesThroughTheBrokerAndItsTopicOutlivesARestart() throws Exception {
        Path data = dir.resolve("kafka");
        long pid;
        String bootstrap;
        RecordMetadata sent;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(data, "127.0.0.1", 0)) {
            pid = broker.pid();
            bootstrap = broker.bootstrap();
            assertThat(bootstrap).startsWith("127.0.0.1:");
            broker.createTopic("events", 3);
            broker.createTopic("events", 3); // again with the same count: accepted as it is
            assertThatThrownBy(() -> broker.createTopic("events", 4)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exists with 3 partitions, not 4");
            assertThatThrownBy(() -> broker.createTopic("no spaces", 1)).isInstanceOf(IllegalArgumentException.class);

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                    new StringSerializer(), new StringSerializer())) {
                sent = producer.send(new ProducerRecord<>("events", "doc-1", "{\"n\":1}")).get(30, TimeUnit.SECONDS);
            }
            assertThat(consumeOne(bootstrap, new TopicPartition("events", sent.partition())))
                    .extracting(ConsumerRecord::key, ConsumerRecord::value).containsExactly("doc-1", "{\"n\":1}");

            assertThat(broker.stop()).as("exit code after SIGTERM").isIn(0, 143);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("broker pid %d still alive", pid).isFalse();
        }
        assertThat(Files.readString(data.resolve(KafkaBrokerProcess.PROPERTIES_FILE))).contains("process.roles=broker,controller");

        // The same directory again (port 0: the last start's port): the topic and its record are still there.
        try (KafkaBrokerProcess again = KafkaBrokerProcess.start(data, "127.0.0.1", 0)) {
            assertThat(again.bootstrap()).isEqualTo(bootstrap);
            assertThat(again.pid()).isNotEqualTo(pid);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertThat(admin.describeTopics(Set.of("events")).allTopicNames().get(30, TimeUnit.SECONDS).get("events").partitions())
                        .hasSize(3);
            }
            assertThat(consumeOne(bootstrap, new TopicPartition("events", sent.partition())).value()).isEqualTo("{\"n\":1}");
            long secondPid = again.pid();
            again.stop();
            assertThat(ProcessHandle.of(secondPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    /**
     * The broker on a host of its own, as the separate-hosts test will run it for nodes in other
     * namespaces: started through {@code ip netns exec}, bound to the host's address, reached from
     * the root namespace over the bridge, and stopped by its PID (the prefix execs, so the PID is
     * the broker's).
     */
    @Test
    void aBrokerOnAHostOfItsOwnIsReachedOverTheBridge() throws Exception {
        var reason = NetworkNamespaces.unavailable();
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
        try (NetworkNamespaces nets = NetworkNamespaces.create(1)) {
            Host host = nets.host(1);
            long pid;
            try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("kafka"), host.address(), 9092, host.exec())) {
                pid = broker.pid();
                assertThat(broker.bootstrap()).isEqualTo(host.address() + ":9092");
                broker.createTopic("events", 2);
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(), ProducerConfig.ACKS_CONFIG, "all"),
                        new StringSerializer(), new StringSerializer())) {
                    RecordMetadata sent = producer.send(new ProducerRecord<>("events", "k", "v")).get(30, TimeUnit.SECONDS);
                    assertThat(consumeOne(broker.bootstrap(), new TopicPartition("events", sent.partition())).value()).isEqualTo("v");
                }
                assertThat(ProcessHandle.of(pid).flatMap(h -> h.info().command()).orElse("")).as("the PID is the broker's JVM").endsWith("java");
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    @Test
    void aConcreteHostIsRequired() {
        assertThatThrownBy(() -> KafkaBrokerProcess.start(dir.resolve("k"), "0.0.0.0", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concrete address");
        assertThatThrownBy(() -> KafkaBrokerProcess.start(dir.resolve("k"), "127.0.0.1", 0, List.of("ip", "netns", "exec", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("give a port");
    }

    /** The partition's first record, read by manual assignment from the beginning (no consumer group). */
    private static ConsumerRecord<String, String> consumeOne(String bootstrap, TopicPartition partition) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (got.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(got::add);
            }
            assertThat(got).as("records read from %s", partition).isNotEmpty();
            return got.get(0);
        }
    }
}
