package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.record.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads one partition of an {@link EmbeddedLog} straight from its segment files, so it sees
 * appends of every process. {@link #poll} never blocks: it returns the complete, valid records
 * available now, and an empty list at the end (pair it with {@link EmbeddedLog#awaitAppend}).
 * A corrupt record throws {@link LogException} (once the good records before it were returned)
 * and is never returned.
 *
 * <p>Meant for one thread; its methods are synchronized only so that closing the log can close
 * it safely.
 */
final class EmbeddedPartitionReader implements PartitionReader {
    private final PartitionFiles files;
    private final FrameCursor cursor;
    private final Consumer<EmbeddedPartitionReader> onClose;
    private boolean closed;

    EmbeddedPartitionReader(PartitionFiles files, long fromOffset, Consumer<EmbeddedPartitionReader> onClose) {
        this.files = files;
        this.cursor = new FrameCursor(files, Math.max(fromOffset, files.startOffset()));
        this.onClose = onClose;
    }

    /** Up to {@code maxRecords} (positive) records from the position, in offset order. */
    @Override
    public synchronized List<Record> poll(int maxRecords) {
        if (maxRecords <= 0) throw new IllegalArgumentException("maxRecords must be positive, got " + maxRecords);
        ensureOpen();
        // No list until there is a record: an owner's reader polls an idle partition every few
        // milliseconds (PartitionTail), and an empty list per poll was a good part of an idle
        // node's allocation.
        List<Record> records = null;
        try {
            while ((records == null || records.size() < maxRecords) && cursor.next()) {
                if (records == null) records = new ArrayList<>(Math.min(maxRecords, 256));
                records.add(cursor.frame().decodeFrame(files.partition()));
            }
        } catch (LogException e) {
            // Hand out the good records before the failure; the cursor stays at the bad frame,
            // so the next poll throws again.
            if (records == null) throw e;
        }
        return records == null ? List.of() : records;
    }

    @Override
    public synchronized long position() {
        return cursor.target();
    }

    /** Moves to {@code offset} (non-negative); below the log's start it moves to the start. */
    @Override
    public synchronized void seek(long offset) {
        if (offset < 0) throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        ensureOpen();
        cursor.seek(Math.max(offset, files.startOffset()));
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        cursor.close();
        onClose.accept(this);
    }

    private void ensureOpen() {
        if (closed) throw new LogException("reader of " + files.dir() + " is closed");
    }
}
