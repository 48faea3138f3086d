package io.ringwork.runtime.processing;

import io.ringwork.core.util.Invariants;

/**
 * Tuning of the processing engine. Immutable.
 *
 * @param workerThreads            threads applying records; one key is on at most one of them at a time,
 *                                 so a slow key occupies one thread and the rest keep going
 * @param maxInFlightPerPartition  records read but not yet committed, per partition (bounds their
 *                                 memory); the reader waits at this limit (backpressure)
 * @param checkpointWindow         offsets from a partition's oldest unfinished record to its newest
 *                                 read; the reader waits at this limit too, so a key stuck for this
 *                                 many later records stalls its partition
 * @param pollBatch                records a reader takes from the log at once; at most maxInFlightPerPartition
 * @param commitIntervalMs         how long an idle committer waits before it looks for work again; the first
 *                                 applied record wakes it sooner, so this bounds only a missed wake-up
 * @param maxCommitBatch           records per commit at most (bounds the write batch's memory)
 * @param keyCacheSizePerPartition decoded key states kept in memory per partition; idle, committed
 *                                 keys beyond it are evicted after a commit
 * @param drainBudget              records one worker applies for a key before yielding to other keys
 */
public record EngineConfig(int workerThreads, int maxInFlightPerPartition, int checkpointWindow, int pollBatch, long commitIntervalMs,
                           int maxCommitBatch, int keyCacheSizePerPartition, int drainBudget) {
    public EngineConfig {
        Invariants.require(workerThreads > 0, "workerThreads must be positive, got %s", workerThreads);
        Invariants.require(maxInFlightPerPartition > 0, "maxInFlightPerPartition must be positive");
        Invariants.require(checkpointWindow >= maxInFlightPerPartition, "checkpointWindow must be >= maxInFlightPerPartition");
        Invariants.require(pollBatch > 0 && pollBatch <= maxInFlightPerPartition,
                "pollBatch must be in [1, maxInFlightPerPartition], got %s", pollBatch);
        Invariants.require(commitIntervalMs > 0, "commitIntervalMs must be positive");
        Invariants.require(maxCommitBatch > 0, "maxCommitBatch must be positive");
        Invariants.require(keyCacheSizePerPartition >= 0, "keyCacheSizePerPartition must be >= 0");
        Invariants.require(drainBudget > 0, "drainBudget must be positive");
    }

    public static EngineConfig defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new EngineConfig(Math.max(4, cores * 2), 4096, 65_536, 512, 2, 16_384, 20_000, 256);
    }

    public EngineConfig withWorkerThreads(int n) {
        return new EngineConfig(n, maxInFlightPerPartition, checkpointWindow, pollBatch, commitIntervalMs, maxCommitBatch,
                keyCacheSizePerPartition, drainBudget);
    }
}
