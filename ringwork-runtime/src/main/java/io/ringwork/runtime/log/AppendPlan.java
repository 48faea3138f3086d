package io.ringwork.runtime.log;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.record.NewRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code append} call split by partition: the records of each partition, in call order, as
 * one {@link PendingAppend}, and the way back to call order for the results.
 *
 * <p>{@link #run} queues every part it can without blocking, then waits for (or leads) those
 * commits, and only then blocks on the parts whose queues were full, one at a time. A caller
 * therefore never blocks on a full queue while it has uncommitted parts queued elsewhere, which
 * would let two callers wait on each other's queues forever.
 */
final class AppendPlan {
    private final int[] partitionOfRecord;
    private final int[] indexInPart;
    private final PendingAppend[] parts;

    private AppendPlan(int[] partitionOfRecord, int[] indexInPart, PendingAppend[] parts) {
        this.partitionOfRecord = partitionOfRecord;
        this.indexInPart = indexInPart;
        this.parts = parts;
    }

    /** Encodes and groups {@code records}; IllegalArgumentException for an invalid record. */
    static AppendPlan of(List<NewRecord> records, Partitioner partitioner, int maxRecordBytes) {
        int n = records.size();
        int[] partitionOfRecord = new int[n];
        int[] indexInPart = new int[n];
        List<List<EncodedRecord>> byPartition = new ArrayList<>(partitioner.partitionCount());
        for (int p = 0; p < partitioner.partitionCount(); p++) byPartition.add(null);
        for (int i = 0; i < n; i++) {
            NewRecord record = records.get(i);
            if (record == null) throw new IllegalArgumentException("record " + i + " of the batch is null");
            EncodedRecord e = EncodedRecord.of(record, partitioner, maxRecordBytes);
            List<EncodedRecord> part = byPartition.get(e.partition());
            if (part == null) byPartition.set(e.partition(), part = new ArrayList<>());
            partitionOfRecord[i] = e.partition();
            indexInPart[i] = part.size();
            part.add(e);
        }
        PendingAppend[] parts = new PendingAppend[byPartition.size()];
        for (int p = 0; p < parts.length; p++) {
            if (byPartition.get(p) != null) parts[p] = new PendingAppend(byPartition.get(p));
        }
        return new AppendPlan(partitionOfRecord, indexInPart, parts);
    }

    /** Commits every part; throws the first failure once all queued parts are done. */
    void run(Partition[] partitions) {
        List<Integer> deferred = new ArrayList<>();
        boolean[] queued = new boolean[parts.length];
        for (int p = 0; p < parts.length; p++) {
            if (parts[p] == null) continue;
            queued[p] = partitions[p].offer(parts[p]);
            if (!queued[p]) deferred.add(p);
        }
        for (int p = 0; p < parts.length; p++) {
            if (queued[p]) partitions[p].awaitCommitted(parts[p]);
        }
        LogException interrupted = null;
        for (int p : deferred) {
            try {
                partitions[p].put(parts[p]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = new LogException("interrupted while waiting for room in the append queue of partition " + p);
                break;
            }
            partitions[p].awaitCommitted(parts[p]);
        }
        for (PendingAppend part : parts) {
            // A fresh exception per caller: the leader's one carries the leader's stack.
            if (part != null && part.failure() != null) throw new LogException(part.failure().getMessage(), part.failure());
        }
        if (interrupted != null) throw interrupted;
    }

    /** Results in call order; only after a successful {@link #run}. */
    List<AppendResult> results() {
        List<AppendResult> results = new ArrayList<>(partitionOfRecord.length);
        for (int i = 0; i < partitionOfRecord.length; i++) {
            PendingAppend part = parts[partitionOfRecord[i]];
            results.add(new AppendResult(partitionOfRecord[i], part.offset(indexInPart[i]), part.duplicate(indexInPart[i])));
        }
        return results;
    }
}
