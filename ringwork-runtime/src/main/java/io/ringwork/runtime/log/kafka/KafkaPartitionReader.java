package io.ringwork.runtime.log.kafka;

import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.Record;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one partition of a {@link KafkaRecordLog} on a consumer borrowed from the log's pool,
 * assigned the partition by hand. {@link #poll} returns what was fetched, or waits up to the log's
 * {@code pollWaitMs} for a fetch (which the broker answers as soon as a record arrives). Records
 * Kafka holds beyond {@code maxRecords} are kept for the next poll. Offsets strictly increase but
 * may skip (transaction markers, aborted records, records skipped as {@link KafkaRecordCodec} says).
 * Not thread-safe.
 */
final class KafkaPartitionReader implements PartitionReader {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaPartitionReader.class);

    private final KafkaRecordLog log;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition tp;
    private final ArrayDeque<Record> fetched = new ArrayDeque<>();
    /** The offset of the next record poll returns, as far as this reader knows (see {@link #position}). */
    private long position;
    /** Whether records were returned since the last seek: a jump to the start then skips records mid-read. */
    private boolean readSinceSeek;
    private boolean closed;

    KafkaPartitionReader(KafkaRecordLog log, KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long fromOffset) {
        this.log = log;
        this.consumer = consumer;
        this.tp = tp;
        try {
            consumer.assign(List.of(tp));
            consumer.seek(tp, fromOffset);
        } catch (KafkaException e) {
            throw new LogException("cannot assign " + tp + " to a Kafka reader: " + KafkaRecordLog.rootMessage(e), e);
        }
        this.position = fromOffset;
    }

    @Override
    public List<Record> poll(int maxRecords) {
        if (maxRecords <= 0) throw new IllegalArgumentException("maxRecords must be positive, got " + maxRecords);
        ensureOpen();
        log.ensureUsable();
        if (fetched.isEmpty()) fetch();
        List<Record> out = new ArrayList<>(Math.min(maxRecords, fetched.size()));
        while (out.size() < maxRecords && !fetched.isEmpty()) out.add(fetched.poll());
        if (!fetched.isEmpty()) position = fetched.peek().offset();
        else if (!out.isEmpty()) position = Math.max(position, out.get(out.size() - 1).offset() + 1);
        if (!out.isEmpty()) readSinceSeek = true;
        return out;
    }

    /** True: a poll waits up to the log's {@code pollWaitMs} for the broker's fetch, which returns once a record arrives. */
    @Override
    public boolean pollWaits() {
        return true;
    }

    /**
     * The offset of the next record {@link #poll} returns, or of the next offset Kafka will fetch:
     * past a transaction marker or a skipped record once a fetch has passed it.
     */
    @Override
    public long position() {
        return position;
    }

    /** Moves to {@code offset}; below the log's start, the next poll moves to the start. */
    @Override
    public void seek(long offset) {
        if (offset < 0) throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        ensureOpen();
        fetched.clear();
        consumer.seek(tp, offset);
        position = offset;
        readSinceSeek = false;
    }

    /** Gives the consumer back to the log's pool. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        fetched.clear();
        log.giveBack(consumer);
    }

    private void fetch() {
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(Duration.ofMillis(log.pollWaitMs()));
        } catch (OffsetOutOfRangeException e) {
            moveToStart();
            return;
        } catch (KafkaException e) {
            throw new LogException("reading " + tp + " from Kafka failed: " + KafkaRecordLog.rootMessage(e), e);
        }
        List<ConsumerRecord<byte[], byte[]>> consumedRecords = records.records(tp);
        for (ConsumerRecord<byte[], byte[]> consumed : consumedRecords) {
            Record record = KafkaRecordCodec.decode(consumed);
            if (record == null || log.partitioner().partitionOf(consumed.key()) != tp.partition()) {
                // A record ringwork cannot place (no key, or a key of another partition): applying it here
                // would split a key's state; skipping leaves a gap, which readers allow.
                log.recordSkipped();
                if (log.skippedRecords() <= 10 || Long.bitCount(log.skippedRecords()) == 1) {
                    LOG.warn("{} offset {}: skipped a record {} (skipped so far: {})", tp, consumed.offset(),
                            record == null ? "without a key" : "whose key '" + record.key() + "' belongs to partition "
                                    + log.partitioner().partitionOf(record.key()), log.skippedRecords());
                }
                continue;
            }
            fetched.add(record);
        }
        if (fetched.isEmpty()) {
            // Nothing to hand out: the position is where Kafka fetches next (past markers and skipped records).
            position = Math.max(position, consumer.position(tp, Duration.ofSeconds(10)));
        } else {
            position = fetched.peek().offset();
        }
        // A fetch that brought records told the consumer the partition's end: the log's endOffset and
        // awaitAppend learn it for free. Only then: without a fetch answered since the assign,
        // currentLag sends a request of its own for the end, and when this reader closes before
        // its answer (a catch-up batch does), the consumer's next owner gets the answer for a
        // partition it no longer has, with a WARN from Kafka's client each time.
        if (!consumedRecords.isEmpty()) {
            OptionalLong lag = consumer.currentLag(tp);
            if (lag.isPresent()) log.observedEnd(tp.partition(), consumer.position(tp, Duration.ofSeconds(10)) + lag.getAsLong());
        }
    }

    /**
     * The position is gone: below the start (retention took it; move to the start, loudly) or
     * above the end (the topic was recreated or truncated: a log error, never a silent restart).
     */
    private void moveToStart() {
        long start = log.startOffset(tp.partition());
        long end = log.endOffset(tp.partition());
        if (position > end) {
            throw new LogException(tp + ": offset " + position + " is past the end " + end
                    + " of the Kafka partition; was the topic recreated or truncated?");
        }
        if (position >= start) {
            consumer.seek(tp, position); // retention moved while asking; try again from where we were
            return;
        }
        if (readSinceSeek) {
            LOG.error("{}: offsets {} to {} were deleted by Kafka's retention while this reader was reading; continuing from {}",
                    tp, position, start - 1, start);
            log.retentionSkipped();
        } else {
            // Asked to start below the start: the contract moves it there; the opener checks the start itself
            // (a catch-up falls back to a snapshot, an owner says so and counts it).
            LOG.debug("{}: offset {} is below the start {}; reading from the start", tp, position, start);
        }
        consumer.seek(tp, start);
        position = start;
    }

    private void ensureOpen() {
        if (closed) throw new LogException("reader of " + tp + " is closed");
    }
}
