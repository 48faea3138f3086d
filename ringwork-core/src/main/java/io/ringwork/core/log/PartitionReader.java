package io.ringwork.core.log;

import io.ringwork.core.record.Record;
import java.util.List;

/**
 * Reads one partition in offset order. Never returns a corrupt or partially written record: a
 * record that is not complete yet is simply not returned until it is. Not thread-safe.
 */
public interface PartitionReader extends AutoCloseable {
    /** Up to {@code maxRecords} records from the current position; empty when none are available now. Never blocks. */
    List<Record> poll(int maxRecords);

    /** The offset of the next record {@link #poll} returns. */
    long position();

    /** Moves to {@code offset}; an offset below the log's start moves to the start. */
    void seek(long offset);

    @Override
    void close();
}
