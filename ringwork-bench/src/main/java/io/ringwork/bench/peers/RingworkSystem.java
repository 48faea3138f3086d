package io.ringwork.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.NewRecord;
import io.ringwork.harness.kafka.KafkaBrokerProcess;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.log.EmbeddedLog;
import io.ringwork.runtime.log.LogConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * ringwork under the peers bench: {@code nodes} real node processes, on a Kafka topic (with a
 * changes topic, read here for the results) or on an embedded log in a directory of this machine
 * (created by the nodes and filled by this JVM while they are paused; results read from node 1's
 * change feed, SSE).
 * Progress and completion come from the nodes' {@code /metrics}; documents from {@code /v1/state}.
 */
final class RingworkSystem implements Peer {
    private final String name;
    private final Path dir;
    private final int nodeCount;
    private final int partitions;
    private final KafkaBrokerProcess broker; // null: the embedded log
    private final String topic;
    private final String changesTopic;
    private final KafkaInput kafkaInput;
    private EmbeddedLog fillLog;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<RingworkClient> clients = new ArrayList<>();
    private final AtomicReference<Throwable> readerFailure = new AtomicReference<>();
    /** Results read so far (changes topic or feed), copies included; what {@link #done} looks at first. */
    private final java.util.concurrent.atomic.AtomicLong resultsRead = new java.util.concurrent.atomic.AtomicLong();
    private long lastScrapeNs;
    private volatile boolean closing;
    private Thread reader;
    private boolean killed;

