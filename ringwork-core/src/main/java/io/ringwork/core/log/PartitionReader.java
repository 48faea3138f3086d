package io.ringwork.core.log;

import io.ringwork.core.record.Record;
import java.util.List;

/**
 * Reads one partition in offset order. Never returns a corrupt or partially written record: a
 * record that is not complete yet is simply not returned until it is. Offsets of the records
 * returned strictly increase but may skip (see {@link RecordLog}). Not thread-safe.
 */
public interface PartitionReader extends AutoCloseable {
    /**
     * Up to {@code maxRecords} records from the current position; empty when none are available now.
     * A local log never blocks; a remote one may wait briefly (bounded by its configuration, tens of
     * milliseconds) for a fetch.
     */
    List<Record> poll(int maxRecords);

    /**
     * True when {@link #poll} itself waits for records to arrive (a remote log's long poll: the
     * broker answers as soon as one does), so a caller that found nothing polls again instead of
     * waiting in {@link RecordLog#awaitAppend}, which for such a log means asking the remote end
     * for its offsets. False (the default) for a log whose poll never blocks.
     */
    default boolean pollWaits() {
        return false;
    }

    /**
     * The next offset to read: at most the offset of the next record {@link #poll} returns (which
     * may be higher when offsets skip), and never below an offset already returned plus one.
     */
    long position();

    /** Moves to {@code offset}; an offset below the log's start moves to the start (at the latest by the next poll). */
    void seek(long offset);

    @Override
    void close();
}
