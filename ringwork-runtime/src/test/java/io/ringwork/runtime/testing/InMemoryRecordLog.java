package io.ringwork.runtime.testing;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A thread-safe in-memory log for engine tests; ids are deduplicated forever. */
public final class InMemoryRecordLog implements RecordLog {
    private final Partitioner partitioner;
    private final List<List<Record>> partitions = new ArrayList<>();
    private final Map<String, AppendResult> ids = new HashMap<>();
    private final Map<String, long[]> checkpoints = new HashMap<>();

    public InMemoryRecordLog(int partitionCount) {
        this.partitioner = new Partitioner(partitionCount);
        for (int p = 0; p < partitionCount; p++) partitions.add(new ArrayList<>());
    }

    @Override
    public int partitionCount() {
        return partitions.size();
    }

    @Override
    public synchronized List<AppendResult> append(List<NewRecord> records) {
        List<AppendResult> results = new ArrayList<>();
        for (NewRecord r : records) {
            int p = partitioner.partitionOf(r.key());
            AppendResult earlier = r.id() == null ? null : ids.get(p + "/" + r.id());
            if (earlier != null) {
                results.add(new AppendResult(p, earlier.offset(), true));
                continue;
            }
            long offset = partitions.get(p).size();
            partitions.get(p).add(new Record(p, offset, r.key(), r.type(), r.id(), System.currentTimeMillis(), r.data()));
            AppendResult result = new AppendResult(p, offset, false);
            if (r.id() != null) ids.put(p + "/" + r.id(), result);
            results.add(result);
        }
        notifyAll();
        return results;
    }

    @Override
    public synchronized boolean awaitAppend(int partition, long position, long timeoutMs) {
        if (partitions.get(partition).size() > position) return true;
        try {
            wait(timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return partitions.get(partition).size() > position;
    }

    @Override
    public PartitionReader reader(int partition, long fromOffset) {
        return new PartitionReader() {
            long position = fromOffset;

            @Override
            public List<Record> poll(int maxRecords) {
                synchronized (InMemoryRecordLog.this) {
                    List<Record> all = partitions.get(partition);
                    int from = (int) Math.min(position, all.size());
                    List<Record> out = new ArrayList<>(all.subList(from, Math.min(all.size(), from + maxRecords)));
                    position += out.size();
                    return out;
                }
            }

            @Override public long position() { return position; }
            @Override public void seek(long offset) { position = Math.max(0, offset); }
            @Override public void close() {}
        };
    }

    @Override
    public synchronized long endOffset(int partition) {
        return partitions.get(partition).size();
    }

    @Override
    public long startOffset(int partition) {
        return 0;
    }

    @Override
    public synchronized void commitCheckpoints(String group, long[] checkpointByPartition) {
        checkpoints.put(group, checkpointByPartition.clone());
    }

    public synchronized long[] committedCheckpoints(String group) {
        return checkpoints.get(group);
    }

    @Override
    public void close() {}
}
