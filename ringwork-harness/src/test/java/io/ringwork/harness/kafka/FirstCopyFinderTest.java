package io.ringwork.harness.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A retried envelope's first copy in a Kafka topic: the chaos harness checks a retried record at
 * the offset the nodes applied, not the retry's. One in-process KRaft broker.
 */
class FirstCopyFinderTest {
    @Test
    @Timeout(120)
    void findsTheFirstCopyOfAnIdBetweenTheBoundsAndOtherwiseTheRetry() throws Exception {
        try (KafkaClusterTestKit broker = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build()).build()) {
            broker.format();
            broker.startup();
            broker.waitForReadyBrokers();
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("log", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            // Partition 1: a@0, b@1, a@2 (a's retry), c@3, a record without an id @4, d@5.
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
                for (String id : new String[] {"a", "b", "a", "c", null, "d"}) {
                    ProducerRecord<String, String> record = new ProducerRecord<>("log", 1, "k", "{}");
                    if (id != null) record.headers().add(new RecordHeader(KafkaRecordCodec.ID_HEADER, id.getBytes(StandardCharsets.UTF_8)));
                    assertThat(producer.send(record).get(30, TimeUnit.SECONDS).offset()).isLessThan(6);
                }
            }
            try (FirstCopyFinder finder = new FirstCopyFinder(bootstrap, "log")) {
                assertThat(finder.firstCopy(1, -1, 2, "a")).as("a's first copy, before its retry").isZero();
                assertThat(finder.firstCopy(1, 0, 2, "a")).as("nothing earlier after the bound: the retry").isEqualTo(2);
                assertThat(finder.firstCopy(1, -1, 3, "c")).as("no earlier copy: the retry").isEqualTo(3);
                assertThat(finder.firstCopy(1, 1, 5, "d")).as("past a record without an id").isEqualTo(5);
                assertThat(finder.firstCopy(0, -1, 0, "a")).as("an empty range").isZero();
            }
        }
    }
}
