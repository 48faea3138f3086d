package io.ringwork.runtime.processing;

import io.ringwork.core.log.LogException;
import io.ringwork.core.log.PartitionReader;
import io.ringwork.core.log.RecordLog;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes the partitions this node owns: for each, a reader takes records from the log in
 * order from the checkpoint and appends them to per-key queues; a bounded pool of workers drains
 * the queues (one key on one worker at a time, so keys run in parallel and each key in order);
 * a single committer writes the new states, changes, dead letters and advanced checkpoints in one
 * atomic batch. A record counts as applied when its commit is durable, and its change reaches the
 * feed then: at once when the commit is durable as it is written (a single node), else staged in
 * the same batch and promoted by replication ({@link Replication#stage}).
 *
 * <p>Limits: in-flight records per partition ({@link EngineConfig#maxInFlightPerPartition}), commit
 * batch size, cached key states per partition. At the in-flight limit the reader waits.
 *
 * <p>Thread-safety: public methods may be called from any thread. A storage failure or a broken
 * invariant stops the engine and is reported to {@link EngineListener#failed}; the node must
 * then stop (fail-stop), and a restart resumes from the last durable checkpoint.
 */
public final class ProcessingEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessingEngine.class);
    private static final long CHECKPOINT_PUBLISH_INTERVAL_MS = 1000;
    /** How long stopping a partition waits for its last commits to reach a quorum: the host's drain ({@code HostConfig}). */
    private static final long STOP_DRAIN_TIMEOUT_MS = io.ringwork.core.cluster.HostConfig.DEFAULTS.stopDrainMs();

    private final EngineConfig config;
    private final RecordLog log;
    private final StateStore store;
    private final RecordApplier applier;
    private final EngineListener listener;
    private final Replication replication;
    private final String checkpointGroup;
    private final AtomicReferenceArray<PartitionRunner> partitions;
    private final ExecutorService workers;
    private final Thread committer;
    /** Publishes checkpoints to the log's retention floor; its fsyncs must not delay commits. */
    private final java.util.concurrent.ScheduledExecutorService checkpointPublisher;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicInteger workerIds = new AtomicInteger();
    private volatile boolean closing;
    /**
     * True while the committer waits for work: the first worker to apply a record then wakes it,
     * so a record under light traffic waits for no timer (it waited up to commitIntervalMs, 1 ms
     * on average). Under load the committer never idles and commits what was applied meanwhile.
     */
    private volatile boolean committerIdle;
    /** The partition the next commit collects from first; commit thread only. */
    private int nextCommitStart;
    private final LongAdder applied = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    /** Records passed over as retries of an id their key applied recently (see RecentIds). */
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private final LongAdder retentionSkips = new LongAdder();

    /**
     * @param checkpointGroup name under which this engine's checkpoints protect log records from retention
     */
    public ProcessingEngine(EngineConfig config, RecordLog log, StateStore store, RecordApplier applier,
                            EngineListener listener, String checkpointGroup) {
        this(config, log, store, applier, listener, checkpointGroup, Replication.LOCAL);
    }

    /**
     * @param replication where each partition's part of a commit goes; its records count as applied
     *                    only once it reports the part durable
     */
    public ProcessingEngine(EngineConfig config, RecordLog log, StateStore store, RecordApplier applier,
                            EngineListener listener, String checkpointGroup, Replication replication) {
        this.replication = replication;
        this.config = config;
        this.log = log;
        this.store = store;
        this.applier = applier;
        this.listener = listener;
        this.checkpointGroup = checkpointGroup;
        this.partitions = new AtomicReferenceArray<>(log.partitionCount());
        this.workers = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "ringwork-worker-" + workerIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.committer = new Thread(this::commitLoop, "ringwork-committer");
        this.committer.setDaemon(true);
        this.committer.start();
        this.checkpointPublisher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringwork-checkpoint-publisher");
            t.setDaemon(true);
            return t;
        });
        this.checkpointPublisher.scheduleWithFixedDelay(this::publishCheckpointsQuietly,
                CHECKPOINT_PUBLISH_INTERVAL_MS, CHECKPOINT_PUBLISH_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Starts processing {@code partition} from its persisted checkpoint. No-op if already running. */
    public synchronized void startPartition(int partition) {
        checkUsable();
        if (partitions.get(partition) != null) return;
        long checkpoint = store.checkpoint(partition);
        PartitionRunner runner = new PartitionRunner(partition, checkpoint, config.maxInFlightPerPartition(),
                config.checkpointWindow());
        runner.reader = Thread.ofVirtual().name("ringwork-reader-" + partition).unstarted(() -> readLoop(runner));
        partitions.set(partition, runner);
        runner.reader.start();
        LOG.debug("partition {} started from checkpoint {}", partition, checkpoint);
    }

    /**
     * Stops {@code partition}: stops reading, lets in-flight records finish and commit, so the
     * persisted checkpoint covers everything that was read. Returns that checkpoint. Partitions
     * stop independently: the wait for the drain holds no lock, so other partitions start and
     * stop meanwhile (a stop that waits for a quorum must not hold up the rest).
     */
    public long stopPartition(int partition) throws InterruptedException {
        return stopPartition(partition, true);
    }

    /**
     * As {@link #stopPartition(int)}; with {@code awaitDurable} false it does not wait for the
     * in-flight records' commits to become durable (an owner deposed by a newer term: they never
     * will; the new owner applies them again).
     */
    public long stopPartition(int partition, boolean awaitDurable) throws InterruptedException {
        PartitionRunner runner;
        synchronized (this) {
            runner = partitions.get(partition);
            if (runner == null) return store.checkpoint(partition);
            runner.running = false;
        }
        runner.reader.join();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(awaitDurable ? STOP_DRAIN_TIMEOUT_MS : 0);
        while (!runner.drained() && failure.get() == null) {
            if (System.nanoTime() > deadline) {
                // No quorum for the last commits: they are in the local store, and whoever runs
                // the partition next re-applies them from its checkpoint (skipped where it holds them).
                if (awaitDurable) {
                    LOG.warn("partition {}: {} records not yet held by a quorum when stopping; leaving them to the next owner",
                            partition, runner.inFlight());
                }
                break;
            }
            Thread.sleep(1);
        }
        synchronized (this) {
            partitions.compareAndSet(partition, runner, null);
        }
        return runner.checkpoint;
    }

    /** True while this engine runs {@code partition}. */
    public boolean runs(int partition) {
        return partitions.get(partition) != null;
    }

    // ---------------------------------------------------------------- reading and dispatch

    private void readLoop(PartitionRunner runner) {
        long startNs = System.nanoTime();
        boolean first = true;
        try (PartitionReader reader = log.reader(runner.partition, runner.checkpoint + 1)) {
            long openedNs = System.nanoTime();
            checkRetained(runner.partition, runner.checkpoint + 1);
            while (runner.running && failure.get() == null) {
                List<Record> batch = reader.poll(config.pollBatch());
                if (first && !batch.isEmpty()) {
                    first = false;
                    LOG.info("partition {}: reader opened in {} ms, first {} records read {} ms after the start", runner.partition,
                            (openedNs - startNs) / 1_000_000, batch.size(), (System.nanoTime() - startNs) / 1_000_000);
                }
                if (batch.isEmpty()) {
                    runner.readPosition = reader.position();
                    // A reader whose poll waits (Kafka's long poll) already waited; awaitAppend would
                    // ask the broker for its end offsets over and over while the partition is idle.
                    if (!reader.pollWaits()) log.awaitAppend(runner.partition, reader.position(), 50);
                    continue;
                }
                for (Record record : batch) {
                    // One permit per record, so a partly free in-flight budget is used, not waited on.
                    if (!acquire(runner)) return;
                    if (!dispatch(runner, record)) {
                        runner.permits.release(); // stopping: this one was never dispatched
                        return;
                    }
                }
                runner.readPosition = reader.position();
            }
        } catch (Throwable t) {
            fail("reader of partition " + runner.partition, t);
        }
    }

    /**
     * An owner whose next record fell to the log's retention (its checkpoint is below the log's
     * start: the node was away longer than the log keeps records) cannot apply what is gone; it
     * goes on from the start, and says so loudly and in {@link #retentionSkips}.
     */
    private void checkRetained(int partition, long next) {
        long start;
        try {
            start = log.startOffset(partition);
        } catch (LogException e) {
            // A remote log out of reach: reading will wait for it; the check is not worth stopping for.
            LOG.warn("partition {}: cannot check the log's start ({}); reading from {}", partition, e.getMessage(), next);
            return;
        }
        if (start <= next) return;
        retentionSkips.increment();
        LOG.error("partition {}: the log no longer holds offsets {} to {} (retention deleted them before this node applied them); "
                + "continuing from {}: the states of their keys miss those records", partition, next, start - 1, start);
    }

    /** Times an owner found the records after its checkpoint gone to retention and went on from the log's start. */
    public long retentionSkips() {
        return retentionSkips.sum();
    }

    /** Waits for in-flight room for one record (backpressure); false if the partition stopped meanwhile. */
    private boolean acquire(PartitionRunner runner) throws InterruptedException {
        if (runner.permits.tryAcquire()) return true;
        while (!runner.permits.tryAcquire(50, TimeUnit.MILLISECONDS)) {
            if (!runner.running || failure.get() != null) return false;
        }
        return true;
    }

    /** Hands a record to its key's queue; false if the partition stopped while waiting for window room. */
    private boolean dispatch(PartitionRunner runner, Record record) throws InterruptedException {
        while (!runner.windowHasRoom()) {
            // The oldest unfinished record has been stuck for a whole window (see EngineConfig).
            if (!runner.running || failure.get() != null) return false;
            Thread.sleep(1);
        }
        synchronized (runner.tracker) {
            runner.tracker.dispatched(record.offset());
        }
        runner.lastDispatched = record.offset();
        while (true) {
            KeyQueue queue = runner.keys.computeIfAbsent(record.key(), KeyQueue::new);
            boolean schedule;
            synchronized (queue) {
                if (queue.evicted) continue;
                queue.pending.add(record);
                schedule = !queue.scheduled;
                queue.scheduled = true;
            }
            if (schedule) workers.execute(() -> drain(runner, queue));
            return true;
        }
    }

    // ---------------------------------------------------------------- applying

    private void drain(PartitionRunner runner, KeyQueue queue) {
        try {
            if (queue.state == null) queue.state = load(runner.partition, queue.key);
            for (int budget = config.drainBudget(); ; budget--) {
                Record record;
                synchronized (queue) {
                    if (budget == 0 && !queue.pending.isEmpty()) {
                        // Fairness: a hot key yields its worker and queues itself again.
                        workers.execute(() -> drain(runner, queue));
                        return;
                    }
                    record = queue.pending.poll();
                    if (record == null) {
                        // Idle: keep the encoded bytes only, so the cache costs the GC one array per key.
                        queue.state = queue.state.compact();
                        queue.scheduled = false;
                        return;
                    }
                }
                ApplyOutcome outcome = applier.apply(queue.state, record);
                queue.state = outcome.state();
                // The key keeps its decoded state for its next record; the commit needs only bytes.
                runner.applied.add(new PartitionRunner.Applied(queue, record.offset(), outcome.compact()));
                if (committerIdle) {
                    committerIdle = false;
                    LockSupport.unpark(committer);
                }
            }
        } catch (Throwable t) {
            fail("worker on key " + queue.key, t);
        }
    }

    private VersionedState load(int partition, String key) {
        StoredState stored = store.get(partition, key);
        if (stored == null) return VersionedState.ABSENT;
        return applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
    }

    // ---------------------------------------------------------------- committing

    private void commitLoop() {
        List<PartitionRunner.Applied> batch = new ArrayList<>();
        while (failure.get() == null) {
            try {
                long startNs = System.nanoTime();
                batch.clear();
                int collected = commitOnce(batch);
                if (collected == 0) {
                    if (closing && allIdle()) return;
                    long waitNs = TimeUnit.MILLISECONDS.toNanos(config.commitIntervalMs()) - (System.nanoTime() - startNs);
                    if (waitNs > 0) {
                        committerIdle = true;
                        // A record applied between the collection above and the flag is caught by
                        // the timeout; one applied after it unparks this wait.
                        LockSupport.parkNanos(waitNs);
                        committerIdle = false;
                    }
                }
            } catch (Throwable t) {
                fail("committer", t);
            }
        }
    }

    /** Collects applied records from every partition, writes them in one batch, then publishes. */
    private int commitOnce(List<PartitionRunner.Applied> batch) {
        WriteSet set = new WriteSet();
        List<Change> changes = new ArrayList<>();
        // Every change goes to the replicas (each feeds what is new to it); only this node's feed
        // skips what it fed before without the state (relayed: scale-out).
        List<Change> replicated = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        int skippedHere = 0;
        int duplicatesHere = 0;
        int[] perPartition = new int[partitions.length()];
        PartitionRunner[] runners = new PartitionRunner[partitions.length()];
        // Start where the previous commit stopped, so that when the batch limit cuts a commit short
        // no partition is always last in line (starved while others refill).
        int first = nextCommitStart;
        for (int i = 0; i < partitions.length() && batch.size() < config.maxCommitBatch(); i++) {
            int p = (first + i) % partitions.length();
            nextCommitStart = (p + 1) % partitions.length();
            PartitionRunner runner = partitions.get(p);
            if (runner == null) continue;
            runners[p] = runner;
            int before = batch.size();
            PartitionRunner.Applied entry;
            while (batch.size() < config.maxCommitBatch() && (entry = runner.applied.poll()) != null) {
                batch.add(entry);
                ApplyOutcome outcome = entry.outcome();
                switch (outcome.kind()) {
                    case APPLIED -> {
                        // A node that observed this partition (fed its changes without its state)
                        // and now runs it from scratch must not feed those versions again.
                        Change change = outcome.change();
                        replicated.add(change);
                        if (change.version() > store.fedVersion(p, change.key())) changes.add(change);
                    }
                    case REJECTED -> deadLetters.add(outcome.deadLetter());
                    case SKIPPED -> skippedHere++;
                    case DUPLICATE -> duplicatesHere++;
                    case NOTED -> { }
                }
                if (outcome.kind() != ApplyOutcome.Kind.SKIPPED) {
                    VersionedState state = outcome.state();
                    set.putState(p, entry.queue().key, StoredState.of(state));
                }
            }
            perPartition[p] = batch.size() - before;
            if (perPartition[p] > 0) set.putCheckpoint(p, complete(runner, batch.subList(before, batch.size())));
        }
        if (batch.isEmpty()) return 0;
        deadLetters.forEach(set::addDeadLetter);
        int touched = 0;
        for (int count : perPartition) if (count > 0) touched++;
        int[] written = new int[touched];
        for (int p = 0, i = 0; p < perPartition.length; p++) if (perPartition[p] > 0) written[i++] = p;
        final int skippedInBatch = skippedHere;
        // The store write and the hand-off to replication are one step for whoever reads these
        // partitions for replication (see Replication#writing).
        List<FeedEntry> feed = new ArrayList<>(changes.size());
        List<FeedEntry> counted = new ArrayList<>(changes.size());
        replication.writing(written, () -> {
            // A change reaches the feed only once a write quorum holds its commit: a partition whose
            // commit is not durable at once stages its changes, and replication promotes them when
            // it is (Replication#stage). Asked under the partitions' locks, so it holds for the
            // committed() call that follows.
            io.ringwork.core.store.Stage[] stages = new io.ringwork.core.store.Stage[perPartition.length];
            for (int p : written) {
                stages[p] = replication.stage(p);
                if (stages[p] != null) set.stage(p, stages[p]);
            }
            // Replicated writes add to the same feed: positions are taken and written under the store's monitor.
            synchronized (store) {
                long feedEnd = store.feedEnd();
                for (Change change : changes) {
                    if (stages[change.partition()] != null) {
                        set.addStagedChange(change);
                        counted.add(new FeedEntry(-1, change)); // counted as applied; no position yet
                        continue;
                    }
                    FeedEntry entry = new FeedEntry(feedEnd + feed.size(), change);
                    feed.add(entry);
                    counted.add(entry);
                    set.addChange(entry);
                }
                store.write(set);
                listener.committed(feed, deadLetters, skippedInBatch);
            }
            afterCommit(batch, runners, perPartition);
            replicate(set, replicated, deadLetters, runners, perPartition);
        });
        listener.counted(counted, deadLetters, skippedInBatch);
        applied.add(changes.size());
        rejected.add(deadLetters.size());
        skipped.add(skippedHere);
        duplicates.add(duplicatesHere);
        commits.increment();
        return batch.size();
    }

    /** Hands each partition's part of the commit to replication; its records count once that part is durable. */
    private void replicate(WriteSet set, List<Change> changes, List<DeadLetter> deadLetters, PartitionRunner[] runners,
                           int[] perPartition) {
        int n = perPartition.length;
        List<List<WriteSet.StateWrite>> states = new ArrayList<>(n);
        List<List<Change>> changesOf = new ArrayList<>(n);
        List<List<DeadLetter>> lettersOf = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            states.add(perPartition[p] == 0 ? List.of() : new ArrayList<>());
            changesOf.add(perPartition[p] == 0 ? List.of() : new ArrayList<>());
            lettersOf.add(perPartition[p] == 0 ? List.of() : new ArrayList<>());
        }
        for (WriteSet.StateWrite write : set.states()) states.get(write.partition()).add(write);
        for (Change change : changes) changesOf.get(change.partition()).add(change);
        for (DeadLetter letter : deadLetters) lettersOf.get(letter.partition()).add(letter);
        for (int p = 0; p < n; p++) {
            if (perPartition[p] == 0) continue;
            PartitionRunner runner = runners[p];
            int count = perPartition[p];
            long checkpoint = set.checkpoints().get(p);
            replication.committed(p, checkpoint, states.get(p), changesOf.get(p), lettersOf.get(p), () -> {
                // Acks of different links may settle commits of one partition on two threads at once.
                synchronized (runner) {
                    if (checkpoint > runner.checkpoint) runner.checkpoint = checkpoint;
                }
                runner.permits.release(count);
            });
        }
    }

    /** Marks records complete in the partition's tracker and returns the checkpoint to persist with them. */
    private static long complete(PartitionRunner runner, List<PartitionRunner.Applied> done) {
        synchronized (runner.tracker) {
            long checkpoint = runner.tracker.checkpoint();
            for (PartitionRunner.Applied entry : done) checkpoint = runner.tracker.completed(entry.offset());
            return checkpoint;
        }
    }

    /**
     * Marks the batch's states as held locally (so their keys may be evicted from the cache).
     * Permits and the published checkpoint wait for replication: see {@link #replicate}.
     */
    private void afterCommit(List<PartitionRunner.Applied> batch, PartitionRunner[] runners, int[] perPartition) {
        for (PartitionRunner.Applied entry : batch) {
            entry.queue().committedVersion = entry.outcome().state().version();
        }
        for (int p = 0; p < perPartition.length; p++) {
            if (perPartition[p] > 0) evictIfOverCapacity(runners[p]);
        }
    }

    /** Drops idle, fully committed key states beyond the cache size; their state is in the store. */
    private void evictIfOverCapacity(PartitionRunner runner) {
        int excess = runner.keys.size() - config.keyCacheSizePerPartition();
        if (excess <= config.keyCacheSizePerPartition() / 10) return;
        for (KeyQueue queue : runner.keys.values()) {
            if (excess <= 0) break;
            synchronized (queue) {
                boolean clean = queue.state != null && queue.committedVersion == queue.state.version();
                if (!queue.scheduled && queue.pending.isEmpty() && clean) {
                    queue.evicted = true;
                    runner.keys.remove(queue.key, queue);
                    excess--;
                }
            }
        }
    }

    private void publishCheckpointsQuietly() {
        try {
            if (failure.get() == null && !closing) publishCheckpoints();
        } catch (RuntimeException e) {
            // Retention just keeps more of the log until the next try succeeds.
            LOG.warn("publishing checkpoints to the log failed; will retry", e);
        }
    }

    private void publishCheckpoints() {
        long[] checkpoints = new long[partitions.length()];
        for (int p = 0; p < checkpoints.length; p++) {
            PartitionRunner runner = partitions.get(p);
            checkpoints[p] = runner != null ? runner.checkpoint : store.checkpoint(p);
        }
        log.commitCheckpoints(checkpointGroup, checkpoints);
    }

    private boolean allIdle() {
        for (int p = 0; p < partitions.length(); p++) {
            PartitionRunner runner = partitions.get(p);
            if (runner != null && !runner.drained()) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- status and lifecycle

    /** A partition's progress, or null if this engine does not run it. */
    public PartitionStatus status(int partition) {
        PartitionRunner runner = partitions.get(partition);
        if (runner == null) return null;
        return new PartitionStatus(partition, runner.checkpoint, runner.lastDispatched, runner.inFlight(),
                runner.keys.size(), runner.readPosition);
    }

    /**
     * Progress of one partition: everything at or below {@code checkpoint} is applied and durable;
     * {@code readPosition} is the next offset the reader reads once all before it was dispatched
     * (-1 before its first poll). Offsets may skip, so "caught up" is {@code inFlight == 0} with
     * {@code readPosition} at the log's end ({@link #caughtUp}), not a checkpoint one below it.
     */
    public record PartitionStatus(int partition, long checkpoint, long lastRead, int inFlight, int cachedKeys, long readPosition) {
        /** Whether everything the log held up to {@code endOffset} is applied and durable here. */
        public boolean caughtUp(long endOffset) {
            return inFlight == 0 && (readPosition >= endOffset || checkpoint >= endOffset - 1);
        }

        /** Offsets of the log not yet applied: an upper bound on the records, since offsets may skip. */
        public long lag(long endOffset) {
            long next = Math.max(readPosition, checkpoint + 1);
            return Math.max(0, endOffset - next) + inFlight;
        }
    }

    public long appliedCount() {
        return applied.sum();
    }

    public long rejectedCount() {
        return rejected.sum();
    }

    public long skippedCount() {
        return skipped.sum();
    }

    /** Records whose key applied a record with the same id recently: retries, applied once in effect. */
    public long duplicateCount() {
        return duplicates.sum();
    }

    public long commitCount() {
        return commits.sum();
    }

    public Throwable failure() {
        return failure.get();
    }

    private void checkUsable() {
        Invariants.check(!closing, "engine is closed");
        Throwable cause = failure.get();
        if (cause != null) throw new IllegalStateException("engine failed: " + cause, cause);
    }

    private void fail(String where, Throwable cause) {
        if (failure.compareAndSet(null, cause)) {
            LOG.error("processing stopped: {} failed", where, cause);
            listener.failed(cause);
        }
    }

    /** Stops every partition (draining in-flight records), writes final checkpoints, stops the threads. */
    @Override
    public void close() {
        try {
            for (int p = 0; p < partitions.length(); p++) {
                if (partitions.get(p) != null) stopPartitionQuietly(p);
            }
            closing = true;
            committer.join(10_000);
            if (failure.get() == null) publishCheckpoints();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closing = true;
            checkpointPublisher.shutdownNow();
            workers.shutdownNow();
        }
    }

    private void stopPartitionQuietly(int partition) throws InterruptedException {
        PartitionRunner runner = partitions.get(partition);
        runner.running = false;
        runner.reader.join();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!runner.drained() && failure.get() == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        // The committer needs the runner until its records are committed, so it stays registered.
    }
}
