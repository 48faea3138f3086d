package io.ringwork.runtime.load;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load refusal (issue 21, item 7): whether this node takes new work, measured against its
 * {@link LoadLimits}. Requests that add work enter with {@link #admit} and leave with
 * {@link #done}; past a limit they are refused, naming the limit and, where gossip knows one, a
 * member whose load is lower to try instead. Reads never enter, so a strained node keeps serving
 * the partitions it holds.
 *
 * <p>The heap and the queues are sampled ({@link #sample}, every {@value #SAMPLE_MS} ms on the
 * node), not measured per request. The node's load level, the highest of its three ratios in
 * percent rounded down to tens, travels in its membership metadata as {@value #METADATA}, so each
 * member knows the others' without asking; it is republished when it changes, at most once per
 * {@value #PUBLISH_MS} ms. Thread-safe.
 */
public final class LoadGate {
    public static final String METADATA = "load";
    public static final long SAMPLE_MS = 200;
    static final long PUBLISH_MS = 1_000;
    /** Seconds a refused client is told to wait ({@code Retry-After}). */
    public static final int RETRY_AFTER_S = 1;
    /** The limits' names, as the refusals metric labels them. */
    public static final List<String> LIMITS = List.of("inflight", "heap", "queued");

    /** What the gate reads of the node. */
    public interface Gauges {
        /** Heap held after the last collection, in percent of the maximum. */
        int heapPercent();

        /** Messages waiting in subscriber queues. */
        long queuedMessages();
    }

    /** What the gate reads of the cluster and tells it. */
    public interface Peers {
        /** Live members other than this node: id to their gossiped metadata. */
        Map<String, Map<String, String>> members();

        /** Gossips this node's load level. */
        void publish(int level);
    }

    /** A refused request: which limit, why, and another member to try (null when none is known). */
    public record Refusal(String limit, String detail, String tryNode, String tryHttp) {}

    private final LoadLimits limits;
    private final Gauges gauges;
    private final Peers peers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<String, LongAdder> refusals = new LinkedHashMap<>();
    private volatile int heapPercent;
    private volatile long queued;
    private volatile int published = -1;
    private volatile long publishedAtMs = Long.MIN_VALUE / 2;

    public LoadGate(LoadLimits limits, Gauges gauges, Peers peers) {
        this.limits = limits;
        this.gauges = gauges;
        this.peers = peers;
        for (String limit : LIMITS) refusals.put(limit, new LongAdder());
    }

    public LoadLimits limits() {
        return limits;
    }

    /**
     * Takes one in-flight slot for a request that adds work, or refuses it. An admitted request
     * must call {@link #done} once.
     */
    public Refusal admit() {
        Refusal strained = strained();
        if (strained != null) return strained;
        if (inFlight.incrementAndGet() > limits.inFlightMax()) {
            inFlight.decrementAndGet();
            return refuse("inflight", "this node serves " + limits.inFlightMax() + " requests that add work already (max-inflight-requests)");
        }
        return null;
    }

    /** Gives back the slot {@link #admit} took. */
    public void done() {
        inFlight.decrementAndGet();
    }

    /** Refuses work that holds no in-flight slot (a new subscription) when the heap or the queues are strained. */
    public Refusal check() {
        return strained();
    }

    private Refusal strained() {
        if (heapPercent >= limits.heapPercentMax()) {
            return refuse("heap", "this node holds " + heapPercent + "% of its heap after collection, at or above its "
                    + limits.heapPercentMax() + "% (max-heap-percent)");
        }
        if (queued >= limits.queuedMessagesMax()) {
            return refuse("queued", "this node's subscribers have " + queued + " messages waiting, at or above its "
                    + limits.queuedMessagesMax() + " (max-queued-messages)");
        }
        return null;
    }

    private Refusal refuse(String limit, String detail) {
        refusals.get(limit).increment();
        String[] other = lessLoaded();
        return new Refusal(limit, detail, other == null ? null : other[0], other == null ? null : other[1]);
    }

    /**
     * The live member with the lowest gossiped load level, and its HTTP address; only members below
     * 100 (not refusing work themselves: this node, refusing, counts as full); null when none.
     */
    private String[] lessLoaded() {
        String[] best = null;
        int bestLevel = Integer.MAX_VALUE;
        for (Map.Entry<String, Map<String, String>> member : peers.members().entrySet()) {
            String http = member.getValue().get("http");
            String load = member.getValue().get(METADATA);
            if (http == null || load == null) continue;
            int level;
            try {
                level = Integer.parseInt(load);
            } catch (NumberFormatException e) {
                continue; // gossip is input too
            }
            if (level < 100 && (level < bestLevel || level == bestLevel && member.getKey().compareTo(best[0]) < 0)) {
                best = new String[] {member.getKey(), http};
                bestLevel = level;
            }
        }
        return best;
    }

    /** Reads the gauges and republishes the level when it changed (at most once per {@value #PUBLISH_MS} ms). */
    public void sample(long nowMs) {
        heapPercent = gauges.heapPercent();
        queued = gauges.queuedMessages();
        int level = level();
        if (level != published && nowMs - publishedAtMs >= PUBLISH_MS) {
            published = level;
            publishedAtMs = nowMs;
            peers.publish(level);
        }
    }

    /** The highest of the three ratios, in percent rounded down to tens (so gossip changes rarely). */
    public int level() {
        long highest = Math.max(100L * inFlight.get() / limits.inFlightMax(),
                Math.max(100L * heapPercent / limits.heapPercentMax(), 100L * queued / limits.queuedMessagesMax()));
        return (int) Math.min(1000, highest / 10 * 10);
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Requests refused for {@code limit} (one of {@link #LIMITS}). */
    public long refusals(String limit) {
        LongAdder adder = refusals.get(limit);
        return adder == null ? 0 : adder.sum();
    }

    /**
     * The heap held after the last collection, in percent of the maximum: each heap pool's usage
     * after its last collection where the collector reports one (the old generation), its current
     * usage otherwise (survivors). Young-generation garbage does not count: it goes at the next
     * young collection, whatever the load.
     */
    public static int heapPercentAfterCollection() {
        long max = Runtime.getRuntime().maxMemory();
        if (max <= 0 || max == Long.MAX_VALUE) return 0;
        long held = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() != MemoryType.HEAP || !pool.isValid()) continue;
            MemoryUsage after = pool.isCollectionUsageThresholdSupported() ? pool.getCollectionUsage() : null;
            if (pool.getName().contains("Eden")) continue;
            held += after != null ? after.getUsed() : pool.getUsage().getUsed();
        }
        return (int) Math.min(100, 100 * held / max);
    }
}
