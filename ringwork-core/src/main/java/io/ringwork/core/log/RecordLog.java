package io.ringwork.core.log;

import io.ringwork.core.record.NewRecord;
import java.util.List;

/**
 * A partitioned, replayable log: the source of records for processing. Implementations: the
 * runtime's embedded log (files), Kafka later, and the simulator's in-memory log.
 *
 * <p>Offsets of a partition start at 0 and increase by one per record. Implementations must be
 * thread-safe. I/O failures surface as {@link LogException}.
 */
public interface RecordLog extends AutoCloseable {
    int partitionCount();

    /**
     * Appends records, each to the partition of its key, and returns once they are as durable as
     * the log's configured policy promises. Results are in the order of {@code records}. A record
     * whose non-null id was appended to its partition within the dedupe window is not appended
     * again; its result has {@code duplicate = true} and the earlier position.
     */
    List<AppendResult> append(List<NewRecord> records);

    /** A reader of one partition positioned at {@code fromOffset}. Not thread-safe. */
    PartitionReader reader(int partition, long fromOffset);

    /** The offset the next record appended to {@code partition} will get. */
    long endOffset(int partition);

    /**
     * Waits until {@code partition}'s end passes {@code position} or {@code timeoutMs} passes, and
     * says whether it did. Runtime logs block (waking at once for appends in this process); the
     * default, for logs driven by a simulator, does not block.
     */
    default boolean awaitAppend(int partition, long position, long timeoutMs) {
        return endOffset(partition) > position;
    }

    /** The lowest offset still retained in {@code partition}. */
    long startOffset(int partition);

    /**
     * Records a consumer group's checkpoints (one per partition, -1 for none): retention never
     * deletes a record above the lowest checkpoint of any group.
     */
    void commitCheckpoints(String group, long[] checkpointByPartition);

    @Override
    void close();
}
