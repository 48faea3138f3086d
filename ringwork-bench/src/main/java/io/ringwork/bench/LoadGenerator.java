package io.ringwork.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.node.Processors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A load generator in its own process ({@code ./ringwork bench latency} starts it): sends the
 * seeded gluer workload to {@code POST /v1/events} at a fixed rate (open loop: latency counts from
 * when a batch was due, not when a busy connection let it go, so a stall is not hidden) and
 * follows {@code /v1/changes} of the first node given, matching each change to its append by
 * (partition, offset). It generates the pieces as it sends them and keeps only what is in flight,
 * so its memory does not grow with the run; latencies go into fixed-size histograms.
 *
 * <p>Each change is split, on the machine's one wall clock (generator and nodes run on one host),
 * into: due → appended (the client's queue, the network, the node's HTTP server and the append;
 * the record's {@code timestampMs}), appended → fed (the engine: read, apply, durable commit; the
 * change's {@code fedAtMs}), fed → received (the feed's SSE stream and this client). Node clocks
 * are in milliseconds, so these parts are too.
 *
 * <p>With {@code --rate 0} it sends flat out (at most {@code --connections} requests in flight)
 * and reports the rate changes arrived at: the peak. The last line is {@code RESULT {json}}.
 */
public final class LoadGenerator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    private final List<URI> nodes = new ArrayList<>();
    private double rate = 1000;
    private int seconds = 20;
    private int warmupSeconds = 5;
    private int batch = 10;
    private int connections = 8;
    private long seed = 7;
    private int tenants = 10;
    private int docs = 1000;

    /** Idle connections, spread over the nodes; a batch goes out on whichever is free. */
    private final java.util.concurrent.LinkedBlockingQueue<Connection> idle = new java.util.concurrent.LinkedBlockingQueue<>();

    /** A connection to one node. */
    private record Connection(URI node, RawHttp http) {}
    /** partition << 40 | offset → when its batch was due (nanoTime): appended, change not yet seen. Under {@link #lock}. */
    private final HashMap<Long, Long> awaiting = new HashMap<>();
    /** Changes that arrived before their append's answer: id → {arrival ns, appended ms, fed ms}. Under {@link #lock}. */
    private final HashMap<Long, long[]> early = new HashMap<>();
    private static final int EARLY_MAX = 1_000_000;

    private long startNs;
    private long startWallMicros;
    private long measureFromNs;
    private long measureUntilNs;
    private final Object lock = new Object();
    private final LatencyHistogram endToEnd = new LatencyHistogram();
    private final LatencyHistogram ack = new LatencyHistogram();
    private final LatencyHistogram toAppend = new LatencyHistogram();
    private final LatencyHistogram engine = new LatencyHistogram();
    private final LatencyHistogram delivery = new LatencyHistogram();
    private final AtomicLong sentRecords = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong measuredChanges = new AtomicLong();
    private volatile String firstError;

    public static void main(String[] args) throws Exception {
        LoadGenerator generator = new LoadGenerator();
        for (int i = 0; i < args.length; i += 2) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--url" -> { for (String url : value.split(",")) generator.nodes.add(URI.create(url)); }
                case "--rate" -> generator.rate = Double.parseDouble(value);
                case "--seconds" -> generator.seconds = Integer.parseInt(value);
                case "--warmup" -> generator.warmupSeconds = Integer.parseInt(value);
                case "--batch" -> generator.batch = Integer.parseInt(value);
                case "--connections" -> generator.connections = Integer.parseInt(value);
                case "--seed" -> generator.seed = Long.parseLong(value);
                case "--tenants" -> generator.tenants = Integer.parseInt(value);
                case "--docs" -> generator.docs = Integer.parseInt(value);
                default -> {
                    System.err.println("unknown option " + args[i] + " (--url U[,U...] --rate R (0: flat out) --seconds S --warmup W"
                            + " --batch B --connections C --seed N --tenants T --docs D)");
                    System.exit(2);
                }
            }
        }
        if (generator.nodes.isEmpty()) {
            System.err.println("--url is required");
            System.exit(2);
        }
        generator.run();
        System.exit(0);
    }

    private void run() throws Exception {
        List<Thread> followers = new ArrayList<>();
        List<AutoCloseable> streams = new ArrayList<>();
        // Every node's feed carries every change (the feed relay), so one is followed: a second
        // copy of each change would only fill the map of early arrivals.
        followers.add(follow(nodes.get(0), streams));
        Thread.sleep(500); // the feed subscriptions are live before the first send
        GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(seed, tenants, docs, Long.MAX_VALUE, 0),
                new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load()), Limits.DEFAULT)));
        startNs = System.nanoTime();
        startWallMicros = System.currentTimeMillis() * 1000;
        measureFromNs = startNs + TimeUnit.SECONDS.toNanos(warmupSeconds);
        long endNs = startNs + TimeUnit.SECONDS.toNanos(warmupSeconds + seconds);
        measureUntilNs = endNs;
        for (int c = 0; c < connections; c++) {
            URI node = nodes.get(c % nodes.size());
            idle.add(new Connection(node, new RawHttp(node)));
        }
        long batches = 0;
        long lastReportNs = startNs;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            while (true) {
                long dueNs = rate > 0 ? startNs + (long) (batches * batch * 1e9 / rate) : System.nanoTime();
                if (dueNs >= endNs) break;
                long waitNs = dueNs - System.nanoTime();
                if (waitNs > 0) LockSupport.parkNanos(waitNs);
                Connection connection = idle.take(); // all busy: the batch waits, and its latency counts from when it was due
                byte[] body = ndjson(workload.next(batch));
                final long due = dueNs;
                senders.submit(() -> idle.add(send(connection, body, due)));
                batches++;
                if (System.nanoTime() - lastReportNs > 5_000_000_000L) {
                    lastReportNs = System.nanoTime();
                    int waiting;
                    synchronized (lock) { waiting = awaiting.size(); }
                    System.err.printf("  load: %,d records sent, %,d awaiting their change, %d errors%n",
                            sentRecords.get(), waiting, errors.get());
                }
            }
        }
        // Let the last changes arrive: until none came for 1 s, at most 10 s. Records whose apply
        // changed nothing (a merge that sets what is there) have no change and stay counted.
        long quietDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long missing = -1;
        long lastChangeNs = System.nanoTime();
        while (System.nanoTime() < quietDeadline && System.nanoTime() - lastChangeNs < 1_000_000_000L) {
            long now;
            synchronized (lock) { now = awaiting.size(); }
            if (now == 0) { missing = 0; break; }
            if (now != missing) lastChangeNs = System.nanoTime();
            missing = now;
            Thread.sleep(20);
        }
        for (AutoCloseable stream : streams) stream.close();
        for (Thread follower : followers) follower.interrupt();
        report(missing);
    }

    private static byte[] ndjson(List<NewRecord> records) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(records.size() * 200);
        for (NewRecord record : records) {
            try (JsonGenerator json = FACTORY.createGenerator(body)) {
                json.writeStartObject();
                json.writeStringField("key", record.key());
                json.writeStringField("type", record.type());
                json.writeFieldName("data");
                json.writeRawValue(new String(record.data(), StandardCharsets.UTF_8));
                json.writeEndObject();
            }
            body.write('\n');
        }
        return body.toByteArray();
    }

    /** Sends one batch on {@code connection}; returns the connection to use next (a new one when it broke). */
    private Connection send(Connection connection, byte[] body, long dueNs) {
        try {
            RawHttp.Answer response = connection.http().post("/v1/events", "application/x-ndjson", body);
            long answeredNs = System.nanoTime();
            if (response.status() != 200) {
                error("POST /v1/events answered " + response.status() + ": " + new String(response.body(), StandardCharsets.UTF_8));
                return connection;
            }
            JsonNode results = JSON.readTree(response.body()).path("results");
            boolean measured = dueNs >= measureFromNs && dueNs < measureUntilNs;
            if (measured) synchronized (lock) { ack.recordMicros((answeredNs - dueNs) / 1000); }
            for (JsonNode result : results) {
                sentRecords.incrementAndGet();
                answered(result.path("partition").asLong() << 40 | result.path("offset").asLong(), dueNs);
            }
            return connection;
        } catch (IOException e) {
            error(e.toString());
            try {
                connection.http().close();
                return new Connection(connection.node(), new RawHttp(connection.node()));
            } catch (IOException again) {
                error(again.toString());
                return connection; // broken; its next use fails and tries again
            }
        }
    }

    private void error(String detail) {
        if (errors.incrementAndGet() == 1) firstError = detail;
    }

    /** Follows one node's change feed on a platform thread of its own. */
    private Thread follow(URI node, List<AutoCloseable> streams) {
        return Thread.ofPlatform().daemon().name("feed-" + node.getPort()).start(() -> {
            try {
                RawHttp feed = new RawHttp(node);
                synchronized (streams) { streams.add(feed); }
                feed.stream("/v1/changes?from=now", data -> {
                    try {
                        onChange(System.nanoTime(), data);
                    } catch (IOException e) {
                        error("a change that is not JSON: " + e);
                    }
                });
            } catch (IOException e) {
                // closed at the end of the run
            }
        });
    }

    private void onChange(long arrivalNs, String json) throws IOException {
        long version = -1;
        long partition = -1;
        long appendedMs = -1;
        long fedMs = -1;
        try (JsonParser parser = FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) return;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "version" -> version = parser.getLongValue();
                    case "partition" -> partition = parser.getLongValue();
                    case "timestampMs" -> appendedMs = parser.getLongValue();
                    case "fedAtMs" -> fedMs = parser.getLongValue();
                    default -> parser.skipChildren();
                }
            }
        }
        if (version < 0 || partition < 0) return;
        arrived(partition << 40 | version, new long[] {arrivalNs, appendedMs, fedMs});
    }

    /** An append's answer named this record: match it with its change, or wait for the change. */
    private void answered(long id, long dueNs) {
        long[] change;
        synchronized (lock) {
            change = early.remove(id);
            if (change == null) {
                awaiting.put(id, dueNs);
                return;
            }
        }
        matched(dueNs, change[0], change[1], change[2]);
    }

    /** A change arrived: match it with its append, or keep it until the append's answer comes. */
    private void arrived(long id, long[] change) {
        Long dueNs;
        synchronized (lock) {
            dueNs = awaiting.remove(id);
            if (dueNs == null) {
                if (early.size() < EARLY_MAX) early.put(id, change);
                return;
            }
        }
        matched(dueNs, change[0], change[1], change[2]);
    }

    private void matched(long dueNs, long arrivalNs, long appendedMs, long fedMs) {
        if (dueNs < measureFromNs || dueNs >= measureUntilNs) return;
        double dueWallMs = (startWallMicros + (dueNs - startNs) / 1000) / 1000.0;
        double arrivalWallMs = (startWallMicros + (arrivalNs - startNs) / 1000) / 1000.0;
        measuredChanges.incrementAndGet();
        synchronized (lock) {
            endToEnd.recordMicros((arrivalNs - dueNs) / 1000);
            if (appendedMs > 0) toAppend.recordMicros((long) ((appendedMs - dueWallMs) * 1000));
            if (appendedMs > 0 && fedMs > 0) engine.recordMillis(fedMs - appendedMs);
            if (fedMs > 0) delivery.recordMicros((long) ((arrivalWallMs - fedMs) * 1000));
        }
    }

    private void report(long missing) throws IOException {
        ObjectNode result = JSON.createObjectNode();
        synchronized (lock) {
            result.put("askedRate", rate).put("seconds", seconds).put("batch", batch).put("connections", connections);
            result.put("sentRecords", sentRecords.get()).put("errors", errors.get()).put("noChangeSeen", missing);
            if (firstError != null) result.put("firstError", firstError);
            result.put("measuredChanges", measuredChanges.get());
            result.put("changesPerSecond", measuredChanges.get() / (double) seconds);
            put(result, "endToEnd", endToEnd);
            put(result, "ack", ack);
            put(result, "toAppend", toAppend);
            put(result, "engine", engine);
            put(result, "delivery", delivery);
        }
        long gcCount = 0;
        long gcMs = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMs += Math.max(0, gc.getCollectionTime());
        }
        result.put("clientGcCount", gcCount).put("clientGcMs", gcMs)
                .put("clientHeapUsedMb", (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        System.out.println("RESULT " + JSON.writeValueAsString(result));
        System.out.flush();
    }

    private static void put(ObjectNode result, String name, LatencyHistogram histogram) {
        result.putObject(name).put("count", histogram.count()).put("p50", histogram.percentileMs(0.5))
                .put("p99", histogram.percentileMs(0.99)).put("max", histogram.maxMs());
    }
}
