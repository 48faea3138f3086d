package io.ringwork.sim.cluster;

import io.ringwork.core.kv.KvAnswers;
import io.ringwork.core.kv.KvOutcome;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.core.kv.KvState;
import io.ringwork.core.lincheck.Budget;
import io.ringwork.core.lincheck.CheckResult;
import io.ringwork.core.lincheck.HistoryBuilder;
import io.ringwork.core.lincheck.LinearizabilityChecker;
import io.ringwork.core.lincheck.VersionedKvModel;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.Record;
import io.ringwork.core.time.RandomSource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Clients of the key-value store in the simulated cluster, doing what {@code KvHandlers} does on a
 * node with the same rules ({@link KvAnswers}): a write is appended to the log, then the client
 * reads the key on a replica until its answer is there and a write quorum holds it; a read takes
 * the partition's log end and answers from a replica whose checkpoint reached it. The replica is
 * any member holding the partition, chosen at random at every poll, deposed owners and lagging
 * followers included: the answers must not depend on which one. Every operation goes into a
 * history that {@link #check} hands to the linearizability checker after the run.
 *
 * <p>Bounded: {@link #OPERATIONS_PER_CLIENT} operations per client, a write gives up after
 * {@link #TIMEOUT_MS} (indeterminate), a read too (left out: it had no effect).
 */
final class KvClients {
    static final int CLIENTS = 4;
    static final int OPERATIONS_PER_CLIENT = 30;
    static final List<String> KEYS = List.of("h0", "h1");
    static final long TIMEOUT_MS = 10_000;
    private static final long POLL_MS_MIN = 10;
    private static final long POLL_MS_MAX = 30;

    private final ProcessingCluster cluster;
    private final RandomSource random;
    private final RecordApplier applier;
    private final HistoryBuilder<VersionedKvModel.Input, VersionedKvModel.Output> history = new HistoryBuilder<>();
    private final long[] lastVersion = new long[CLIENTS];
    private long operations;
    private long indeterminate;
    private long lastNanos;
    private long writes;

    KvClients(ProcessingCluster cluster, RandomSource random, RecordApplier applier) {
        this.cluster = cluster;
        this.random = random;
        this.applier = applier;
    }

    /** Starts every client; none starts an operation after {@code untilMs}. */
    void start(long untilMs) {
        for (int c = 0; c < CLIENTS; c++) next(c, 0, untilMs);
    }

    long operations() {
        return operations;
    }

    /** Records the clients appended to the log. */
    long writes() {
        return writes;
    }

    long indeterminate() {
        return indeterminate;
    }

    private void next(int client, int done, long untilMs) {
        if (done >= OPERATIONS_PER_CLIENT) return;
        cluster.at(cluster.nowMs() + 1 + random.nextInt(20), () -> {
            if (cluster.nowMs() >= untilMs) return;
            String key = KEYS.get(random.nextInt(KEYS.size()));
            int roll = random.nextInt(100);
            Runnable then = () -> next(client, done + 1, untilMs);
            if (roll < 35) read(client, key, then);
            else if (roll < 60) write(client, new VersionedKvModel.Write(key, client + "-" + done), then);
            else if (roll < 90) write(client, new VersionedKvModel.Cas(key, lastVersion[client], client + "-" + done), then);
            else write(client, new VersionedKvModel.Delete(key, VersionedKvModel.ANY_VERSION), then);
        });
    }

    // ---------------------------------------------------------------- writes

    private void write(int client, VersionedKvModel.Input input, Runnable then) {
        String recordKey = KvProcessor.KEY_PREFIX + input.key();
        String type = input instanceof VersionedKvModel.Delete ? KvProcessor.DELETE : KvProcessor.PUT;
        String data = switch (input) {
            case VersionedKvModel.Write w -> "{\"value\":\"" + w.value() + "\"}";
            case VersionedKvModel.Cas c -> "{\"value\":\"" + c.value() + "\",\"ifVersion\":" + c.ifVersion() + "}";
            default -> "{}";
        };
        history.call(client, input, nanos());
        operations++;
        writes++;
        Record appended = cluster.log().append(new NewRecord(recordKey, type, null, data.getBytes(StandardCharsets.UTF_8)),
                cluster.nowMs());
        awaitWrite(client, input, appended, cluster.nowMs() + TIMEOUT_MS, 0, then);
    }

    private void awaitWrite(int client, VersionedKvModel.Input input, Record appended, long deadlineMs, long delayMs, Runnable then) {
        cluster.at(cluster.nowMs() + delayMs, () -> {
            SimProcessingNode replica = anyReplica(appended.partition());
            if (replica != null) {
                var store = replica.store();
                KvAnswers.Write write = KvAnswers.write(store.get(appended.partition(), appended.key()),
                        store.feedCheckpoint(appended.partition()), appended.offset(), null, applier);
                switch (write) {
                    case KvAnswers.Write.Answered answered -> {
                        KvOutcome outcome = answered.outcome();
                        if (outcome.code() == KvOutcome.Code.OK && !(input instanceof VersionedKvModel.Delete)) lastVersion[client] = outcome.version();
                        if (outcome.code() == KvOutcome.Code.CONFLICT) lastVersion[client] = outcome.version();
                        history.returned(client, output(input, outcome), nanos());
                        then.run();
                        return;
                    }
                    case KvAnswers.Write.Unknown ignored -> {
                        timedOut(client);
                        then.run();
                        return;
                    }
                    case KvAnswers.Write.Refused refused -> cluster.violated("KvLinearizable",
                            "a well-formed write at " + appended.partition() + "@" + appended.offset() + " was refused on "
                                    + replica.id() + ": " + refused.why());
                    case KvAnswers.Write.Pending ignored -> { }
                }
            }
            if (cluster.nowMs() >= deadlineMs) {
                timedOut(client);
                then.run();
                return;
            }
            awaitWrite(client, input, appended, deadlineMs, poll(), then);
        });
    }

    private VersionedKvModel.Output output(VersionedKvModel.Input input, KvOutcome outcome) {
        return switch (outcome.code()) {
            case OK -> input instanceof VersionedKvModel.Delete ? new VersionedKvModel.Deleted()
                    : new VersionedKvModel.Written(outcome.version());
            case CONFLICT -> new VersionedKvModel.Conflict(outcome.version());
            case NOT_FOUND -> new VersionedKvModel.NotFound();
            case STALE_TOKEN -> throw cluster.failure("a write without a fence answered stale_token", null);
        };
    }

    private void timedOut(int client) {
        history.timedOut(client);
        indeterminate++;
    }

    // ---------------------------------------------------------------- reads

    private void read(int client, String key, Runnable then) {
        String recordKey = KvProcessor.KEY_PREFIX + key;
        int partition = cluster.log().partitionOf(recordKey);
        long end = cluster.log().end(partition);
        history.call(client, new VersionedKvModel.Read(key), nanos());
        operations++;
        awaitRead(client, recordKey, partition, end, cluster.nowMs() + TIMEOUT_MS, 0, then);
    }

    private void awaitRead(int client, String recordKey, int partition, long end, long deadlineMs, long delayMs, Runnable then) {
        cluster.at(cluster.nowMs() + delayMs, () -> {
            SimProcessingNode replica = anyReplica(partition);
            if (replica != null) {
                var store = replica.store();
                long checkpoint = store.checkpoint(partition);
                boolean sabotaged = cluster.config().sabotage() == ClusterConfig.Sabotage.KV_READS_ANY_CHECKPOINT;
                if (sabotaged || KvAnswers.readable(checkpoint, end)) {
                    KvState state = KvAnswers.state(store.get(partition, recordKey), applier);
                    VersionedKvModel.Output output = state.present()
                            ? new VersionedKvModel.Found(state.value().asText(), state.version())
                            : new VersionedKvModel.NotFound();
                    if (state.present()) lastVersion[client] = state.version();
                    else lastVersion[client] = 0;
                    history.returned(client, output, nanos());
                    then.run();
                    return;
                }
            }
            if (cluster.nowMs() >= deadlineMs) {
                history.failed(client); // a read that never answered had no effect
                then.run();
                return;
            }
            awaitRead(client, recordKey, partition, end, deadlineMs, poll(), then);
        });
    }

    // ---------------------------------------------------------------- helpers

    /** A member that is up and holds the partition, at random; null when none. */
    private SimProcessingNode anyReplica(int partition) {
        List<SimProcessingNode> holders = new ArrayList<>();
        for (SimProcessingNode node : cluster.nodes()) {
            SimProcessingNode.Status status = node.status();
            if ((status == SimProcessingNode.Status.UP || status == SimProcessingNode.Status.LEAVING) && node.store().holds(partition)) {
                holders.add(node);
            }
        }
        return holders.isEmpty() ? null : holders.get(random.nextInt(holders.size()));
    }

    private long poll() {
        return POLL_MS_MIN + random.nextInt((int) (POLL_MS_MAX - POLL_MS_MIN + 1));
    }

    /**
     * Simulated time in nanoseconds, strictly increasing: events of one simulated millisecond
     * happen one after another, and the history keeps that order.
     */
    private long nanos() {
        lastNanos = Math.max(lastNanos + 1, cluster.nowMs() * 1_000_000);
        return lastNanos;
    }

    /** Checks the history; returns the result (a failure is the caller's to report). */
    CheckResult<VersionedKvModel.Input, VersionedKvModel.Output> check() {
        return LinearizabilityChecker.check(VersionedKvModel.INSTANCE, history.operations(), Budget.DEFAULT);
    }
}