    RingworkSystem(String name, KafkaBrokerProcess broker, Path dir, int nodes, int partitions) throws IOException, InterruptedException {
        this.name = name;
        this.dir = dir;
        this.nodeCount = nodes;
        this.partitions = partitions;
        this.broker = broker;
        String unique = dir.getFileName().toString();
        this.topic = unique + "-in";
        this.changesTopic = unique + "-changes";
        if (broker != null) {
            broker.createTopic(topic, partitions);
            broker.createTopic(changesTopic, partitions);
            this.kafkaInput = new KafkaInput(broker.bootstrap(), topic, partitions);
        } else {
            this.kafkaInput = null;
        }
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * On the embedded log the bench appends beside the paused nodes: several processes may append
     * to one log directory (each append takes the log's file lock), and an idle node holds none.
     */
    @Override
    public void fill(List<NewRecord> records) {
        if (kafkaInput != null) {
            kafkaInput.send(records, null);
            return;
        }
        if (fillLog == null) fillLog = EmbeddedLog.open(LogConfig.defaults(dir.resolve("log")).withPartitionCount(partitions));
        fillLog.append(records);
    }

    @Override
    public void filled() {
        if (kafkaInput != null) kafkaInput.flush();
        if (fillLog != null) {
            fillLog.close(); // the nodes open the log next; it takes one writer lock
            fillLog = null;
        }
    }

    @Override
    public void start(Outputs outputs) throws Exception {
        List<String> logArgs = broker != null
                ? List.of("--kafka", broker.bootstrap(), "--topic", topic, "--changes-topic", changesTopic)
                : List.of("--log-dir", dir.resolve("log").toString(), "--partitions", Integer.toString(partitions));
        // All nodes start together, so a cluster of three meets the filled log as three: node 1 on
        // a port chosen here, the others seeded with it.
        String seed = "127.0.0.1:" + freePort();
        for (int i = 1; i <= nodeCount; i++) {
            List<String> args = new ArrayList<>(logArgs);
            if (i > 1) args.addAll(List.of("--seeds", seed));
            nodes.add(NodeProcess.start("n" + i, dir.resolve("n" + i), List.of(), "127.0.0.1:0", i == 1 ? seed : "127.0.0.1:0", args));
        }
        for (NodeProcess node : nodes) clients.add(new RingworkClient(node.awaitReady(120_000), Duration.ofSeconds(30)));
        if (broker != null) {
            reader = Thread.ofPlatform().name("rw-changes-reader").daemon().start(() -> readChanges(outputs));
        } else {
            reader = Thread.ofPlatform().name("rw-feed-reader").daemon().start(() -> readFeed(outputs));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void readChanges(Outputs outputs) {
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
            for (int p = 0; p < partitions; p++) all.add(new TopicPartition(changesTopic, p));
            consumer.assign(all);
            consumer.seekToBeginning(all);
            while (!closing) {
                for (ConsumerRecord<byte[], byte[]> change : consumer.poll(Duration.ofMillis(100))) {
                    // A deletion's change is a tombstone (a null value, for compaction) and names no
                    // record id: it is not timed.
                    if (change.value() == null) continue;
                    String json = new String(change.value(), StandardCharsets.UTF_8);
                    resultsRead.incrementAndGet();
                    outputs.seen(Outputs.stringField(json, "id"), (int) Outputs.numberField(json, "partition"));
                }
            }
        } catch (Throwable t) {
            if (!closing) readerFailure.set(t);
        }
    }

    private void readFeed(Outputs outputs) {
        try {
            clients.getFirst().changes(null, json -> {
                resultsRead.incrementAndGet();
                outputs.seen(Outputs.stringField(json, "id"), (int) Outputs.numberField(json, "partition"));
            }, true);
        } catch (InterruptedException e) {
            // closing
        } catch (Throwable t) {
            if (!closing) readerFailure.set(t);
        }
    }

    private void checkReader() {
        Throwable failed = readerFailure.get();
        if (failed != null) throw new IllegalStateException("reading the results of " + name + " failed: " + failed, failed);
    }

    /** Every partition owned by its target owner (the ring settled over all the nodes). */
    @Override
    public void awaitReady(long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            JsonNode parts = clients.getFirst().cluster().path("ownership").path("partitions");
            java.util.Set<String> owners = new java.util.HashSet<>();
            boolean settled = parts.size() == partitions;
            for (JsonNode p : parts) {
                if (!p.path("owner").asText().equals(p.path("target").asText())) settled = false;
                owners.add(p.path("owner").asText());
            }
            if (settled && owners.size() == Math.min(nodeCount, partitions)) return;
            Thread.sleep(250);
        }
        throw new IOException("timed out after " + timeoutMs + " ms waiting for the " + nodeCount + " nodes of " + name + " to own every partition");
    }

    @Override
    public void pause() throws Exception {
        for (NodeProcess node : nodes) node.pause();
    }

    @Override
    public void resume() throws Exception {
        for (NodeProcess node : nodes) node.resume();
    }

    /**
     * Every record applied: the owners' counts of records applied or rejected (a replica's copies
     * are counted elsewhere) reach {@code total}, and no node has a partition lag.
     * After a kill the victim's counts are gone, so then only the lags count.
     */
    @Override
    public boolean done(long total) throws Exception {
        checkReader();
        // The metrics decide; but while the results read are still well short of the total, asking
        // the nodes every 50 ms would load the system being measured (Kafka Streams' check only
        // reads its output), so then they are asked twice a second. A rejected record has no
        // result, hence the margin and the slow asking rather than a count alone.
        long nowNs = System.nanoTime();
        if (!killed && resultsRead.get() < total * 0.98 && nowNs - lastScrapeNs < 500_000_000L) return false;
        lastScrapeNs = nowNs;
        long sum = 0;
        for (int i = 0; i < nodes.size(); i++) {
            NodeProcess node = nodes.get(i);
            if (!node.isAlive()) {
                if (!killed) throw new IllegalStateException("node " + node.nodeId() + " of " + name + " exited; see " + node.output());
                continue;
            }
            String metrics = clients.get(i).get(DONE_METRICS).asText();
            if (metric(metrics, "ringwork_partitions_lag") != 0) return false;
            sum += metric(metrics, "ringwork_records_applied_total") + metric(metrics, "ringwork_records_rejected_total");
        }
        return killed || sum >= total;
    }

    /**
     * Only the three series {@link #done} reads: it asks every 50 ms, and the whole scrape (about
     * 33 KB of text, every histogram bucket) took a few ms of the measured node's CPU each time.
     */
    private static final String DONE_METRICS = "/metrics?name%5B%5D=ringwork_partitions_lag"
            + "&name%5B%5D=ringwork_records_applied_total&name%5B%5D=ringwork_records_rejected_total";

    static long metric(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Override
    public void send(List<NewRecord> records, Outputs outputs) throws Exception {
        if (kafkaInput != null) {
            kafkaInput.send(records, outputs);
            return;
        }
        // POST /v1/events answers once its records are durable in the log, so one client at a time
        // cannot offer much; a few lanes post at once, each key always on the same lane, so its
        // pieces reach the log in the order generated.
        List<List<NewRecord>> byLane = new ArrayList<>();
        for (int i = 0; i < LANES; i++) byLane.add(new ArrayList<>());
        for (NewRecord record : records) byLane.get(Math.floorMod(record.key().hashCode(), LANES)).add(record);
        for (int i = 0; i < LANES; i++) {
            if (byLane.get(i).isEmpty()) continue;
            long now = System.nanoTime();
            for (NewRecord record : byLane.get(i)) outputs.sent(record.id(), now);
            lane(i).put(byLane.get(i)); // blocks while the lane is full: bounded
        }
    }

    private static final int LANES = 4;
    private final List<java.util.concurrent.BlockingQueue<List<NewRecord>>> lanes = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger posting = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicReference<Throwable> laneFailure = new AtomicReference<>();

    private java.util.concurrent.BlockingQueue<List<NewRecord>> lane(int i) {
        checkLanes();
        if (lanes.isEmpty()) {
            for (int l = 0; l < LANES; l++) {
                java.util.concurrent.BlockingQueue<List<NewRecord>> queue = new java.util.concurrent.ArrayBlockingQueue<>(64);
                lanes.add(queue);
                Thread.ofPlatform().name("rw-post-" + l).daemon().start(() -> {
                    try {
                        while (!closing) {
                            List<NewRecord> batch = queue.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                            if (batch == null) continue;
                            try {
                                clients.getFirst().produce(batch);
                            } finally {
                                posting.decrementAndGet();
                            }
                        }
                    } catch (Throwable t) {
                        if (!closing) laneFailure.compareAndSet(null, t);
                    }
                });
            }
        }
        posting.incrementAndGet();
        return lanes.get(i);
    }

    private void checkLanes() {
        Throwable failed = laneFailure.get();
        if (failed != null) throw new IllegalStateException("posting to " + name + " failed: " + failed, failed);
    }

    @Override
    public void flush() throws InterruptedException {
        if (kafkaInput != null) kafkaInput.flush();
        long deadline = System.currentTimeMillis() + 120_000;
        while (posting.get() > 0) {
            checkLanes();
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("posts to " + name + " still pending after 120 s");
            Thread.sleep(10);
        }
        checkLanes();
    }

    @Override
    public Map<String, JsonNode> documents(List<String> keys) throws Exception {
        RingworkClient client = null;
        for (int i = 0; i < nodes.size() && client == null; i++) if (nodes.get(i).isAlive()) client = clients.get(i);
        Map<String, JsonNode> documents = new HashMap<>();
        for (String key : keys) {
            JsonNode served = client.state(key);
            documents.put(key, served == null ? null : served.get("value"));
        }
        return documents;
    }

    /** The last node, once the cluster gave it partitions to own. */
    @Override
    public String awaitVictimReady(long timeoutMs) throws Exception {
        NodeProcess victim = nodes.getLast();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            List<Integer> owned = new ArrayList<>();
            boolean settled = true;
            JsonNode parts = clients.getFirst().cluster().path("ownership").path("partitions");
            for (JsonNode p : parts) {
                if (!p.path("owner").asText().equals(p.path("target").asText())) settled = false;
                if (p.path("owner").asText().equals(victim.nodeId())) owned.add(p.path("partition").asInt());
            }
            if (settled && parts.size() == partitions && !owned.isEmpty()) return victim.nodeId() + " owns partitions " + owned;
            Thread.sleep(250);
        }
        throw new IOException("timed out waiting for node " + victim.nodeId() + " of " + name + " to own partitions");
    }

    @Override
    public void killOne() throws InterruptedException {
        killed = true;
        nodes.getLast().kill();
    }

    @Override
    public void close() throws Exception {
        closing = true;
        if (reader != null && broker == null) reader.interrupt(); // the feed's blocking read; a Kafka reader sees closing within a poll
        for (NodeProcess node : nodes) node.close();
        if (reader != null) reader.join(5_000);
        if (fillLog != null) fillLog.close();
        if (kafkaInput != null) {
            kafkaInput.close();
            PeerProcess.deleteTopics(broker.bootstrap(), t -> t.equals(topic) || t.equals(changesTopic));
        }
    }
}
