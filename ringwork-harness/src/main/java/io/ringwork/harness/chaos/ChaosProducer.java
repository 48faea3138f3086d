package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.NewRecord;
import io.ringwork.harness.chaos.ChaosWorkload.Generated;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Produces the workload at a steady rate through the nodes that are up, in rounds of 100 ms.
 * Within a round each key's records go in order over one lane, and a round ends only when every
 * lane's batch is in the log, so each key reaches the log in generation order. A failed request
 * is retried on the next node up with the same idempotency ids: the embedded log's dedupe keeps
 * every record once; the Kafka log appends it again and the node applies only the first copy,
 * which {@link #resolveRetried} finds. A batch not accepted within {@link #BATCH_DEADLINE_MS} fails the run.
 * Not thread-safe: one producer per run.
 */
final class ChaosProducer {
    static final long ROUND_MS = 100;
    static final long BATCH_DEADLINE_MS = 60_000;
    private static final int LANES = 4;

    /** Per key: log offsets of the records that produced a change, and the offset of the last record. */
    static final class KeyLog {
        final FeedHistory.LongList applied = new FeedHistory.LongList();
        long lastVersion = -1;
    }

    private final ChaosCluster cluster;
    private final ChaosWorkload workload;
    private final Map<String, KeyLog> keys = new HashMap<>();
    private final List<ChaosReport.Appended> appended = new ArrayList<>();
    private final List<Retried> retried = new ArrayList<>();
    private final AtomicInteger nextNode = new AtomicInteger();
    private final AtomicLong retries = new AtomicLong();
    private long produced;
    private long startNs;

    ChaosProducer(ChaosCluster cluster, ChaosWorkload workload) {
        this.cluster = cluster;
        this.workload = workload;
    }

    /**
     * Produces at {@code ratePerS} until {@code durationMs} after {@code startNs}, and after that for
     * as long as {@code more} says, calling {@code progress} every round with the records produced so far.
     */
    void run(long startNs, long durationMs, java.util.function.BooleanSupplier more, long ratePerS,
             java.util.function.LongConsumer progress) throws Exception {
        this.startNs = startNs;
        try (ExecutorService pool = Executors.newFixedThreadPool(LANES)) {
            double owed = 0;
            long round = 0;
            while (true) {
                long dueNs = startNs + round * ROUND_MS * 1_000_000;
                long nowNs = System.nanoTime();
                if (nowNs - startNs >= durationMs * 1_000_000 && !more.getAsBoolean()) break;
                if (dueNs > nowNs) Thread.sleep((dueNs - nowNs) / 1_000_000);
                // A round late by more than a second (a paused node held a lane) does not burst to catch up.
                if (nowNs - dueNs > 1_000_000_000L) round = (nowNs - startNs) / (ROUND_MS * 1_000_000);
                round++;
                owed += ratePerS * ROUND_MS / 1000.0;
                int n = (int) owed;
                owed -= n;
                if (n > 0) sendRound(pool, workload.next(n));
                progress.accept(produced);
            }
        }
    }

    private void sendRound(ExecutorService pool, List<Generated> round) throws Exception {
        List<List<Generated>> lanes = new ArrayList<>();
        for (int l = 0; l < LANES; l++) lanes.add(new ArrayList<>());
        for (Generated g : round) lanes.get(Math.floorMod(g.record().key().hashCode(), LANES)).add(g);
        List<Future<Acked>> answers = new ArrayList<>();
        List<List<Generated>> sent = new ArrayList<>();
        for (List<Generated> lane : lanes) {
            if (lane.isEmpty()) continue;
            sent.add(lane);
            answers.add(pool.submit(() -> sendWithRetry(lane.stream().map(Generated::record).toList())));
        }
        for (int i = 0; i < answers.size(); i++) {
            Acked acked = answers.get(i).get();
            acknowledged(sent.get(i), acked.results(), acked.atMs(), acked.retried());
        }
    }

    /**
     * Books one lane's acknowledged batch: {@code results} holds each record's partition and offset
     * in order, {@code retried} says an attempt failed before this one.
     */
    void acknowledged(List<Generated> lane, JsonNode results, long atMs, boolean retried) {
        // Per key, its last offset before this batch: a failed attempt's copies of the batch all
        // lie after it (the key's earlier records were acknowledged before this round began).
        Map<String, Long> before = new HashMap<>();
        for (int r = 0; r < lane.size(); r++) {
            JsonNode result = results.get(r);
            long offset = result.path("offset").asLong();
            int partition = result.path("partition").asInt(-1);
            NewRecord record = lane.get(r).record();
            KeyLog log = keys.computeIfAbsent(record.key(), k -> new KeyLog());
            if (retried) {
                long after = before.computeIfAbsent(record.key(), k -> log.lastVersion);
                this.retried.add(new Retried(record.key(), record.id(), partition, after, offset,
                        lane.get(r).applied() ? log.applied.size : -1, appended.size()));
            }
            log.lastVersion = Math.max(log.lastVersion, offset);
            if (lane.get(r).applied()) log.applied.add(offset);
            appended.add(new ChaosReport.Appended(partition, offset, atMs, lane.get(r).applied()));
            produced++;
        }
    }

    /** A batch's results, when its lane got them (ms since the run started), and whether an attempt failed before. */
    private record Acked(JsonNode results, long atMs, boolean retried) {}

    /**
     * A record of a batch that was sent again after a failed attempt: on a log that appends a
     * retried envelope again (Kafka), the first attempt may have been appended too, and then the
     * node applied that copy, at an offset after {@code afterOffset} (the key's record before it)
     * and before {@code retryOffset}.
     */
    record Retried(String key, String id, int partition, long afterOffset, long retryOffset, int appliedIndex, int appendedIndex) {}

    /** Where a retried record was first appended: a lookup in the log, e.g. {@code FirstCopyFinder}. */
    interface FirstCopies {
        long firstCopy(int partition, long afterOffset, long retryOffset, String id);
    }

    /** Sends one batch to the nodes up, one after another, until one accepts it. */
    private Acked sendWithRetry(List<NewRecord> batch) throws Exception {
        long deadlineNs = System.nanoTime() + BATCH_DEADLINE_MS * 1_000_000;
        Exception last = null;
        boolean failedBefore = false;
        while (System.nanoTime() < deadlineNs) {
            List<String> up = cluster.upNodes();
            if (!up.isEmpty()) {
                String node = up.get(Math.floorMod(nextNode.getAndIncrement(), up.size()));
                try {
                    JsonNode results = cluster.client(node, Duration.ofSeconds(3)).produce(batch);
                    // The lane's own time of acknowledgement: the round's wait for the other lanes is not in it.
                    if (results != null && results.size() == batch.size()) {
                        return new Acked(results, (System.nanoTime() - startNs) / 1_000_000, failedBefore);
                    }
                    last = new IllegalStateException("node " + node + " answered " + results);
                } catch (Exception e) {
                    last = e; // indefinite or definite, the same ids make the retry safe
                }
                retries.incrementAndGet();
                failedBefore = true;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("a batch was not accepted by any node within " + BATCH_DEADLINE_MS + " ms", last);
    }

    /**
     * Moves every retried record to its first copy in the log (the one applied): its applied
     * version and its appended entry. Returns how many had an earlier copy. Call after producing.
     */
    int resolveRetried(FirstCopies log) {
        int moved = 0;
        for (Retried r : retried) {
            long first = log.firstCopy(r.partition(), r.afterOffset(), r.retryOffset(), r.id());
            if (first == r.retryOffset()) continue;
            moved++;
            if (r.appliedIndex() >= 0) keys.get(r.key()).applied.values[r.appliedIndex()] = first;
            ChaosReport.Appended a = appended.get(r.appendedIndex());
            appended.set(r.appendedIndex(), new ChaosReport.Appended(a.partition(), first, a.ackMs(), a.applied()));
        }
        return moved;
    }

    /** The records of batches sent again after a failed attempt. */
    List<Retried> retried() {
        return retried;
    }

    /** Every record in the log, in the order the producer learned its offset. */
    List<ChaosReport.Appended> appended() {
        return appended;
    }

    Map<String, KeyLog> keys() {
        return keys;
    }

    long produced() {
        return produced;
    }

    long retries() {
        return retries.get();
    }
}
