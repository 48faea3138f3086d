package io.ringwork.runtime.log.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A single-node KRaft broker in this JVM (Kafka's own test kit), on loopback with its data in a
 * temporary directory. It takes a few seconds to start, so the test classes of one JVM share one
 * ({@link #shared}), started by the first that asks and stopped when the JVM exits; topics keep
 * tests apart.
 */
public final class KafkaTestBroker implements AutoCloseable {
    private static KafkaTestBroker shared;
    private static final java.util.concurrent.atomic.AtomicInteger TOPICS = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * How long the broker may take to stop when the test JVM exits. Surefire kills a fork whose
     * exit takes 30 s and fails the module ("Error occurred in starting fork"), which the
     * broker's stop sometimes outlasted in the fresh-clone CI; past this bound the exit goes on
     * and the broker's threads end with the JVM.
     */
    static final long CLOSE_AT_EXIT_MS = 15_000;

    /** The broker of this JVM's tests, started on first use. */
    public static synchronized KafkaTestBroker shared() {
        if (shared == null) {
            shared = start();
            KafkaTestBroker started = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeWithin(started, CLOSE_AT_EXIT_MS), "kafka-test-broker-stop"));
        }
        return shared;
    }

    /** A new topic of {@code partitions} partitions, named {@code prefix-N}. */
    public String newTopic(String prefix, int partitions) {
        String topic = prefix + "-" + TOPICS.incrementAndGet();
        createTopic(topic, partitions);
        return topic;
    }

    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private KafkaTestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    public static KafkaTestBroker start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    // One broker: internal topics (transactions, offsets) can only have one replica.
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaTestBroker(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-process Kafka broker: " + e, e);
        }
    }

    public String bootstrap() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        return admin;
    }

    /** Creates {@code topic} with {@code partitions} partitions and waits until it is usable. */
    public void createTopic(String topic, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            for (int attempt = 0; attempt < 100; attempt++) {
                try {
                    var described = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
                    if (described.partitions().size() == partitions && described.partitions().stream().allMatch(p -> p.leader() != null)) return;
                } catch (java.util.concurrent.ExecutionException e) {
                    // created, but the broker's metadata does not show it yet
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException("topic " + topic + " has no leaders after 5 s");
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + topic + ": " + e, e);
        }
    }

    private static void closeWithin(KafkaTestBroker broker, long ms) {
        Thread closer = Thread.ofPlatform().daemon().name("kafka-test-broker-close").start(broker::close);
        try {
            closer.join(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) System.err.println("the in-process Kafka broker did not stop within " + ms + " ms; the JVM exits without it");
    }

    @Override
    public void close() {
        admin.close();
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the in-process Kafka broker failed: " + e, e);
        }
    }
}
