package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.harness.process.GluerVerifier;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.node.Processors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real node processes with separate data directories and no shared path, whose log is a Kafka
 * topic on a broker this test starts in its own JVM (loopback). Records go in through both nodes'
 * APIs; afterwards every document on both nodes equals the sequential fold.
 */
class KafkaClusterProcessTest {
    private static final int PARTITIONS = 8;
    private static final int RECORDS = 4_000;
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

    @Test
    @Timeout(240)
    void twoNodesOnOneTopicApplyEveryRecordOnce() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("events", PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        List<NodeProcess> nodes = new ArrayList<>();
        try {
            List<String> kafka = List.of("--membership", "fast", "--replication-factor", "2",
                    "--kafka", broker.bootstrapServers(), "--topic", "events");
            NodeProcess n1 = start(nodes, "k1", kafka);
            RingworkClient c1 = new RingworkClient(n1.awaitReady(60_000));
            List<String> seeded = new ArrayList<>(kafka);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            NodeProcess n2 = start(nodes, "k2", seeded);
            RingworkClient c2 = new RingworkClient(n2.awaitReady(60_000));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> c1.cluster().path("members").size() == 2 && c2.cluster().path("members").size() == 2);

            SequentialFold fold = new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load())));
            GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(20, 3, 150, RECORDS, 0.02), fold);
            List<RingworkClient> clients = List.of(c1, c2);
            int i = 0;
            while (workload.hasNext()) {
                List<NewRecord> batch = workload.next(250);
                JsonNode results = clients.get(i++ % 2).produce(batch);
                assertThat(results).hasSize(batch.size()).allSatisfy(r -> assertThat(r.has("offset")).isTrue());
            }

            for (RingworkClient client : clients) {
                assertThat(GluerVerifier.awaitApplied(client, RECORDS, 120_000)).as("all applied").isTrue();
                assertThat(GluerVerifier.awaitHeld(client, 120_000)).as("replicas caught up").isTrue();
                long logged = 0;
                for (JsonNode p : client.cluster().path("partitions")) logged += p.path("logEnd").asLong();
                assertThat(logged).as("each record in the topic once").isEqualTo(RECORDS);
                GluerVerifier.Result check = GluerVerifier.verify(client, fold);
                assertThat(check.divergent()).as("divergent documents: %s", check.examples()).isZero();
                assertThat(check.checked()).isEqualTo(fold.states().size()).isPositive();
            }
            for (String id : List.of("k1", "k2")) {
                assertThat(Files.exists(dir.resolve(id).resolve("log"))).as("no embedded log under " + id).isFalse();
            }
        } finally {
            for (NodeProcess node : nodes) node.close();
        }
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        // Each node's --log-dir is inside its own directory and stays unused: the log is the topic.
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve(id).resolve("log"), args);
        nodes.add(node);
        return node;
    }
}
