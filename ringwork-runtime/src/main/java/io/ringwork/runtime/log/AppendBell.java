package io.ringwork.runtime.log;

import io.ringwork.core.log.LogException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code append.bell}: one counter per partition in a file every process of the log maps into
 * memory. A writer adds one to its partition's counter after each commit; a watcher learns that
 * another process appended by reading the counters, without touching the partition's files.
 *
 * <p>Before the bell, every waiting reader re-read its partition's files every few milliseconds to
 * notice other processes' appends: an idle node owning 64 partitions spent about half a core
 * doing it. The counters are a hint, never the truth: a process may die between its write and its
 * ring, and a process of an older version does not ring at all, so the tail still re-reads every
 * partition now and then ({@link PartitionTail}).
 *
 * <p>Counters are 8-byte slots in native byte order, changed with an atomic add (a locked
 * instruction on the shared page, so rings of several processes all count). The file only grows:
 * a process that maps it while another already rings keeps the counts. The mapping has no close:
 * it goes with the last reference. Thread-safe.
 */
final class AppendBell {
    static final String FILE = "append.bell";
    private static final VarHandle SLOT = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final MappedByteBuffer slots;

    private AppendBell(MappedByteBuffer slots) {
        this.slots = slots;
    }

    /** Maps the bell of the log in {@code dir} (created, zeroed, when missing). */
    static AppendBell open(Path dir, int partitions) {
        Path path = dir.resolve(FILE);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Mapping past the end grows the file with zeros; the mapping outlives the channel.
            return new AppendBell(channel.map(FileChannel.MapMode.READ_WRITE, 0, (long) partitions * Long.BYTES));
        } catch (IOException e) {
            throw new LogException("cannot map " + path + ": " + e.getMessage(), e);
        }
    }

    /** Tells every process that {@code partition} grew; returns the partition's count after this ring. */
    long ringAndGet(int partition) {
        return (long) SLOT.getAndAdd(slots, partition * Long.BYTES, 1L) + 1;
    }

    /** How often {@code partition} was rung since the bell was created. */
    long rings(int partition) {
        return (long) SLOT.getVolatile(slots, partition * Long.BYTES);
    }
}
