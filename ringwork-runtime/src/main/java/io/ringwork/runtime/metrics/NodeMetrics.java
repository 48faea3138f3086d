package io.ringwork.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.ringwork.runtime.membership.MembershipMetrics;
import io.ringwork.runtime.transport.TransportCounters;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.IntToLongFunction;
import java.util.function.ToDoubleFunction;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's metrics, served in Prometheus text format on {@code GET /metrics}.
 *
 * <p>Per-namespace counters (the key's part before the first '/': the tenant for gluer keys, the
 * resource type for resource keys) are capped at {@link #MAX_NAMESPACES} distinct namespaces per
 * processor; later ones are counted under {@code _other} so that a flood of tenants cannot grow
 * memory without bound. Thread-safe.
 */
public final class NodeMetrics {
    public static final int MAX_NAMESPACES = 1000;
    private static final String OTHER = "_other";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter appended;
    private final Counter duplicates;
    private final Counter skipped;
    private final Timer endToEnd;
    private final Map<String, NamespaceCounters> namespaces = new ConcurrentHashMap<>();
    /** Applied and rejected counts of one processor namespace. */
    public record NamespaceCounters(Counter applied, Counter rejected) {}

    /**
     * What function counters and object gauges read. Micrometer holds those objects only weakly;
     * this list is the strong reference that keeps them alive. Without it the first full GC
     * collected them: counters froze (at 0 when no scrape came before) and gauges read NaN.
     */
    private final List<Object> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    public NodeMetrics(String nodeId) {
        registry.config().commonTags("node", nodeId);
        appended = Counter.builder("ringwork.ingest.appended").description("records appended through the API").register(registry);
        duplicates = Counter.builder("ringwork.ingest.duplicates").description("records not appended again: their id was in the dedupe window").register(registry);
        skipped = Counter.builder("ringwork.records.skipped").description("records skipped as duplicates by version").register(registry);
        endToEnd = Timer.builder("ringwork.end.to.end.latency")
                .description("from a record's append to the durable commit of its change")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        collectors();
    }

    /**
     * The JVM's collections and the time its collectors report for them, per collector
     * ({@code ringwork_jvm_gc_collections_total{collector}}, {@code ringwork_jvm_gc_seconds_total{collector}}),
     * from the GarbageCollectorMXBeans. For G1 the young and old collectors' times are pauses, and
     * "G1 Concurrent GC" counts the remark and cleanup pauses of its concurrent cycles. Every
     * partition on a node waits out a pause, so the chaos harness compares these counts between a
     * join and quiet stretches (docs/CHAOS.md).
     */
    private void collectors() {
        // Bytes allocated on the heap since the JVM started (virtual threads count on their carriers): what the
        // young collections are paid for, per record a figure the machine's load does not change.
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported()) {
            functionCounter("ringwork.jvm.allocated.bytes", "bytes allocated on the heap since the JVM started",
                    () -> Math.max(0, threads.getTotalThreadAllocatedBytes()));
        }
        // The heap in use now (garbage included), for benchmarks that report a node's memory next to its RSS.
        gauge("ringwork.jvm.heap.used.bytes", "heap in use now, garbage included",
                () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            // A bean reports -1 for a figure it does not keep; 0 reads as "none" in a sum.
            functionCounter("ringwork.jvm.gc.collections", "collections, by collector", "collector", gc.getName(),
                    () -> Math.max(0, gc.getCollectionCount()));
            functionCounter("ringwork.jvm.gc.seconds", "time the collector reports for its collections, by collector",
                    "collector", gc.getName(), () -> Math.max(0, gc.getCollectionTime()) / 1000.0);
        }
    }

    /**
     * Per partition, how often this node started and released it since the process began
     * ({@code ringwork_partition_starts_total{partition}}, {@code ringwork_partition_releases_total{partition}}),
     * read at each scrape from {@code starts} and {@code releases}. Every partition has its two
     * series from the start, at 0. Call once.
     */
    public void partitionChanges(int partitions, IntToLongFunction starts, IntToLongFunction releases) {
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            functionCounter("ringwork.partition.starts", "times this node started the partition (took it over)",
                    "partition", Integer.toString(p), () -> starts.applyAsLong(partition));
            functionCounter("ringwork.partition.releases", "times this node released the partition (handoff, deposition, leave)",
                    "partition", Integer.toString(p), () -> releases.applyAsLong(partition));
        }
    }

    public void ingested(int appendedCount, int duplicateCount) {
        appended.increment(appendedCount);
        duplicates.increment(duplicateCount);
    }

    /** Called on the commit thread after each durable commit. */
    public void committed(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skippedCount, long nowMs) {
        // A commit's changes come partition by partition, often several of one namespace in a row:
        // those are counted together, with one lookup (the lookup builds strings).
        NamespaceCounters counters = null;
        io.ringwork.core.record.Change first = null;
        long run = 0;
        for (FeedEntry entry : changes) {
            io.ringwork.core.record.Change change = entry.change();
            if (first == null || !sameNamespace(first, change)) {
                if (run > 0) counters.applied().increment(run);
                counters = namespace(change.type(), change.key());
                first = change;
                run = 0;
            }
            run++;
            endToEnd.record(Math.max(0, nowMs - change.timestampMs()), TimeUnit.MILLISECONDS);
        }
        if (run > 0) counters.applied().increment(run);
        for (DeadLetter letter : deadLetters) namespace(letter.type(), letter.key()).rejected().increment();
        if (skippedCount > 0) skipped.increment(skippedCount);
    }

    /**
     * Registers, at zero, the counters of the namespaces of changes this node holds as a replica.
     * A node that takes a partition over then counts its first commits into meters that exist:
     * registering a few dozen meters in a JVM that had not yet registered any took 90 to 105 ms
     * on the commit thread of a node that had just joined (chaos logs).
     */
    public void prepare(List<FeedEntry> replicated) {
        for (FeedEntry entry : replicated) namespace(entry.change().type(), entry.change().key());
    }

    /**
     * True only when {@link #namespace} gives both changes the same processor and namespace (false
     * may also mean "not sure": the caller then looks the second one up).
     */
    static boolean sameNamespace(io.ringwork.core.record.Change a, io.ringwork.core.record.Change b) {
        int dotA = a.type().indexOf('.');
        int dotB = b.type().indexOf('.');
        boolean sameProcessor = dotA <= 0 && dotB <= 0
                || dotA > 0 && dotA == dotB && a.type().regionMatches(0, b.type(), 0, dotA);
        if (!sameProcessor) return false;
        int slashA = a.key().indexOf('/');
        int slashB = b.key().indexOf('/');
        int endA = slashA > 0 ? slashA : a.key().length();
        int endB = slashB > 0 ? slashB : b.key().length();
        return endA == endB && a.key().regionMatches(0, b.key(), 0, endA);
    }

    /** Counters of the namespace of {@code key} under the processor of {@code type}. */
    public NamespaceCounters namespace(String type, String key) {
        int dot = type.indexOf('.');
        String processor = dot > 0 ? type.substring(0, dot) : "unknown";
        int slash = key.indexOf('/');
        String namespace = slash > 0 ? key.substring(0, slash) : key;
        String id = processor + '\u0000' + namespace;
        NamespaceCounters counters = namespaces.get(id);
        if (counters != null) return counters;
        if (namespaces.size() >= MAX_NAMESPACES && !namespace.equals(OTHER)) return namespace(type, OTHER + "/");
        return namespaces.computeIfAbsent(id, k -> new NamespaceCounters(
                Counter.builder("ringwork.records.applied").tag("processor", processor).tag("namespace", namespace)
                        .description("records applied, by processor and key namespace (gluer: tenant)").register(registry),
                Counter.builder("ringwork.records.rejected").tag("processor", processor).tag("namespace", namespace)
                        .description("records rejected to the dead letters").register(registry)));
    }

    /** The counters of a namespace if it has any, else null (for the per-tenant API). */
    public NamespaceCounters existingNamespace(String processor, String namespace) {
        return namespaces.get(processor + '\u0000' + namespace);
    }

    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /**
     * Exposes the membership's counters ({@code ringwork_membership_*}); each scrape reads one
     * snapshot per meter from {@code membership}, which may return null while starting. Call once.
     */
    public void membership(Supplier<io.ringwork.runtime.membership.MembershipService> membership) {
        Supplier<MembershipMetrics> now = () -> {
            var service = membership.get();
            return service == null ? null : service.metrics();
        };
        held.add(now); // weakly held by the meters below
        membershipCounter(now, "probes", "direct probes sent", m -> m.protocol().probesSent());
        membershipCounter(now, "indirect.probes", "indirect probe requests sent", m -> m.protocol().indirectProbesSent());
        membershipCounter(now, "acks", "acks received", m -> m.protocol().acksReceived());
        membershipCounter(now, "nacks", "nacks received", m -> m.protocol().nacksReceived());
        membershipCounter(now, "suspicions", "members this node suspected", m -> m.protocol().suspicions());
        membershipCounter(now, "refutations", "suspicions of this node it refuted", m -> m.protocol().refutations());
        membershipCounter(now, "deaths", "members declared dead", m -> m.protocol().deaths());
        membershipCounter(now, "id.conflicts", "claims of a live member's id from another address, ignored",
                m -> m.protocol().idConflicts());
        membershipCounter(now, "gossip.bytes.sent", "best-effort bytes sent", MembershipMetrics::gossipBytesSent);
        membershipCounter(now, "gossip.bytes.received", "best-effort bytes received", MembershipMetrics::gossipBytesReceived);
        membershipCounter(now, "sync.bytes.sent", "push-pull bytes sent", MembershipMetrics::syncBytesSent);
        membershipCounter(now, "sync.bytes.received", "push-pull bytes received", MembershipMetrics::syncBytesReceived);
        for (String reason : new String[] {"WRONG_CLUSTER", "BAD_AUTH", "MALFORMED", "OVERSIZED", "INBOX_FULL", "FAULT_INJECTED"}) {
            FunctionCounter.builder("ringwork.membership.packets.dropped", now,
                            s -> value(s, m -> m.packetsDropped().getOrDefault(reason, 0L)))
                    .tag("reason", reason.toLowerCase()).description("cluster packets dropped, by reason").register(registry);
        }
        transportMeters(now);
        Gauge.builder("ringwork.membership.members.active", now, s -> value(s, m -> m.activeMembers()))
                .description("members alive or suspect, this node included").register(registry);
        Gauge.builder("ringwork.membership.local.health", now, s -> value(s, m -> m.protocol().localHealth()))
                .description("Lifeguard local health score (0 is healthy)").register(registry);
    }

    /** The cluster port's own counters: what the inbound limits refused or closed ({@code ringwork_membership_transport_*}). */
    private void transportMeters(Supplier<MembershipMetrics> now) {
        transportCounter(now, "connections.refused", "inbound connections closed at accept: too many open", TransportCounters.Snapshot::connectionsRefused);
        transportCounter(now, "connections.refused.per.source", "inbound connections closed at accept: too many from one IP",
                TransportCounters.Snapshot::connectionsRefusedPerSource);
        transportCounter(now, "idle.closed", "inbound connections closed: no frame began within the idle timeout", TransportCounters.Snapshot::idleClosed);
        transportCounter(now, "slow.frame.closed", "inbound connections closed: a frame took longer than the frame timeout",
                TransportCounters.Snapshot::slowFrameClosed);
        transportCounter(now, "buffer.budget.closed", "inbound connections closed: frame beyond the shared buffer budget",
                TransportCounters.Snapshot::bufferBudgetClosed);
        transportCounter(now, "bad.hello.closed", "inbound connections closed: first frame not host:port", TransportCounters.Snapshot::badHelloClosed);
        transportCounter(now, "oversized.dropped", "datagrams and frames over the size limit, either direction",
                TransportCounters.Snapshot::oversizedDropped);
        transportCounter(now, "queue.full.dropped", "reliable frames dropped: the peer's send queue was full", TransportCounters.Snapshot::queueFullDropped);
        transportCounter(now, "send.failures", "datagrams the OS refused, frames lost to connect or write errors", TransportCounters.Snapshot::sendFailures);
        transportCounter(now, "receive.errors", "unexpected errors in a receive loop (it goes on)", TransportCounters.Snapshot::receiveErrors);
        Gauge.builder("ringwork.membership.transport.inbound.connections", now,
                        s -> value(s, m -> m.transport() == null ? 0 : m.transport().inboundConnections()))
                .description("inbound cluster connections open").register(registry);
        Gauge.builder("ringwork.membership.transport.inbound.buffered.bytes", now,
                        s -> value(s, m -> m.transport() == null ? 0 : m.transport().inboundBufferedBytes()))
                .description("bytes of partly read inbound frames held").register(registry);
    }

    private void transportCounter(Supplier<MembershipMetrics> now, String name, String description,
                                  ToDoubleFunction<TransportCounters.Snapshot> field) {
        membershipCounter(now, "transport." + name, description, m -> m.transport() == null ? 0 : field.applyAsDouble(m.transport()));
    }

    private void membershipCounter(Supplier<MembershipMetrics> now, String name, String description,
                                   ToDoubleFunction<MembershipMetrics> field) {
        FunctionCounter.builder("ringwork.membership." + name, now, s -> value(s, field))
                .description(description).register(registry);
    }

    private static double value(Supplier<MembershipMetrics> now, ToDoubleFunction<MembershipMetrics> field) {
        MembershipMetrics metrics = now.get();
        return metrics == null ? 0 : field.applyAsDouble(metrics);
    }

    /**
     * A counter read from {@code total} at each scrape (a running total kept elsewhere). Micrometer
     * holds a function counter's object only weakly; {@code total} is usually a lambda or method
     * reference no one else holds, so it is kept here, or the first GC would silently end the series.
     */
    public void functionCounter(String name, String description, Supplier<Number> total) {
        held.add(total);
        FunctionCounter.builder(name, total, t -> t.get().doubleValue()).description(description).register(registry);
    }

    /** Like {@link #functionCounter(String, String, Supplier)}, one series of a family told apart by {@code tag=value}. */
    public void functionCounter(String name, String description, String tag, String value, Supplier<Number> total) {
        held.add(total);
        FunctionCounter.builder(name, total, t -> t.get().doubleValue()).tag(tag, value).description(description).register(registry);
    }

    public Timer endToEnd() {
        return endToEnd;
    }

    /** The scrape's format: Prometheus text 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    public String scrape() {
        return registry.scrape();
    }

    /**
     * Only the series of the metric families named in {@code names} (Prometheus names, such as
     * {@code ringwork_records_applied_total}; a histogram's {@code _bucket}, {@code _count} and
     * {@code _sum} come with its name); everything when {@code names} is empty. A poller that
     * watches a few series need not pay for rendering them all.
     */
    public String scrape(Set<String> names) {
        if (names.isEmpty()) return registry.scrape();
        // The registry knows a counter by its name without "_total", which the scrape shows.
        Set<String> families = new java.util.HashSet<>(names);
        for (String name : names) if (name.endsWith("_total")) families.add(name.substring(0, name.length() - "_total".length()));
        return registry.scrape(CONTENT_TYPE, families);
    }
}
