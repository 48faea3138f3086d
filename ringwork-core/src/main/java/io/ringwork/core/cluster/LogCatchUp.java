package io.ringwork.core.cluster;

import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.Stage;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.List;

/**
 * Catch-up by applying the log, from the caller's side: a replica behind its owner replays the
 * shared log's records after its checkpoint through the same apply path as the owner
 * ({@link PartitionMachine#replay}), so it ends with the owner's states and, unlike a snapshot,
 * it can feed every change it missed. {@link PartitionFollower} decides when and asks for the
 * records ({@link PartitionFollower.LogRead}); the caller reads them here, outside its lock.
 */
public final class LogCatchUp {
    /** Where the records come from: the shared log (runtime) or the simulated one. */
    public interface Source {
        /** Up to {@code max} records of the partition from {@code fromOffset}, in offset order. */
        List<Record> read(int partition, long fromOffset, int max);

        /** The lowest offset still held (older ones fell to retention). */
        long startOffset(int partition);
    }

    private LogCatchUp() {}

    /**
     * The records {@code read} asks for, or an empty list when the log no longer holds its first
     * offset (retention took it): the follower then falls back to a snapshot. Offsets may skip
     * (see {@code RecordLog}), so a first record above {@code fromOffset} proves nothing; the start
     * is therefore checked again after the read: it only rises, so a start still at or below
     * {@code fromOffset} then means nothing between was lost to retention during the read. The end
     * offset is not checked: another process's appends may not be counted here yet, and a read that
     * stays empty below what the follower needs makes it give up.
     */
    public static List<Record> read(Source source, PartitionFollower.LogRead read) {
        if (source.startOffset(read.partition()) > read.fromOffset()) return List.of();
        List<Record> records = source.read(read.partition(), read.fromOffset(), read.max());
        if (!records.isEmpty() && records.get(0).offset() > read.fromOffset()
                && source.startOffset(read.partition()) > read.fromOffset()) {
            return List.of();
        }
        return records;
    }

    /**
     * Applies records {@code (after, upTo]} of the machine's partition in chunks of
     * {@link PartitionFollower#CATCH_UP_CHUNK}, without a follower (an owner's store built from the
     * log in tests and tools), and sets the checkpoint to {@code upTo}. Returns what it fed (nothing
     * when {@code stage} is set), or null when it cannot (records gone to retention, not readable,
     * or more than {@code maxRecords}); the chunks written before are by version: harmless.
     */
    public static List<FeedEntry> replay(Source source, PartitionMachine machine, long after, long upTo, long maxRecords, Stage stage) {
        Invariants.require(maxRecords > 0, "maxRecords must be positive");
        if (upTo <= after) return List.of();
        if (upTo - after > maxRecords) return null;
        List<FeedEntry> fed = new ArrayList<>();
        long next = after + 1;
        while (next <= upTo) {
            int max = (int) Math.min(PartitionFollower.CATCH_UP_CHUNK, upTo - next + 1);
            List<Record> records = read(source, new PartitionFollower.LogRead(0, machine.partition(), next, max, null));
            if (records.isEmpty()) return null;
            PartitionMachine.Replayed replayed = machine.replay(records, upTo, stage);
            fed.addAll(replayed.fed());
            if (replayed.nextOffset() < 0) return null;
            next = replayed.nextOffset();
        }
        return fed;
    }
}
