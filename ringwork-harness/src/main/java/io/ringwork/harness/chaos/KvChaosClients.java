package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.lincheck.Budget;
import io.ringwork.core.lincheck.CheckResult;
import io.ringwork.core.lincheck.HistoryBuilder;
import io.ringwork.core.lincheck.JsonLinesHistory;
import io.ringwork.core.lincheck.LinearizabilityChecker;
import io.ringwork.core.lincheck.Operation;
import io.ringwork.core.lincheck.Verdict;
import io.ringwork.core.lincheck.VersionedKvModel;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.runtime.client.RingworkClient;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Concurrent clients of the key-value API during a chaos run: each does linearizable reads,
 * writes and compare-and-sets on a few hot keys ({@code chaos-kv-0}, ...) through a random node
 * that is up, one operation at a time, and every operation goes into one history with its call
 * and return times ({@link System#nanoTime}). After the run the history is checked with the
 * linearizability checker ({@link VersionedKvModel}) and every acknowledged write is looked for
 * on the nodes' change feeds.
 *
 * <p>How an answer enters the history ({@link #classify}): a 200 or a 409 conflict is a returned
 * operation; an error the node marks {@code "definite":true}, a connection refused and every
 * failed read did not happen and are left out (a read changes nothing, so leaving it out is
 * sound); anything else (a 504, an error without {@code definite}, a timeout, a connection that
 * broke after the request was sent) has an unknown outcome: it may take effect at any time after
 * its call, or never.
 *
 * <p>Bounded: at most {@link #OPERATIONS_PER_CLIENT} operations per client; a request waits at most
 * {@link #REQUEST_TIMEOUT} (longer than a node's own 10 s write timeout, so its indefinite 504
 * arrives first). Thread-safe.
 */
public final class KvChaosClients implements AutoCloseable {
    static final int OPERATIONS_PER_CLIENT = 20_000;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** A client's pause between operations, at most: a few hot keys, not a load test. */
    static final int THINK_MS_MAX = 20;

    /** How one request ended, for the history. */
    sealed interface Outcome {
        /** It returned {@code output}. */
        record Returned(Output output) implements Outcome {}

        /** It definitely did not take effect: left out of the history. */
        record Failed(String why) implements Outcome {}

        /** It may have taken effect, or not. */
        record Unknown(String why) implements Outcome {}
    }

    /** What the check found; {@code lost} lists the acknowledged writes missing from the feeds (at most 20 shown). */
    public record Verdicts(Verdict verdict, int operations, long unknown, long failed, long acknowledged, long lostAcks,
                           List<String> lost, String explanation, Path history) {
        public boolean ok() {
            return verdict != Verdict.NOT_LINEARIZABLE && lostAcks == 0;
        }

        /** One line for the report. */
        public String line() {
            return String.format("kv: %s, %,d operations (%,d unknown outcome, %,d definite failures left out), %,d acknowledged writes,"
                    + " %d lost; history %s", verdict, operations, unknown, failed, acknowledged, lostAcks, history);
        }
    }

    private final ChaosCluster cluster;
    private final List<String> keys;
    private final int clients;
    private final long seed;
    private final HistoryBuilder<Input, Output> history = new HistoryBuilder<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    private long unknown;
    private long failed;

    KvChaosClients(ChaosCluster cluster, int clients, int keys, long seed) {
        if (clients < 1 || keys < 1) throw new IllegalArgumentException("--kv-clients and --kv-keys must be positive");
        this.cluster = cluster;
        this.clients = clients;
        this.seed = seed;
        List<String> names = new ArrayList<>();
        for (int k = 0; k < keys; k++) names.add("chaos-kv-" + k);
        this.keys = List.copyOf(names);
    }

    List<String> keys() {
        return keys;
    }

    /** Starts every client. */
    void start() {
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().name("chaos-kv-" + c).daemon().start(() -> loop(client)));
        }
    }

    /** Stops the clients and waits for their open requests (at most the request timeout and a little). */
    void stop() throws InterruptedException {
        stop = true;
        long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos() + 5_000_000_000L;
        for (Thread thread : threads) thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }

    /** Tells the clients to stop after their open request, without waiting. */
    void halt() {
        stop = true;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private void loop(int client) {
        Random random = new Random(seed * 1_000_003 + client);
        long[] lastVersion = new long[keys.size()];
        for (int done = 0; done < OPERATIONS_PER_CLIENT && !stop; done++) {
            List<String> up = cluster.upNodes();
            try {
                if (up.isEmpty()) {
                    Thread.sleep(50);
                    continue;
                }
                int k = random.nextInt(keys.size());
                String key = keys.get(k);
                int roll = random.nextInt(100);
                String value = "\"c" + client + "-" + done + "\"";
                Input input = roll < 40 ? new VersionedKvModel.Read(key)
                        : roll < 70 ? new VersionedKvModel.Write(key, value)
                        : new VersionedKvModel.Cas(key, lastVersion[k], value);
                Output output = perform(client, cluster.client(up.get(random.nextInt(up.size())), REQUEST_TIMEOUT), input);
                switch (output) {
                    case VersionedKvModel.Found f -> lastVersion[k] = f.version();
                    case VersionedKvModel.NotFound nf -> lastVersion[k] = 0;
                    case VersionedKvModel.Written w -> lastVersion[k] = w.version();
                    case VersionedKvModel.Conflict c -> lastVersion[k] = c.version();
                    case null, default -> { }
                }
                Thread.sleep(random.nextInt(THINK_MS_MAX + 1));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One operation, recorded; returns its output, or null when it failed or its outcome is unknown. */
    Output perform(int client, RingworkClient node, Input input) throws InterruptedException {
        record(client, input, null, System.nanoTime());
        Outcome outcome;
        try {
            RingworkClient.Answer answer = switch (input) {
                case VersionedKvModel.Read r -> node.exchange("GET", path(r.key(), ""), null);
                case VersionedKvModel.Write w -> node.exchange("PUT", path(w.key(), ""), w.value().getBytes(StandardCharsets.UTF_8));
                case VersionedKvModel.Cas c -> node.exchange("PUT", path(c.key(), "?ifVersion=" + c.ifVersion()),
                        c.value().getBytes(StandardCharsets.UTF_8));
                case VersionedKvModel.Delete d -> throw new IllegalArgumentException("the chaos clients do not delete");
            };
            outcome = classify(input, answer.status(), answer.body());
        } catch (IOException e) {
            outcome = classify(input, e);
        } catch (RuntimeException e) {
            // The client's own failure (no request may have gone out, or one may have): unknown is the safe reading.
            outcome = input instanceof VersionedKvModel.Read ? new Outcome.Failed(e.toString()) : new Outcome.Unknown(e.toString());
        }
        long returnNs = System.nanoTime();
        record(client, input, outcome, returnNs);
        return outcome instanceof Outcome.Returned returned ? returned.output() : null;
    }

    private static String path(String key, String query) {
        return "/v1/kv/" + RingworkClient.encodeKey(key) + query;
    }

    /** A call (outcome null) or its end; one lock, so the builder sees events in one order. */
    private synchronized void record(int client, Input input, Outcome outcome, long timeNs) {
        switch (outcome) {
            case null -> history.call(client, input, timeNs);
            case Outcome.Returned r -> history.returned(client, r.output(), timeNs);
            case Outcome.Failed f -> {
                history.failed(client);
                failed++;
            }
            case Outcome.Unknown u -> {
                history.timedOut(client);
                unknown++;
            }
        }
    }

    /**
     * How an answer of {@code status} with {@code body} counts for {@code input}: see the class
     * comment. A 200 without a version (which the API never sends) counts as unknown, not as a
     * made-up output.
     */
    static Outcome classify(Input input, int status, JsonNode body) {
        JsonNode version = body == null ? null : body.get("version");
        String error = body == null ? "" : body.path("error").asText("");
        if (input instanceof VersionedKvModel.Read) {
            if (status == 200 && version != null && version.canConvertToLong() && body.has("value")) {
                return new Outcome.Returned(new VersionedKvModel.Found(JsonLinesHistory.canonical(body.get("value")), version.asLong()));
            }
            if (status == 404 && error.equals("not_found")) return new Outcome.Returned(new VersionedKvModel.NotFound());
            return new Outcome.Failed("read answered " + status + " " + error);
        }
        if (status == 200 && version != null && version.canConvertToLong()) {
            return new Outcome.Returned(new VersionedKvModel.Written(version.asLong()));
        }
        if (status == 409 && error.equals("conflict") && version != null && version.canConvertToLong()) {
            return new Outcome.Returned(new VersionedKvModel.Conflict(version.asLong()));
        }
        if (status != 200 && body != null && body.path("definite").asBoolean(false)) {
            return new Outcome.Failed(status + " " + error + " (definite)");
        }
        return new Outcome.Unknown(status + " " + error);
    }

    /**
     * How a request that got no answer counts: nothing was sent when the connection was refused
     * or not made in time (failed); otherwise the node may have acted on it (unknown), except
     * for a read, which changes nothing either way (failed).
     */
    static Outcome classify(Input input, IOException e) {
        String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (input instanceof VersionedKvModel.Read) return new Outcome.Failed(why);
        if (e instanceof java.net.ConnectException || e instanceof java.net.http.HttpConnectTimeoutException) {
            return new Outcome.Failed(why);
        }
        return new Outcome.Unknown(why);
    }

    /**
     * After the faults, healed and drained: reads every key once (linearizable, through the
     * first node up that answers, for at most 30 s each) into the history, so the final state
     * is part of what is checked; returns each key's final version (0: absent, -1: no answer).
     */
    Map<String, Long> finalReads() throws InterruptedException {
        Map<String, Long> finals = new TreeMap<>();
        int client = clients; // a client id of its own, after the workload's
        for (String key : keys) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            long version = -1;
            while (version < 0 && System.nanoTime() < deadline) {
                for (String id : cluster.upNodes()) {
                    Output output = perform(client, cluster.client(id, REQUEST_TIMEOUT), new VersionedKvModel.Read(key));
                    if (output instanceof VersionedKvModel.Found f) version = f.version();
                    if (output instanceof VersionedKvModel.NotFound) version = 0;
                    if (version >= 0) break;
                }
                if (version < 0) Thread.sleep(200);
            }
            finals.put(key, version);
        }
        return finals;
    }

    synchronized List<Operation<Input, Output>> operations() {
        return history.operations();
    }

    /**
     * Writes the history to {@code file} as JSON lines, checks it, and looks for every
     * acknowledged write on the feeds ({@code feedVersions}: a record key's versions on any node's
     * change feed).
     */
    Verdicts check(Path file, Function<String, Set<Long>> feedVersions) throws IOException {
        List<Operation<Input, Output>> ops = operations();
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Operation<Input, Output> op : ops) out.write(JsonLinesHistory.line(op) + "\n");
        }
        CheckResult<Input, Output> result = LinearizabilityChecker.check(VersionedKvModel.INSTANCE, ops, Budget.DEFAULT);
        List<String> lost = lostAcks(ops, feedVersions);
        long acknowledged = ops.stream().filter(op -> op.output() instanceof VersionedKvModel.Written).count();
        long unknownNow, failedNow;
        synchronized (this) {
            unknownNow = unknown;
            failedNow = failed;
        }
        return new Verdicts(result.verdict(), ops.size(), unknownNow, failedNow, acknowledged, lost.size(),
                lost.subList(0, Math.min(20, lost.size())), result.verdict() == Verdict.LINEARIZABLE ? null : result.describe(), file);
    }

    /**
     * The acknowledged writes (a write or compare-and-set that returned version V) whose change is
     * on no feed: the key-value version V is the log offset of the write plus one
     * ({@code KvState}), and the feed gives a change the store's version, the offset itself, so
     * the feeds of {@code kv/KEY} must hold V - 1.
     */
    static List<String> lostAcks(List<Operation<Input, Output>> ops, Function<String, Set<Long>> feedVersions) {
        List<String> lost = new ArrayList<>();
        for (Operation<Input, Output> op : ops) {
            if (!(op.output() instanceof VersionedKvModel.Written w)) continue;
            Set<Long> onFeeds = feedVersions.apply(io.ringwork.core.kv.KvProcessor.KEY_PREFIX + op.input().key());
            if (!onFeeds.contains(w.version() - 1)) lost.add(op + ": version " + w.version() + " on no feed");
        }
        return lost;
    }
}
