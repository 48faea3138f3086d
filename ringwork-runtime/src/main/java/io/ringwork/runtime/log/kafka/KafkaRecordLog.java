package io.ringwork.runtime.log.kafka;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.record.NewRecord;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka topic as the log: its partitions are the log's partitions. Records are encoded by
 * {@link KafkaRecordCodec}, so any Kafka client may produce to the topic as well.
 *
 * <ul>
 *   <li><b>Append</b> produces through one idempotent producer ({@code enable.idempotence},
 *       {@code acks=all}) to the partition {@link Partitioner} names (Kafka's murmur2, as a
 *       default Java producer), and returns once Kafka acknowledged every record, with its
 *       partition and offset. It does not deduplicate ids: {@code duplicate} is always false.</li>
 *   <li><b>Readers</b> are consumers assigned one partition by hand ({@code assign}/{@code seek}),
 *       never a consumer group, and {@code read_committed} (a transactional producer's aborted
 *       records are never read). Their consumers are pooled: a closed reader gives its consumer
 *       back, so a catch-up batch does not open a connection. At most {@code maxReaders} are open.</li>
 *   <li><b>End and start offsets</b> come from the broker. The end is cached per partition and moved
 *       up by this process's appends and its readers' fetches; {@link #awaitAppend} asks the
 *       broker again at most every {@code endRefreshMs} while it waits (one request for all
 *       partitions), so it wakes within about that long for another process's append and at once
 *       for this one's. The start is asked afresh every time: a catch-up relies on it.</li>
 *   <li><b>Retention</b> is Kafka's. A reader whose position fell to it while reading moves to the
 *       start, says so at ERROR and counts it ({@link #retentionSkips}); one opened below the start
 *       just starts there (its opener checks). Checkpoints are not committed to Kafka.</li>
 *   <li><b>The partition count</b> is the topic's, read at open and checked every
 *       {@code partitionCheckMs}: when it changes, keys map to other partitions, so the log breaks
 *       (every later call throws {@link LogException}) and the node stops rather than misroute.</li>
 * </ul>
 * Thread-safe; a reader is not. Failures of Kafka surface as {@link LogException}; an append that
 * throws is indefinite.
 */
public final class KafkaRecordLog implements RecordLog {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRecordLog.class);
    /** The largest record accepted, encoded: under Kafka's default {@code max.message.bytes} (1 MiB + 12). */
    public static final int MAX_RECORD_BYTES = 1_000_000;
    private static final Duration OFFSETS_TIMEOUT = Duration.ofSeconds(10);
    /** Short: a caller waiting for an append must not sit out a broker outage in one request. */
    private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(2);

    private final KafkaLogConfig config;
    private final int partitionCount;
    private final Partitioner partitioner;
    private final List<TopicPartition> topicPartitions = new ArrayList<>();
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    /** Asks the broker for start and end offsets; a KafkaConsumer is single-threaded, so it is used under its own lock. */
    private final KafkaConsumer<byte[], byte[]> offsets;
    private final AtomicLongArray knownEnd;
    private final Object endChanged = new Object();
    private long endRefreshedNs;
    private long endFailureLoggedNs;
    private final ArrayDeque<KafkaConsumer<byte[], byte[]>> idleConsumers = new ArrayDeque<>();
    private int openReaders;
    private int consumersCreated;
    private final ScheduledExecutorService partitionCheck;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile LogException broken;
    private final AtomicLong retentionSkips = new AtomicLong();
    private final AtomicLong skippedRecords = new AtomicLong();
    private final AtomicLong endRefreshes = new AtomicLong();

    private KafkaRecordLog(KafkaLogConfig config, Admin admin, int partitionCount) {
        this.config = config;
        this.admin = admin;
        this.partitionCount = partitionCount;
        this.partitioner = new Partitioner(partitionCount);
        for (int p = 0; p < partitionCount; p++) topicPartitions.add(new TopicPartition(config.topic(), p));
        this.knownEnd = new AtomicLongArray(partitionCount);
        this.producer = new KafkaProducer<>(producerProperties(config));
        this.offsets = newConsumer("offsets");
        // Assigned every partition, though it never polls (so it never fetches): Kafka's consumer
        // files the offsets it lists under its assignment, and for a partition not assigned it
        // logs a WARN ("Not updating last stable offset ... no longer assigned") per partition and
        // request instead, which was thousands of lines a minute at endRefreshMs.
        offsets.assign(topicPartitions);
        this.partitionCheck = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringwork-kafka-partition-check");
            t.setDaemon(true);
            return t;
        });
        partitionCheck.scheduleWithFixedDelay(this::checkPartitionCount, config.partitionCheckMs(), config.partitionCheckMs(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Opens the log on {@code config.topic()}, waiting up to {@code connectTimeoutMs} for the
     * brokers to answer (saying so at WARN every attempt).
     *
     * @throws IllegalArgumentException when the topic does not exist, or the bootstrap address cannot be used
     * @throws IllegalStateException    when no broker answered within {@code connectTimeoutMs}
     */
    public static KafkaRecordLog open(KafkaLogConfig config) {
        Objects.requireNonNull(config, "config");
        Admin admin;
        try {
            admin = Admin.create(adminProperties(config));
        } catch (KafkaException e) {
            throw new IllegalArgumentException("cannot use Kafka bootstrap '" + config.bootstrap() + "': " + rootMessage(e), e);
        }
        try {
            int partitions = describePartitions(admin, config);
            LOG.info("Kafka log: topic {} at {} with {} partitions", config.topic(), config.bootstrap(), partitions);
            return new KafkaRecordLog(config, admin, partitions);
        } catch (RuntimeException e) {
            admin.close(Duration.ofSeconds(1));
            throw e;
        }
    }

    static int describePartitions(Admin admin, KafkaLogConfig config) {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.connectTimeoutMs());
        for (int attempt = 1; ; attempt++) {
            long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
            int timeoutMs = (int) Math.min(remainingMs, 5_000);
            try {
                TopicDescription description = admin.describeTopics(List.of(config.topic()), new DescribeTopicsOptions().timeoutMs(timeoutMs))
                        .allTopicNames().get(timeoutMs + 1_000L, TimeUnit.MILLISECONDS).get(config.topic());
                return description.partitions().size();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new IllegalArgumentException("Kafka topic '" + config.topic() + "' does not exist at " + config.bootstrap()
                            + "; create it first (its partition count is the log's)");
                }
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException)) {
                    throw new IllegalStateException("Kafka at " + config.bootstrap() + " refused to describe topic '" + config.topic()
                            + "': " + rootMessage(e.getCause()), e.getCause());
                }
            } catch (TimeoutException e) {
                // the same as Kafka's own timeout: not answered yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka at " + config.bootstrap(), e);
            }
            if (System.nanoTime() >= deadlineNs) {
                throw new IllegalStateException("no Kafka broker answered at " + config.bootstrap() + " within "
                        + config.connectTimeoutMs() / 1000 + " s (" + attempt + " attempts); is it running and reachable?");
            }
            LOG.warn("Kafka at {} does not answer yet (attempt {}); retrying for up to {} s more", config.bootstrap(), attempt,
                    TimeUnit.NANOSECONDS.toSeconds(Math.max(0, deadlineNs - System.nanoTime())));
        }
    }

    public KafkaLogConfig config() {
        return config;
    }

    /** The admin client this log describes its topic with; shared, not to be closed by others. */
    Admin admin() {
        return admin;
    }

    /** Producer settings as the log's own (idempotent, {@code acks=all}), for another topic of the same cluster. */
    static Properties producerSettings(KafkaLogConfig config) {
        return producerProperties(config);
    }

    @Override
    public int partitionCount() {
        return partitionCount;
    }

    /**
     * Produces {@code records} and returns their positions in call order once Kafka acknowledged all
     * of them ({@code acks=all}). Records of one call that share a partition keep their order.
     *
     * @throws IllegalArgumentException for an empty key or type, or a record over {@link #MAX_RECORD_BYTES}; nothing was sent
     * @throws LogException             when Kafka failed or timed out, or the log is closed or broken (indefinite)
     */
    @Override
    public List<AppendResult> append(List<NewRecord> records) {
        Objects.requireNonNull(records, "records");
        ensureUsable();
        if (records.isEmpty()) return List.of();
        for (NewRecord record : records) {
            if (record.key().isEmpty() || record.type().isEmpty()) throw new IllegalArgumentException("key and type must not be empty");
            int size = KafkaRecordCodec.encodedSize(record);
            if (size > MAX_RECORD_BYTES) {
                throw new IllegalArgumentException("record of key " + record.key() + " is " + size + " bytes encoded, over the "
                        + MAX_RECORD_BYTES + " a Kafka record may take");
            }
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        try {
            for (NewRecord record : records) {
                sent.add(producer.send(KafkaRecordCodec.encode(config.topic(), partitioner.partitionOf(record.key()), record)));
            }
        } catch (KafkaException e) {
            throw new LogException("producing to Kafka topic " + config.topic() + " failed; some records may be appended: " + rootMessage(e), e);
        }
        List<AppendResult> results = new ArrayList<>(records.size());
        try {
            for (Future<RecordMetadata> future : sent) {
                RecordMetadata metadata = future.get();
                results.add(new AppendResult(metadata.partition(), metadata.offset(), false));
                observedEnd(metadata.partition(), metadata.offset() + 1);
            }
        } catch (ExecutionException e) {
            throw new LogException("Kafka did not acknowledge a record for topic " + config.topic() + "; some records may be appended: "
                    + rootMessage(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogException("interrupted while waiting for Kafka's acknowledgement; some records may be appended", e);
        }
        return results;
    }

    /** A reader of {@code partition} at {@code fromOffset} on a pooled consumer (below the start: from the start). */
    @Override
    public PartitionReader reader(int partition, long fromOffset) {
        checkPartition(partition);
        if (fromOffset < 0) throw new IllegalArgumentException("fromOffset must be >= 0, got " + fromOffset);
        ensureUsable();
        KafkaConsumer<byte[], byte[]> consumer = borrowConsumer();
        try {
            return new KafkaPartitionReader(this, consumer, topicPartitions.get(partition), fromOffset);
        } catch (RuntimeException e) {
            giveBack(consumer);
            throw e;
        }
    }

    /** The next offset of {@code partition} as the broker last said (asked again at most every {@code endRefreshMs}). */
    @Override
    public long endOffset(int partition) {
        checkPartition(partition);
        ensureUsable();
        refreshEnds();
        return knownEnd.get(partition);
    }

    /**
     * The broker's end of {@code partition} now, not the cached one: another node's append that its
     * client saw acknowledged is below it (a linearizable read's index).
     */
    @Override
    public long currentEndOffset(int partition) {
        checkPartition(partition);
        ensureUsable();
        TopicPartition tp = topicPartitions.get(partition);
        Map<TopicPartition, Long> ends;
        synchronized (offsets) {
            try {
                ends = offsets.endOffsets(List.of(tp), END_OFFSETS_TIMEOUT);
            } catch (KafkaException e) {
                throw new LogException("cannot read the end offset of " + tp + " from Kafka: " + rootMessage(e), e);
            }
        }
        Long end = ends.get(tp);
        if (end == null) throw new LogException("Kafka did not say the end offset of " + tp);
        observedEnd(partition, end);
        return end;
    }

    /**
     * Waits until {@code partition}'s end is above {@code position}: at once for this process's
     * appends, within about {@code endRefreshMs} for others'.
     */
    @Override
    public boolean awaitAppend(int partition, long position, long timeoutMs) {
        checkPartition(partition);
        ensureUsable();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            if (knownEnd.get(partition) > position) return true;
            refreshEnds();
            if (knownEnd.get(partition) > position) return true;
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
            if (remainingMs <= 0 || closed.get()) return false;
            synchronized (endChanged) {
                try {
                    endChanged.wait(Math.min(remainingMs, config.endRefreshMs()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    /** The log start offset of {@code partition}, asked of the broker every time (retention moves it). */
    @Override
    public long startOffset(int partition) {
        checkPartition(partition);
        ensureUsable();
        TopicPartition tp = topicPartitions.get(partition);
        synchronized (offsets) {
            try {
                return offsets.beginningOffsets(List.of(tp), OFFSETS_TIMEOUT).get(tp);
            } catch (KafkaException e) {
                throw new LogException("cannot read the start offset of " + tp + " from Kafka: " + rootMessage(e), e);
            }
        }
    }

    /**
     * Does nothing: checkpoints live in ringwork's replicated state, and Kafka's retention is by
     * time and size, never held back by them.
     */
    @Override
    public void commitCheckpoints(String group, long[] checkpointByPartition) {}

    /** Times a reader that had been reading found its position gone to retention and moved to the start. */
    public long retentionSkips() {
        return retentionSkips.get();
    }

    /** Records readers skipped: no key, or a key of another partition (see {@link KafkaRecordCodec}). */
    public long skippedRecords() {
        return skippedRecords.get();
    }

    /** End offset requests sent to the broker so far (what {@link #awaitAppend} costs). */
    public long endRefreshes() {
        return endRefreshes.get();
    }

    /** Consumers created so far (the pool reuses them; tests check it does). */
    public synchronized int consumersCreated() {
        return consumersCreated;
    }

    /** Closes the producer (after sending what it holds), the idle consumers and the admin client. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        partitionCheck.shutdownNow();
        synchronized (endChanged) {
            endChanged.notifyAll();
        }
        List<KafkaConsumer<byte[], byte[]>> idle;
        synchronized (this) {
            idle = new ArrayList<>(idleConsumers);
            idleConsumers.clear();
        }
        for (KafkaConsumer<byte[], byte[]> consumer : idle) closeQuietly(consumer);
        synchronized (offsets) {
            closeQuietly(offsets);
        }
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (KafkaException e) {
            LOG.warn("closing the Kafka producer failed: {}", e.toString());
        }
        admin.close(Duration.ofSeconds(2));
    }

    // ---------------------------------------------------------------- for readers

    Partitioner partitioner() {
        return partitioner;
    }

    long pollWaitMs() {
        return config.pollWaitMs();
    }

    /** Moves the known end of {@code partition} up to {@code end} and wakes those waiting for it. */
    void observedEnd(int partition, long end) {
        long before;
        do {
            before = knownEnd.get(partition);
            if (end <= before) return;
        } while (!knownEnd.compareAndSet(partition, before, end));
        synchronized (endChanged) {
            endChanged.notifyAll();
        }
    }

    void retentionSkipped() {
        retentionSkips.incrementAndGet();
    }

    void recordSkipped() {
        skippedRecords.incrementAndGet();
    }

    /** Throws the log's failure (partition count changed) or that it is closed. */
    void ensureUsable() {
        LogException failure = broken;
        if (failure != null) throw failure;
        if (closed.get()) throw new LogException("Kafka log of topic " + config.topic() + " is closed");
    }

    synchronized void giveBack(KafkaConsumer<byte[], byte[]> consumer) {
        openReaders--;
        boolean keep = !closed.get() && idleConsumers.size() < config.maxIdleReaders();
        if (keep) {
            try {
                consumer.unsubscribe(); // drops the assignment and anything fetched for it
                idleConsumers.push(consumer);
                return;
            } catch (KafkaException e) {
                LOG.debug("a Kafka reader could not be reset, closing it: {}", e.toString());
            }
        }
        closeQuietly(consumer);
    }

    // ---------------------------------------------------------------- internals

    private KafkaConsumer<byte[], byte[]> borrowConsumer() {
        synchronized (this) {
            if (openReaders >= config.maxReaders()) {
                throw new LogException(openReaders + " Kafka readers are open, the most allowed; close one first");
            }
            openReaders++;
            KafkaConsumer<byte[], byte[]> idle = idleConsumers.poll();
            if (idle != null) return idle;
            consumersCreated++;
        }
        try {
            return newConsumer("reader");
        } catch (KafkaException e) {
            synchronized (this) {
                openReaders--;
            }
            throw new LogException("cannot create a Kafka consumer: " + rootMessage(e), e);
        }
    }

    /**
     * Asks the broker for every partition's end, unless someone did within {@code endRefreshMs}.
     * While the brokers do not answer, the ends stay as last known (a WARN every 10 s at most): a
     * broker outage slows the node down, it does not stop it.
     */
    private void refreshEnds() {
        synchronized (offsets) {
            long now = System.nanoTime();
            if (endRefreshedNs != 0 && now - endRefreshedNs < TimeUnit.MILLISECONDS.toNanos(config.endRefreshMs())) return;
            Map<TopicPartition, Long> ends;
            try {
                ends = offsets.endOffsets(topicPartitions, END_OFFSETS_TIMEOUT);
            } catch (KafkaException e) {
                endRefreshedNs = System.nanoTime();
                if (now - endFailureLoggedNs > TimeUnit.SECONDS.toNanos(10)) {
                    endFailureLoggedNs = now;
                    LOG.warn("cannot read the end offsets of topic {} from Kafka at {} ({}); using the last known ones",
                            config.topic(), config.bootstrap(), rootMessage(e));
                }
                return;
            }
            endRefreshes.incrementAndGet();
            endRefreshedNs = System.nanoTime();
            ends.forEach((tp, end) -> observedEnd(tp.partition(), end));
        }
    }

    private void checkPartitionCount() {
        try {
            int now = admin.describeTopics(List.of(config.topic()), new DescribeTopicsOptions().timeoutMs(5_000))
                    .allTopicNames().get(6, TimeUnit.SECONDS).get(config.topic()).partitions().size();
            if (now != partitionCount) {
                breakLog("the partition count of Kafka topic '" + config.topic() + "' changed from " + partitionCount + " to " + now
                        + " under this node; keys would map to other partitions, so this node stops processing (ringwork cannot follow"
                        + " a partition count change: restore the count or move to a new topic)");
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                breakLog("Kafka topic '" + config.topic() + "' was deleted under this node; it stops processing");
            } else {
                LOG.warn("checking the partition count of Kafka topic {} failed: {}", config.topic(), rootMessage(e.getCause()));
            }
        } catch (TimeoutException e) {
            LOG.warn("checking the partition count of Kafka topic {} timed out", config.topic());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("checking the partition count of Kafka topic {} failed: {}", config.topic(), e.toString());
        }
    }

    private void breakLog(String message) {
        if (broken != null) return;
        LOG.error(message);
        broken = new LogException(message);
        synchronized (endChanged) {
            endChanged.notifyAll();
        }
    }

    private KafkaConsumer<byte[], byte[]> newConsumer(String role) {
        Properties props = common(config);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.clientId() + "-" + role + "-" + System.identityHashCode(new Object()));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A position that retention took is the reader's to handle (it says so), never reset silently.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
        // The broker holds an empty fetch until a record arrives or this passes: the long poll that wakes a reader.
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        return new KafkaConsumer<>(props);
    }

    private static Properties producerProperties(KafkaLogConfig config) {
        Properties props = common(config);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, config.clientId() + "-producer");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put("max.in.flight.requests.per.connection", "5");
        // A caller waits for the acknowledgement anyway; 1 ms lets concurrent callers share a batch.
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        return props;
    }

    private static Properties adminProperties(KafkaLogConfig config) {
        Properties props = common(config);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, config.clientId() + "-admin");
        return props;
    }

    private static Properties common(KafkaLogConfig config) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
        // Reconnect attempts at most every 2 s while a broker is down, not Kafka's 1 s with a log line each.
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        props.putAll(new HashMap<>(config.clientProperties()));
        return props;
    }

    private void checkPartition(int partition) {
        if (partition < 0 || partition >= partitionCount) {
            throw new IllegalArgumentException("partition must be in [0, " + partitionCount + "), got " + partition);
        }
    }

    private static void closeQuietly(KafkaConsumer<byte[], byte[]> consumer) {
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(1)));
        } catch (RuntimeException e) {
            LOG.debug("closing a Kafka consumer failed: {}", e.toString());
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
