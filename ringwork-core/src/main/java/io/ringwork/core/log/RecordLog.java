package io.ringwork.core.log;

import io.ringwork.core.record.NewRecord;
import java.util.List;

/**
 * A partitioned, replayable log: the source of records for processing. Implementations: the
 * runtime's embedded log (files), the Kafka log (a topic), and the simulator's in-memory log; one
 * contract test ({@code RecordLogContract} in core's tests) runs against each.
 *
 * <p>Offsets of a partition are non-negative and strictly increase in append order, but they need
 * not be contiguous: Kafka's offsets skip transaction markers and aborted records, and a reader
 * may skip records it cannot place. So a count of records is never an offset difference (the
 * difference is an upper bound), and the next offset to read is a reader's {@link
 * PartitionReader#position}, not the last offset read plus one. Retention is the log's own (the
 * embedded log's may follow {@link #commitCheckpoints}; Kafka's is by time and size): a record
 * below {@link #startOffset} is gone, and callers that need it must notice and fall back.
 * Implementations must be thread-safe. I/O failures surface as {@link LogException}.
 */
public interface RecordLog extends AutoCloseable {
    int partitionCount();

    /**
     * Appends records, each to the partition of its key ({@code io.ringwork.core.id.Partitioner}),
     * and returns once they are as durable as the log promises (Kafka: acknowledged by
     * {@code acks=all}). Results are in the order of {@code records}; records of one call that share
     * a partition get increasing offsets in call order. A log may drop a record whose non-null id
     * it saw recently (the embedded log's dedupe window): its result then has
     * {@code duplicate = true} and the earlier position. No log is required to: deduplicating ids
     * is the processing state's job.
     */
    List<AppendResult> append(List<NewRecord> records);

    /** A reader of {@code partition} positioned at {@code fromOffset} (below the start: the start). Not thread-safe. */
    PartitionReader reader(int partition, long fromOffset);

    /**
     * Above every offset appended to {@code partition} so far (as far as this process knows; a
     * remote log may be a few milliseconds behind): the record at an offset below it exists, was
     * skipped, or fell to retention.
     */
    long endOffset(int partition);

    /**
     * Waits until {@code partition}'s end passes {@code position} or {@code timeoutMs} passes, and
     * says whether it did. Runtime logs block (waking at once for appends in this process, and
     * within a short refresh for others'); the default, for logs driven by a simulator, does not block.
     */
    default boolean awaitAppend(int partition, long position, long timeoutMs) {
        return endOffset(partition) > position;
    }

    /**
     * The end of {@code partition} as the log has it now, asked afresh: above every offset that an
     * append by any process returned before this call. A linearizable read takes it as its index
     * (the key-value store's reads). The default is {@link #endOffset}, for logs that read their
     * end afresh anyway; a log that caches its end overrides it.
     *
     * @throws LogException when the log cannot say
     */
    default long currentEndOffset(int partition) {
        return endOffset(partition);
    }

    /** The lowest offset still retained in {@code partition}; it only rises. */
    long startOffset(int partition);

    /**
     * Records a consumer group's checkpoints (one per partition, -1 for none), for the log's own
     * use: the embedded log's retention never deletes a record above the lowest checkpoint of any
     * group; other logs may ignore them.
     */
    void commitCheckpoints(String group, long[] checkpointByPartition);

    @Override
    void close();
}
