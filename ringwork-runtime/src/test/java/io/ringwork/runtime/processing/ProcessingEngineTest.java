package io.ringwork.runtime.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.resource.ResourceProcessor;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.testing.InMemoryRecordLog;
import io.ringwork.core.store.MemoryStateStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessingEngineTest {
    private static final int PARTITIONS = 4;
    private final CountDownLatch slowGate = new CountDownLatch(1);
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(
            new GluerProcessor(), new ResourceProcessor(), new GatedProcessor(slowGate))));
    private final InMemoryRecordLog log = new InMemoryRecordLog(PARTITIONS);
    private final MemoryStateStore store = new MemoryStateStore();
    private final List<FeedEntry> feed = Collections.synchronizedList(new ArrayList<>());
    private final List<DeadLetter> dead = Collections.synchronizedList(new ArrayList<>());
    private ProcessingEngine engine;

    private ProcessingEngine start(EngineConfig config) {
        engine = new ProcessingEngine(config, log, store, applier, (changes, deadLetters, skipped) -> {
            feed.addAll(changes);
            dead.addAll(deadLetters);
        }, "test");
        for (int p = 0; p < PARTITIONS; p++) engine.startPartition(p);
        return engine;
    }

    @AfterEach
    void close() {
        slowGate.countDown();
        if (engine != null) engine.close();
    }

    private static NewRecord rec(String key, String type, String json) {
        return new NewRecord(key, type, null, json.getBytes(StandardCharsets.UTF_8));
    }

    private long totalEnd() {
        long n = 0;
        for (int p = 0; p < PARTITIONS; p++) n += log.endOffset(p);
        return n;
    }

    private void awaitCheckpointsAtEnd() {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int p = 0; p < PARTITIONS; p++) if (store.checkpoint(p) != log.endOffset(p) - 1) return false;
            return true;
        });
    }

    @Test
    void everyKeyEndsAtTheSequentialFoldAndTheFeedIsOrderedPerKey() {
        GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(3, 4, 50, 20_000, 0.01), new SequentialFold(applier));
        start(EngineConfig.defaults());
        while (workload.hasNext()) log.append(workload.next(500));
        awaitCheckpointsAtEnd();

        workload.fold().states().forEach((key, expected) -> {
            StoredState stored = store.states().get(key);
            VersionedState actual = applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
            assertThat(actual.value()).as(key).isEqualTo(expected.value());
        });
        assertThat(feed).hasSize((int) (workload.fold().recordCount() - workload.fold().rejectedCount()));
        assertThat(dead).hasSize((int) workload.fold().rejectedCount());
        Map<String, Long> lastVersion = new HashMap<>();
        for (int i = 0; i < feed.size(); i++) {
            FeedEntry entry = feed.get(i);
            assertThat(entry.position()).isEqualTo(i);
            Long previous = lastVersion.put(entry.change().key(), entry.change().version());
            if (previous != null) assertThat(entry.change().version()).isGreaterThan(previous);
        }
        engine.close(); // publishes the final checkpoints to the log's retention floor
        for (int p = 0; p < PARTITIONS; p++) assertThat(log.committedCheckpoints("test")[p]).isEqualTo(store.checkpoint(p));
    }

    /** Head-of-line isolation: a key whose processor blocks stalls only itself. */
    @Test
    void aBlockedKeyDoesNotBlockOtherKeysOfItsPartition() {
        start(EngineConfig.defaults());
        String slowKey = "slow/1";
        int partition = new Partitioner(PARTITIONS).partitionOf(slowKey);
        List<String> sameParitionKeys = new ArrayList<>();
        for (int i = 0; sameParitionKeys.size() < 20; i++) {
            if (new Partitioner(PARTITIONS).partitionOf("r/" + i) == partition) sameParitionKeys.add("r/" + i);
        }
        log.append(List.of(rec(slowKey, "gated.x", "{}")));
        long blockedOffset = log.endOffset(partition) - 1;
        for (String key : sameParitionKeys) log.append(List.of(rec(key, "resource.create", "{\"k\":\"" + key + "\"}")));

        await().atMost(Duration.ofSeconds(10)).until(() -> sameParitionKeys.stream().allMatch(k -> store.get(partition, k) != null));
        assertThat(store.get(partition, slowKey)).isNull();
        assertThat(store.checkpoint(partition)).isLessThan(blockedOffset);

        slowGate.countDown();
        awaitCheckpointsAtEnd();
        assertThat(store.get(partition, slowKey)).isNotNull();
    }

    /** Backpressure: with a key blocked, the reader stops at the in-flight limit instead of reading on. */
    @Test
    void inFlightRecordsAreBounded() throws Exception {
        EngineConfig small = new EngineConfig(4, 16, 64, 8, 2, 1000, 1000, 64);
        start(small);
        String slowKey = "slow/2";
        int partition = new Partitioner(PARTITIONS).partitionOf(slowKey);
        log.append(List.of(rec(slowKey, "gated.x", "{}")));
        List<NewRecord> more = new ArrayList<>();
        for (int i = 0; i < 200; i++) more.add(rec(slowKey, "gated.x", "{}"));
        log.append(more);
        await().atMost(Duration.ofSeconds(5)).until(() -> engine.status(partition).inFlight() == 16);
        Thread.sleep(200); // give the reader every chance to overrun the limit
        assertThat(engine.status(partition).inFlight()).isEqualTo(16);
        assertThat(engine.status(partition).lastRead()).isEqualTo(15);
        slowGate.countDown();
        awaitCheckpointsAtEnd();
    }

    /**
     * Other keys keep flowing past a stuck record (their permits come back on commit) until the
     * checkpoint window is full; then the reader waits rather than fail, and resumes once the stuck
     * record finishes. Regression: the reader used to overrun the checkpoint tracker here.
     */
    @Test
    void aStuckRecordStallsItsPartitionOnlyAtTheCheckpointWindow() {
        start(new EngineConfig(4, 16, 64, 8, 2, 1000, 1000, 64));
        String slowKey = "slow/3";
        Partitioner partitioner = new Partitioner(PARTITIONS);
        int partition = partitioner.partitionOf(slowKey);
        log.append(List.of(rec(slowKey, "gated.x", "{}")));
        List<NewRecord> others = new ArrayList<>();
        for (int i = 0; others.size() < 200; i++) {
            if (partitioner.partitionOf("o/" + i) == partition) others.add(rec("o/" + i, "resource.create", "{}"));
        }
        log.append(others);
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.status(partition).lastRead() == 63);
        // The 63 records inside the window are applied; the rest wait for the stuck one.
        await().atMost(Duration.ofSeconds(10)).until(() -> others.stream().filter(r -> store.get(partition, r.key()) != null).count() == 63);
        assertThat(engine.failure()).isNull();
        assertThat(store.checkpoint(partition)).isEqualTo(-1);
        slowGate.countDown();
        awaitCheckpointsAtEnd();
        assertThat(engine.failure()).isNull();
    }

    @Test
    void rejectedRecordsAreDeadLetteredAndTheKeyMovesOn() {
        start(EngineConfig.defaults());
        log.append(List.of(rec("t/c", "gluer.put", "{\"a\":1}"), rec("t/c", "gluer.patch", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":9}]"),
                rec("t/c", "gluer.merge", "{\"b\":2}"), rec("t/c", "mystery.type", "{}")));
        awaitCheckpointsAtEnd();
        StoredState state = store.states().get("t/c");
        assertThat(new String(state.value(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1,\"b\":2}");
        assertThat(state.version()).isEqualTo(3);
        assertThat(dead).extracting(DeadLetter::offset).containsExactly(1L, 3L);
    }

    /** Regression: a key whose only record was rejected must reload after a restart and take the next record. */
    @Test
    void aKeyWithOnlyRejectedRecordsReloadsAfterARestart() {
        start(EngineConfig.defaults());
        log.append(List.of(rec("t/only-bad", "gluer.patch", "{\"not\":\"an array\"}")));
        awaitCheckpointsAtEnd();
        engine.close();
        start(EngineConfig.defaults());
        log.append(List.of(rec("t/only-bad", "gluer.merge", "{\"ok\":true}")));
        awaitCheckpointsAtEnd();
        assertThat(engine.failure()).isNull();
        assertThat(new String(store.states().get("t/only-bad").value(), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":true}");
    }

    @Test
    void aRestartResumesFromTheCheckpointAndAppliesNothingTwice() {
        start(EngineConfig.defaults());
        for (int i = 0; i < 1000; i++) log.append(List.of(rec("r/" + (i % 37), "resource.patch", "{\"n" + (i % 5) + "\":" + i + "}")));
        awaitCheckpointsAtEnd();
        engine.close();
        int changesBefore = feed.size();
        Map<String, StoredState> before = store.states();

        start(EngineConfig.defaults());
        log.append(List.of(rec("r/1", "resource.patch", "{\"after\":true}")));
        awaitCheckpointsAtEnd();
        assertThat(feed).hasSize(changesBefore + 1);
        assertThat(engine.skippedCount()).isZero();
        assertThat(store.states().get("r/2").version()).isEqualTo(before.get("r/2").version());
    }

    /** A record type whose processor waits for a gate: stands for a slow key. */
    static final class GatedProcessor implements Processor<JsonNode> {
        private final CountDownLatch gate;

        GatedProcessor(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override public String name() { return "gated"; }
        @Override public StateCodec<JsonNode> codec() { return JsonStateCodec.INSTANCE; }

        @Override
        public Result<JsonNode> apply(JsonNode state, Record record) {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Result.update(JsonStateCodec.mapper().createObjectNode().put("at", record.offset()));
        }
    }

    @Test
    void aStopWaitingForAQuorumDoesNotHoldUpOtherPartitions() throws Exception {
        // Replication that never reports partition 0 durable (its replicas are unreachable).
        Replication noQuorumForZero = (partition, checkpoint, states, changes, deadLetters, onDurable) -> {
            if (partition != 0) onDurable.run();
        };
        engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier, EngineListener.NONE, "test", noQuorumForZero);
        engine.startPartition(0);
        String keyOfZero = null;
        for (int i = 0; keyOfZero == null; i++) {
            if (new io.ringwork.core.id.Partitioner(PARTITIONS).partitionOf("k" + i) == 0) keyOfZero = "k" + i;
        }
        log.append(List.of(rec(keyOfZero, "resource.create", "{}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.checkpoint(0) == 0); // committed locally
        Thread stopping = Thread.ofPlatform().start(() -> {
            try {
                engine.stopPartition(0); // waits (bounded) for a quorum that does not come
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(200);
        long startNs = System.nanoTime();
        engine.startPartition(1);
        long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        assertThat(stopping.isAlive()).as("the stop of partition 0 is still waiting").isTrue();
        assertThat(engine.runs(1)).isTrue();
        assertThat(tookMs).as("starting partition 1 did not wait for partition 0's stop").isLessThan(2_000);
        stopping.join();
        assertThat(engine.runs(0)).isFalse();
    }

    /**
     * Replication as the cluster wires it (a {@link io.ringwork.core.cluster.PartitionLeader} per
     * partition, replica b behind a link the test holds): a change is on no feed, neither told
     * live nor readable by resuming, until b's answers make its commit durable.
     */
    @Test
    void aChangeReachesTheFeedOnlyOnceAQuorumHoldsItsCommit() {
        var term = new io.ringwork.core.cluster.Term(1, "a");
        MemoryStateStore replicaStore = new MemoryStateStore();
        var leaders = new io.ringwork.core.cluster.PartitionLeader[PARTITIONS];
        var followers = new io.ringwork.core.cluster.PartitionFollower[PARTITIONS];
        List<io.ringwork.core.cluster.PartitionLeader.Outbound> held = Collections.synchronizedList(new ArrayList<>());
        List<FeedEntry> promoted = Collections.synchronizedList(new ArrayList<>());
        for (int p = 0; p < PARTITIONS; p++) {
            leaders[p] = new io.ringwork.core.cluster.PartitionLeader(term, "a", io.ringwork.core.cluster.ProcessingMachine.of(p, store), 100, 0);
            followers[p] = new io.ringwork.core.cluster.PartitionFollower(io.ringwork.core.cluster.ProcessingMachine.of(p, replicaStore));
            // b's link carries every message in order (the owner matches answers to messages by their count),
            // those its answers make included: the Hello, then the starting state's durability.
            java.util.ArrayDeque<io.ringwork.core.cluster.PartitionLeader.Outbound> link =
                    new java.util.ArrayDeque<>(leaders[p].members(List.of("a", "b"), List.of(), 2, m -> true).messages());
            while (!link.isEmpty()) link.addAll(leaders[p].onAck("b", followers[p].receive(link.poll().message()).ack()).messages());
        }
        Replication cluster = new Replication() {
            @Override
            public io.ringwork.core.store.Stage stage(int partition) {
                synchronized (leaders[partition]) {
                    if (leaders[partition].durableAtOnce()) return null;
                    return new io.ringwork.core.store.Stage(new io.ringwork.core.store.StoredTerm(1, "a"), leaders[partition].nextSeq());
                }
            }

            @Override
            public void committed(int partition, long checkpoint, List<io.ringwork.core.store.WriteSet.StateWrite> states,
                                  List<io.ringwork.core.record.Change> changes, List<DeadLetter> deadLetters, Runnable onDurable) {
                synchronized (leaders[partition]) {
                    held.addAll(leaders[partition].committed(checkpoint,
                            new io.ringwork.core.cluster.ProcessingMachine.Writes(states, changes, deadLetters), onDurable).messages());
                }
            }
        };
        engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier, (changes, deadLetters, skipped) -> feed.addAll(changes),
                "test", cluster);
        for (int p = 0; p < PARTITIONS; p++) engine.startPartition(p);
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < 60; i++) records.add(rec("r/" + (i % 7), "resource.update", "{\"data\":{\"n\":" + i + "}}"));
        log.append(records);
        // Committed locally (the in-flight permits cover all 60), handed to replication, held there.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            int staged = 0;
            for (int p = 0; p < PARTITIONS; p++) staged += store.stagedCount(p);
            return staged == 60;
        });
        assertThat(feed).as("told live").isEmpty();
        assertThat(store.changes(0, 1000)).as("read by resuming").isEmpty();
        assertThat(store.feedEnd()).isZero();
        // b gets the commits and answers: each commit is durable, and its changes go on the feed.
        List<io.ringwork.core.cluster.PartitionLeader.Outbound> toDeliver;
        synchronized (held) {
            toDeliver = new ArrayList<>(held);
            held.clear();
        }
        java.util.ArrayDeque<io.ringwork.core.cluster.PartitionLeader.Outbound> link = new java.util.ArrayDeque<>(toDeliver);
        while (!link.isEmpty()) { // the commits, then what b's answers make (each advance's word of the frontier)
            var out = link.poll();
            int p = out.message().partition();
            synchronized (leaders[p]) {
                var effects = leaders[p].onAck("b", followers[p].receive(out.message()).ack());
                promoted.addAll(effects.fed());
                effects.durable().forEach(Runnable::run);
                link.addAll(effects.messages());
            }
        }
        assertThat(promoted).hasSize(60);
        assertThat(store.changes(0, 1000)).isEqualTo(promoted);
        assertThat(promoted).extracting(FeedEntry::position).containsExactlyElementsOf(
                java.util.stream.LongStream.range(0, 60).boxed().toList());
        Map<String, Long> last = new HashMap<>();
        for (FeedEntry entry : promoted) {
            assertThat(entry.change().version()).isGreaterThan(last.getOrDefault(entry.change().key(), -1L));
            last.put(entry.change().key(), entry.change().version());
        }
        for (int p = 0; p < PARTITIONS; p++) assertThat(store.stagedCount(p)).isZero();
        // The replica fed them as the owner's word of each advance came, in the same order.
        assertThat(replicaStore.changes(0, 1000)).extracting(e -> e.change().key() + "@" + e.change().version())
                .containsExactlyElementsOf(promoted.stream().map(e -> e.change().key() + "@" + e.change().version()).toList());
        awaitCheckpointsAtEnd();
    }

    @Test
    void eachStoreWriteAndItsHandOffToReplicationAreOneStep() {
        // Replication reads the partitions' states (snapshot pages, digests) under the same locks
        // that writing() takes: a state written outside it could be read before its commit is sent.
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger handedOff = new java.util.concurrent.atomic.AtomicInteger();
        Replication watching = new Replication() {
            private int[] open; // only the commit thread touches these
            private final Map<String, Long> versionsAtEntry = new HashMap<>();

            @Override
            public void writing(int[] partitions, Runnable write) {
                versionsAtEntry.clear();
                for (int p : partitions) {
                    for (var held : store.scan(p, null, Integer.MAX_VALUE)) versionsAtEntry.put(held.key(), held.state().version());
                }
                open = partitions;
                write.run();
                open = null;
            }

            @Override
            public void committed(int partition, long checkpoint, List<io.ringwork.core.store.WriteSet.StateWrite> states,
                                  List<io.ringwork.core.record.Change> changes, List<DeadLetter> deadLetters, Runnable onDurable) {
                if (open == null || java.util.Arrays.binarySearch(open, partition) < 0) {
                    violations.add("partition " + partition + " handed off outside writing()");
                }
                for (var write : states) {
                    long before = versionsAtEntry.getOrDefault(write.key(), -1L);
                    StoredState now = store.get(partition, write.key());
                    if (before >= write.state().version()) violations.add(write.key() + " was written before writing()");
                    if (now == null || now.version() < write.state().version()) violations.add(write.key() + " not yet written when handed off");
                }
                handedOff.addAndGet(states.size());
                onDurable.run();
            }
        };
        engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier, EngineListener.NONE, "test", watching);
        for (int p = 0; p < PARTITIONS; p++) engine.startPartition(p);
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < 400; i++) records.add(rec("r" + (i % 37), "resource.update", "{\"n\":" + i + "}"));
        log.append(records);
        awaitCheckpointsAtEnd();
        assertThat(violations).isEmpty();
        assertThat(handedOff.get()).as("states handed off").isPositive();
    }
    @Test
    void eachCommitIsCountedAfterItsHandOffAndOutsideItsLocks() {
        // Counting may be slow (a first use registers meters): it must not hold up the partitions'
        // locks, the store's monitor or the commit's hand-off to the other replicas.
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean insideWriting = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong handedOff = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong counted = new java.util.concurrent.atomic.AtomicLong();
        Replication watching = new Replication() {
            @Override
            public void writing(int[] partitions, Runnable write) {
                insideWriting.set(true);
                write.run();
                insideWriting.set(false);
            }

            @Override
            public void committed(int partition, long checkpoint, List<io.ringwork.core.store.WriteSet.StateWrite> states,
                                  List<io.ringwork.core.record.Change> changes, List<DeadLetter> deadLetters, Runnable onDurable) {
                handedOff.addAndGet(changes.size());
                onDurable.run();
            }
        };
        EngineListener listener = new EngineListener() {
            @Override
            public void committed(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped) {
                if (!insideWriting.get()) violations.add("published outside the commit's write");
                published.addAndGet(changes.size());
            }

            @Override
            public void counted(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped) {
                if (insideWriting.get()) violations.add("counted inside the commit's write");
                if (Thread.holdsLock(store)) violations.add("counted under the store's monitor");
                if (counted.get() + changes.size() > handedOff.get()) violations.add("counted before the hand-off");
                if (counted.get() + changes.size() != published.get()) violations.add("counted other changes than published");
                counted.addAndGet(changes.size());
            }
        };
        engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier, listener, "test", watching);
        for (int p = 0; p < PARTITIONS; p++) engine.startPartition(p);
        List<NewRecord> records = new ArrayList<>();
        for (int i = 0; i < 400; i++) records.add(rec("res/r" + i, "resource.create", "{\"n\":" + i + "}"));
        log.append(records);
        awaitCheckpointsAtEnd();
        await().atMost(Duration.ofSeconds(10)).until(() -> counted.get() == published.get());
        assertThat(violations).isEmpty();
        assertThat(counted.get()).as("changes counted").isEqualTo(400);
    }
}
