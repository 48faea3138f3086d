package io.ringwork.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.record.NewRecord;
import io.ringwork.harness.kafka.KafkaBrokerProcess;
import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Kafka Streams under the peers bench: {@code instances} processes of {@link KafkaStreamsPeer} on
 * one input topic, and a reader of the output topic in this JVM (read_committed, so under
 * {@code exactly_once_v2} a result counts once its transaction committed). Per sampled key it keeps
 * the document of the output with the highest input offset: the key's document now.
 */
final class KafkaStreamsSystem implements Peer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final KafkaBrokerProcess broker;
    private final Path dir;
    private final String guarantee;
    private final int instances;
    private final int standbys;
    private final int partitions;
    private final Set<String> sampled;
    private final String input;
    private final String output;
    private final KafkaInput producer;
    private final List<PeerProcess> processes = new ArrayList<>();
    private final AtomicLongArray appliedOffset;
    private final Map<String, long[]> sampledOffset = new ConcurrentHashMap<>();
    private final Map<String, byte[]> sampledDoc = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> readerFailure = new AtomicReference<>();
    private volatile boolean closing;
    private Thread reader;

    KafkaStreamsSystem(String name, KafkaBrokerProcess broker, Path dir, String guarantee, int instances, int standbys, int partitions,
                       Set<String> sampled) throws IOException, InterruptedException {
        this.name = name;
        this.broker = broker;
        this.dir = dir;
        this.guarantee = guarantee;
        this.instances = instances;
        this.standbys = standbys;
        this.partitions = partitions;
        this.sampled = sampled;
        String unique = dir.getFileName().toString();
        this.input = unique + "-in";
        this.output = unique + "-out";
        broker.createTopic(input, partitions);
        broker.createTopic(output, partitions);
        this.producer = new KafkaInput(broker.bootstrap(), input, partitions);
        this.appliedOffset = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) appliedOffset.set(p, -1);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void fill(List<NewRecord> records) {
        producer.send(records, null);
    }

    @Override
    public void filled() {
        producer.flush();
    }

    @Override
    public void start(Outputs outputs) throws Exception {
        reader = Thread.ofPlatform().name("ks-output-reader").daemon().start(() -> read(outputs));
        for (int i = 1; i <= instances; i++) {
            // The same fixed heap as a ringwork node (NodeProcess), so neither side wins on memory.
            PeerProcess process = PeerProcess.start("ks" + i, dir.resolve("ks" + i), List.of("-Xms768m", "-Xmx768m"),
                    KafkaStreamsPeer.class.getName(), List.of(broker.bootstrap(), input, output, "app-" + dir.getFileName(), guarantee,
                            dir.resolve("ks" + i).resolve("state").toString(), Integer.toString(standbys)),
                    PeerProcess.kafkaStreamsClassPath());
            processes.add(process);
            process.awaitLine(line -> line.equals("state RUNNING"), 120_000, "Kafka Streams instance ks" + i + " to run");
        }
    }

    private void read(Outputs outputs) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) all.add(new TopicPartition(output, p));
            consumer.assign(all);
            consumer.seekToBeginning(all);
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> result : consumer.poll(Duration.ofMillis(100))) {
                    Header position = result.headers().lastHeader(KafkaStreamsPeer.POSITION_HEADER);
                    Header id = result.headers().lastHeader(KafkaRecordCodec.ID_HEADER);
                    ByteBuffer at = ByteBuffer.wrap(position.value());
                    int partition = at.getInt();
                    long offset = at.getLong();
                    appliedOffset.accumulateAndGet(partition, offset, Math::max);
                    outputs.seen(id == null ? null : new String(id.value(), StandardCharsets.UTF_8), partition);
                    String key = new String(result.key(), StandardCharsets.UTF_8);
                    if (sampled.contains(key)) {
                        long[] latest = sampledOffset.computeIfAbsent(key, k -> new long[] {-1});
                        if (offset > latest[0]) {
                            latest[0] = offset;
                            sampledDoc.put(key, result.value() == null ? new byte[0] : result.value());
                        }
                    }
                }
            }
        } catch (Throwable t) {
            if (!closing) readerFailure.set(t);
        }
    }

    /** Every instance running with partitions of its own. */
    @Override
    public void awaitReady(long timeoutMs) throws Exception {
        for (PeerProcess process : processes) awaitAssigned(process, timeoutMs);
    }

    @Override
    public void pause() throws Exception {
        for (PeerProcess process : processes) process.signal("STOP");
    }

    @Override
    public void resume() throws Exception {
        for (PeerProcess process : processes) process.signal("CONT");
    }

    @Override
    public boolean done(long total) {
        checkReader();
        for (PeerProcess process : processes) process.checkNotFailed();
        for (int p = 0; p < partitions; p++) {
            if (appliedOffset.get(p) < producer.lastOffset(p)) return false;
        }
        return true;
    }

    private void checkReader() {
        Throwable failed = readerFailure.get();
        if (failed != null) throw new IllegalStateException("reading " + output + " failed: " + failed, failed);
    }

    @Override
    public void send(List<NewRecord> records, Outputs outputs) {
        producer.send(records, outputs);
    }

    @Override
    public void flush() {
        producer.flush();
    }

    @Override
    public Map<String, JsonNode> documents(List<String> keys) throws IOException {
        Map<String, JsonNode> documents = new HashMap<>();
        for (String key : keys) {
            byte[] doc = sampledDoc.get(key);
            documents.put(key, doc == null || doc.length == 0 ? null : JSON.readTree(doc));
        }
        return documents;
    }

    @Override
    public String awaitVictimReady(long timeoutMs) throws Exception {
        PeerProcess victim = processes.getLast();
        return victim.name() + " (pid " + victim.pid() + ") " + awaitAssigned(victim, timeoutMs);
    }

    /** Waits until the instance's latest assignment has active partitions; returns that line. */
    private static String awaitAssigned(PeerProcess process, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            String line = process.awaitLine(l -> l.startsWith("tasks active="), Math.max(1, deadline - System.currentTimeMillis()),
                    "Kafka Streams instance " + process.name() + " to be assigned partitions");
            if (!line.startsWith("tasks active= ")) return line;
            if (System.currentTimeMillis() > deadline) throw new IOException("Kafka Streams instance " + process.name() + " got no partitions");
            Thread.sleep(200);
        }
    }

    @Override
    public void killOne() throws InterruptedException {
        processes.getLast().kill();
    }

    @Override
    public void close() throws Exception {
        closing = true;
        for (PeerProcess process : processes) process.kill();
        if (reader != null) reader.join(5_000);
        producer.close();
        // The input, the output and Kafka Streams' changelog: each run's topics take disk only while it runs.
        PeerProcess.deleteTopics(broker.bootstrap(), t -> t.equals(input) || t.equals(output) || t.startsWith("app-" + dir.getFileName()));
    }
}
