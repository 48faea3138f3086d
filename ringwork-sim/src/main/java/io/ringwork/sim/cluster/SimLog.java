package io.ringwork.sim.cluster;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The shared log of a simulated cluster, plus the reference it is checked against. Every node
 * reads the same partitions; a record never changes once appended. On append the record is also
 * folded, through the same {@link RecordApplier} the nodes use, into the expected state of its key
 * at its offset, so a checker can ask "what must a store hold for key k at version v" in O(log n).
 * Memory: every record and one expected state per record. Not thread-safe (the simulator has one thread).
 */
public final class SimLog {
    private final Partitioner partitioner;
    private final RecordApplier applier;
    private final List<List<Record>> partitions = new ArrayList<>();
    private final Map<String, TreeMap<Long, StoredState>> expected = new HashMap<>();
    private final Map<String, VersionedState> folded = new HashMap<>();
    private final Map<String, Long> lastChange = new HashMap<>();
    private final Map<Integer, List<String>> keysByPartition = new HashMap<>();

    public SimLog(int partitionCount, RecordApplier applier) {
        this.partitioner = new Partitioner(partitionCount);
        this.applier = applier;
        for (int p = 0; p < partitionCount; p++) {
            partitions.add(new ArrayList<>());
            keysByPartition.put(p, new ArrayList<>());
        }
    }

    public int partitionCount() {
        return partitions.size();
    }

    public int partitionOf(String key) {
        return partitioner.partitionOf(key);
    }

    /** Appends {@code record} at the end of its key's partition and folds it into the reference. */
    public Record append(NewRecord record, long nowMs) {
        int p = partitionOf(record.key());
        List<Record> partition = partitions.get(p);
        Record stored = new Record(p, partition.size(), record.key(), record.type(), record.id(), nowMs, record.data());
        partition.add(stored);
        VersionedState before = folded.get(record.key());
        if (before == null) {
            before = VersionedState.ABSENT;
            keysByPartition.get(p).add(record.key());
        }
        ApplyOutcome outcome = applier.apply(before, stored);
        Invariants.check(outcome.kind() != ApplyOutcome.Kind.SKIPPED, "reference skipped %s", stored);
        folded.put(record.key(), outcome.state());
        expected.computeIfAbsent(record.key(), k -> new TreeMap<>()).put(stored.offset(), toStored(outcome.state()));
        if (outcome.kind() == ApplyOutcome.Kind.APPLIED) lastChange.put(record.key(), stored.offset());
        return stored;
    }

    /** Up to {@code max} records of partition {@code p} from offset {@code from} on. */
    public List<Record> read(int p, long from, int max) {
        List<Record> partition = partitions.get(p);
        if (from >= partition.size()) return List.of();
        int start = (int) Math.max(0, from);
        return partition.subList(start, Math.min(partition.size(), start + max));
    }

    /** The offset the next record of {@code p} will get. */
    public long end(int p) {
        return partitions.get(p).size();
    }

    public long size() {
        long total = 0;
        for (List<Record> partition : partitions) total += partition.size();
        return total;
    }

    /** What a store must hold for {@code key} at {@code version}, or null if no record of the key has that offset. */
    public StoredState expectedAt(String key, long version) {
        TreeMap<Long, StoredState> byVersion = expected.get(key);
        return byVersion == null ? null : byVersion.get(version);
    }

    /** The offset of the last record of {@code key} at or below {@code offset}, or -1. */
    public long lastOffsetAtOrBelow(String key, long offset) {
        TreeMap<Long, StoredState> byVersion = expected.get(key);
        if (byVersion == null) return -1;
        Long floor = byVersion.floorKey(offset);
        return floor == null ? -1 : floor;
    }

    /** The key's state after every record appended so far, or null if it has none. */
    public StoredState finalState(String key) {
        TreeMap<Long, StoredState> byVersion = expected.get(key);
        return byVersion == null ? null : byVersion.lastEntry().getValue();
    }

    /** The offset of the last record of {@code key} that produced a change, or -1. */
    public long lastChangeOf(String key) {
        return lastChange.getOrDefault(key, -1L);
    }

    /** The keys of partition {@code p}, in the order they first appeared. */
    public List<String> keys(int p) {
        return keysByPartition.get(p);
    }

    /**
     * This log as a {@link RecordLog}, stamping appends with {@code nowMs}: what the log contract test
     * runs against, through the same {@link #append} and {@link #read} the simulated nodes use. Its
     * methods lock the view, so a test may call them from several threads. The log has no retention
     * (start 0) and keeps no checkpoints; {@code awaitAppend} does not block (the simulator's clock
     * is not the wall clock).
     */
    public RecordLog asRecordLog(LongSupplier nowMs) {
        return new RecordLog() {
            @Override
            public int partitionCount() {
                return SimLog.this.partitionCount();
            }

            @Override
            public synchronized List<AppendResult> append(List<NewRecord> records) {
                List<AppendResult> results = new ArrayList<>(records.size());
                for (NewRecord record : records) {
                    Record stored = SimLog.this.append(record, nowMs.getAsLong());
                    results.add(new AppendResult(stored.partition(), stored.offset(), false));
                }
                return results;
            }

            @Override
            public PartitionReader reader(int partition, long fromOffset) {
                Object lock = this;
                return new PartitionReader() {
                    private long position = fromOffset;

                    @Override
                    public List<Record> poll(int maxRecords) {
                        synchronized (lock) {
                            List<Record> records = List.copyOf(read(partition, position, maxRecords));
                            if (!records.isEmpty()) position = records.get(records.size() - 1).offset() + 1;
                            return records;
                        }
                    }

                    @Override
                    public long position() {
                        return position;
                    }

                    @Override
                    public void seek(long offset) {
                        position = Math.max(0, offset);
                    }

                    @Override
                    public void close() {}
                };
            }

            @Override
            public synchronized long endOffset(int partition) {
                return end(partition);
            }

            @Override
            public long startOffset(int partition) {
                return 0;
            }

            @Override
            public void commitCheckpoints(String group, long[] checkpointByPartition) {}

            @Override
            public void close() {}
        };
    }

    /** The stored form of a state, as the engine writes it. */
    public static StoredState toStored(VersionedState state) {
        return StoredState.of(state);
    }
}
