package io.ringwork.harness.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The Kafka topic of one demo or chaos run ({@code --kafka [BOOTSTRAP]}): a fresh topic with a
 * unique name and the run's partition count, either on the user's cluster at {@code BOOTSTRAP} or
 * on a single-node broker ({@link KafkaBrokerProcess}) started for the run on 127.0.0.1 with a
 * free port and its data in the run's working directory.
 *
 * <p>{@link #close()} undoes what {@link #open} did and nothing else: it stops the broker it started
 * (by its PID), or deletes the topic it created on the user's cluster (unless kept), saying so;
 * other topics are never touched. On Ctrl-C the broker's own shutdown hook stops it; a topic
 * created on the user's cluster then stays, and its name was printed at the start. Not thread-safe.
 */
public final class RunTopic implements AutoCloseable {
    /** How long a user's cluster has to answer before the run gives up, before anything starts. */
    static final long REACH_TIMEOUT_MS = 5_000;
    /** How long a created topic has to become visible with all its partitions. */
    static final long VISIBLE_TIMEOUT_MS = 30_000;

    private final String bootstrap;
    private final String topic;
    private final KafkaBrokerProcess broker;
    private final boolean keepTopic;
    private final PrintStream out;

    private RunTopic(String bootstrap, String topic, KafkaBrokerProcess broker, boolean keepTopic, PrintStream out) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.broker = broker;
        this.keepTopic = keepTopic;
        this.out = out;
    }

    /**
     * Starts a broker in {@code work/kafka} (when {@code bootstrap} is null or blank) or checks that
     * the cluster at {@code bootstrap} answers, then creates a topic {@code prefix-<UTC time>-<hex>}
     * with {@code partitions} partitions (replication factor 1 on the broker started here, the
     * cluster's default on a user's) and waits until it is visible.
     *
     * @param keepTopic on a user's cluster, leave the topic there at {@link #close()}
     * @throws IOException when the broker does not start, the cluster does not answer within
     *                     {@link #REACH_TIMEOUT_MS}, or the topic cannot be created; one line each,
     *                     and nothing is left running
     * @throws IllegalArgumentException for a bootstrap address the Kafka client cannot use
     */
    public static RunTopic open(String bootstrap, Path work, int partitions, String prefix, boolean keepTopic, PrintStream out)
            throws IOException, InterruptedException {
        String topic = topicName(prefix);
        if (bootstrap == null || bootstrap.isBlank()) return onOwnBroker(work, partitions, topic, out);
        String servers = bootstrap.strip();
        try (Admin admin = admin(servers)) {
            awaitAnswer(admin, servers);
            create(admin, servers, topic, partitions);
            try {
                awaitVisible(admin, servers, topic, partitions);
            } catch (IOException e) {
                admin.deleteTopics(List.of(topic)); // created here, so removed here; best effort, the error says why
                throw e;
            }
        }
        out.printf("  kafka: topic %s with %d partitions created for this run at %s (%s at the end)%n", topic, partitions,
                servers, keepTopic ? "kept" : "deleted");
        return new RunTopic(servers, topic, null, keepTopic, out);
    }

    private static RunTopic onOwnBroker(Path work, int partitions, String topic, PrintStream out)
            throws IOException, InterruptedException {
        Path data = work.resolve("kafka");
        out.println("  kafka: starting a single-node broker from Kafka's server jars on 127.0.0.1, data in " + data);
        KafkaBrokerProcess broker;
        try {
            broker = KafkaBrokerProcess.start(data, "127.0.0.1", 0);
        } catch (IOException e) {
            // Its message ends with the broker's last output, many lines: the first says what failed.
            if (e instanceof java.nio.file.FileSystemException f) {
                throw new IOException("the Kafka broker did not start: cannot use its data directory " + f.getFile()
                        + (f.getReason() == null ? " (" + e.getClass().getSimpleName() + ")" : ": " + f.getReason()), e);
            }
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceFirst(";? ?its last output.*$", "");
            throw new IOException("the Kafka broker did not start: " + first + " (its output is in "
                    + data.resolve(KafkaBrokerProcess.OUTPUT_FILE) + "; --keep keeps it)", e);
        }
        try {
            broker.createTopic(topic, partitions);
        } catch (IOException | RuntimeException | InterruptedException e) {
            broker.close();
            throw e;
        }
        out.printf("  kafka: broker up (pid %d) at %s; topic %s with %d partitions%n", broker.pid(), broker.bootstrap(), topic, partitions);
        return new RunTopic(broker.bootstrap(), topic, broker, false, out);
    }

    /** The nodes' {@code --kafka} value. */
    public String bootstrap() {
        return bootstrap;
    }

    /** The nodes' {@code --topic} value. */
    public String topic() {
        return topic;
    }

    /** The broker started for the run, or null on a user's cluster. */
    public KafkaBrokerProcess broker() {
        return broker;
    }

    /** Stops the broker started for the run, or deletes the topic created on the user's cluster (unless kept). */
    @Override
    public void close() throws InterruptedException {
        if (broker != null) {
            long pid = broker.pid();
            int code = broker.stop();
            out.printf("  kafka: stopped the broker (pid %d, exit %d)%n", pid, code);
            return;
        }
        if (keepTopic) {
            out.printf("  kafka: topic %s kept at %s%n", topic, bootstrap);
            return;
        }
        try (Admin admin = admin(bootstrap)) {
            admin.deleteTopics(List.of(topic)).all().get(REACH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            out.printf("  kafka: deleted topic %s at %s (this run created it)%n", topic, bootstrap);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            out.printf("  kafka: could not delete topic %s at %s (this run created it): %s; delete it yourself%n", topic, bootstrap,
                    e instanceof ExecutionException ? e.getCause().getMessage() : e.getMessage());
        }
    }

    /** {@code prefix-20261206-221500-3fa9}: sortable by time, unique with the random tail. */
    static String topicName(String prefix) {
        String time = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        byte[] tail = new byte[2];
        ThreadLocalRandom.current().nextBytes(tail);
        return prefix + "-" + time + "-" + HexFormat.of().formatHex(tail);
    }

    private static Admin admin(String bootstrap) {
        KafkaBrokerProcess.quietClientLogs(); // a refused connection is a warning per retry: the error line says it once
        try {
            return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REACH_TIMEOUT_MS,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) REACH_TIMEOUT_MS,
                    AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot use Kafka bootstrap '" + bootstrap + "': " + rootMessage(e));
        }
    }

    private static void awaitAnswer(Admin admin, String bootstrap) throws IOException, InterruptedException {
        try {
            admin.describeCluster().nodes().get(REACH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("no Kafka broker answered at " + bootstrap + " within " + REACH_TIMEOUT_MS / 1000
                    + " s; is it running and reachable? (without an address, --kafka starts a broker itself)");
        }
    }

    private static void create(Admin admin, String bootstrap, String topic, int partitions) throws IOException, InterruptedException {
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                    .all().get(VISIBLE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("creating topic " + topic + " at " + bootstrap + " failed: " + rootMessage(e.getCause()));
        } catch (TimeoutException e) {
            throw new IOException("creating topic " + topic + " at " + bootstrap + " timed out after " + VISIBLE_TIMEOUT_MS / 1000 + " s");
        }
    }

    /** On a cluster of several brokers a new topic reaches every broker's metadata a moment later; the nodes need it at once. */
    private static void awaitVisible(Admin admin, String bootstrap, String topic, int partitions) throws IOException, InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(VISIBLE_TIMEOUT_MS);
        while (true) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(REACH_TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic);
                if (d != null && d.partitions().size() == partitions) return;
            } catch (ExecutionException | TimeoutException e) {
                if (e instanceof ExecutionException x && !(x.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IOException("describing topic " + topic + " at " + bootstrap + " failed: " + rootMessage(x.getCause()));
                }
            }
            if (System.nanoTime() > deadlineNs) {
                throw new IOException("topic " + topic + " at " + bootstrap + " was not visible with " + partitions + " partitions within "
                        + Duration.ofMillis(VISIBLE_TIMEOUT_MS).toSeconds() + " s");
            }
            Thread.sleep(200);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
