package io.ringwork.harness.chaos;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * What the chaos harness reads of its nodes' state from their {@code GET /metrics}: per partition,
 * how often each node started and released it; the JVM's collections; the anti-entropy repairs.
 * Samples are kept per incarnation (a node's process: its id and pid), because a restarted
 * process counts from zero again. A figure over a window [from, to] sums, over incarnations, the
 * counter at the first scrape sent at or after {@code to} minus the counter at the last scrape
 * received at or before {@code from}; an incarnation started within the window counts from zero,
 * and one that ended (killed, left, paused until the end) counts up to its last scrape before it
 * ended, so what it did after that scrape is missing (docs/CHAOS.md). Thread-safe; holds at most
 * {@link #MAX_SAMPLES} samples, and counts those it drops beyond.
 */
final class NodeScrapes {
    /** At one scrape a second of up to 7 nodes, about an hour's run. */
    static final int MAX_SAMPLES = 25_000;

    /**
     * The counters of one scrape. {@code starts} and {@code releases} are per partition (null when
     * the node does not report them); the others are sums over the node's series (0 when absent).
     */
    record Counters(long[] starts, long[] releases, long gcCollections, double gcSeconds, long repairs) {}

    /** One scrape of {@code node}'s process {@code pid}: sent and answered at these ms since the run's start. */
    record Sample(String node, long pid, long sentMs, long receivedMs, Counters counters) {}

    /** Starts and releases per partition over a window, summed over nodes; {@code exact} false when a baseline was missing. */
    record PartitionChanges(long[] started, long[] released, boolean exact) {
        long started(Set<Integer> partitions) {
            long sum = 0;
            for (int p : partitions) sum += started[p];
            return sum;
        }

        long released(Set<Integer> partitions) {
            long sum = 0;
            for (int p : partitions) sum += released[p];
            return sum;
        }

        /** Those of {@code partitions} started or released at least once. */
        Set<Integer> changed(Set<Integer> partitions) {
            Set<Integer> changed = new TreeSet<>();
            for (int p : partitions) if (started[p] > 0 || released[p] > 0) changed.add(p);
            return changed;
        }
    }

    /** Collections and the time the collectors reported for them over a window, summed over nodes. */
    record Gc(long collections, double seconds) {}

    private final int partitions;
    /** Per incarnation ("node pid"), its samples in the order taken, and when the process was started. */
    private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
    private final Map<String, Long> startedMs = new LinkedHashMap<>();
    private int held;
    private long dropped;

    NodeScrapes(int partitions) {
        this.partitions = partitions;
    }

    /** {@code node}'s process {@code pid} was started at {@code atMs} (before it could count anything). */
    synchronized void started(String node, long pid, long atMs) {
        startedMs.put(node + " " + pid, atMs);
    }

    synchronized void add(Sample sample) {
        if (held >= MAX_SAMPLES) {
            dropped++;
            return;
        }
        held++;
        samples.computeIfAbsent(sample.node() + " " + sample.pid(), k -> new ArrayList<>()).add(sample);
    }

    synchronized long dropped() {
        return dropped;
    }

    synchronized int size() {
        return held;
    }

    /** Starts and releases of every partition over [fromMs, toMs], summed over the nodes. */
    synchronized PartitionChanges partitionChanges(long fromMs, long toMs) {
        long[] started = new long[partitions];
        long[] released = new long[partitions];
        boolean exact = true;
        for (int p = 0; p < partitions; p++) {
            int partition = p;
            Delta s = delta(fromMs, toMs, c -> c.starts() == null || partition >= c.starts().length ? 0 : c.starts()[partition]);
            Delta r = delta(fromMs, toMs, c -> c.releases() == null || partition >= c.releases().length ? 0 : c.releases()[partition]);
            started[p] = Math.round(s.value());
            released[p] = Math.round(r.value());
            exact &= s.exact() && r.exact();
        }
        return new PartitionChanges(started, released, exact);
    }

    /** The nodes' collections over [fromMs, toMs]. */
    synchronized Gc gc(long fromMs, long toMs) {
        return new Gc(Math.round(delta(fromMs, toMs, Counters::gcCollections).value()), delta(fromMs, toMs, Counters::gcSeconds).value());
    }

    /** Whether any scrape reported partition starts: false for nodes without those counters, or no scrape at all. */
    synchronized boolean reportsPartitionChanges() {
        for (List<Sample> each : samples.values()) for (Sample s : each) if (s.counters().starts() != null) return true;
        return false;
    }

    /** Anti-entropy repairs over the run: each incarnation's count at its last scrape, summed; -1 with no scrape. */
    synchronized long repairs() {
        if (samples.isEmpty()) return -1;
        long sum = 0;
        for (List<Sample> each : samples.values()) sum += last(each).counters().repairs();
        return sum;
    }

    private record Delta(double value, boolean exact) {}

    private Delta delta(long fromMs, long toMs, ToDoubleFunction<Counters> counter) {
        double sum = 0;
        boolean exact = true;
        for (Map.Entry<String, List<Sample>> incarnation : samples.entrySet()) {
            List<Sample> each = new ArrayList<>(incarnation.getValue());
            each.sort(Comparator.comparingLong(Sample::receivedMs));
            long started = startedMs.getOrDefault(incarnation.getKey(), Long.MIN_VALUE);
            if (started > toMs) continue;
            Sample base = null;
            for (Sample s : each) if (s.receivedMs() <= fromMs) base = s;
            Sample end = null;
            for (Sample s : each) {
                if (s.sentMs() >= toMs) {
                    end = s;
                    break;
                }
            }
            if (end == null) end = last(each); // ended, or not scraped since: its last scrape
            double from;
            if (base != null) from = counter.applyAsDouble(base.counters());
            else if (started >= fromMs) from = 0; // started within the window: it counted from zero
            else {
                // Up before the window but never scraped before it: only what its first scrape shows is known.
                from = counter.applyAsDouble(each.get(0).counters());
                exact = false;
            }
            sum += Math.max(0, counter.applyAsDouble(end.counters()) - from);
        }
        return new Delta(sum, exact);
    }

    private static Sample last(List<Sample> samples) {
        Sample last = samples.get(0);
        for (Sample s : samples) if (s.receivedMs() >= last.receivedMs()) last = s;
        return last;
    }

    /**
     * The counters in a Prometheus text scrape of a node with {@code partitions} partitions: the
     * series {@code ringwork_partition_starts_total} and {@code ringwork_partition_releases_total}
     * by their {@code partition} label, {@code ringwork_jvm_gc_collections_total} and
     * {@code ringwork_jvm_gc_seconds_total} summed over collectors, and
     * {@code ringwork_replication_repairs_total}. Other lines, comments and malformed values are skipped.
     */
    static Counters parse(String text, int partitions) {
        long[] starts = null;
        long[] releases = null;
        long gcCollections = 0;
        double gcSeconds = 0;
        long repairs = 0;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') continue;
            int space = line.lastIndexOf(' ');
            if (space < 0) continue;
            int brace = line.indexOf('{');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            double value;
            try {
                value = Double.parseDouble(line.substring(space + 1));
            } catch (NumberFormatException e) {
                continue;
            }
            switch (name) {
                case "ringwork_partition_starts_total", "ringwork_partition_releases_total" -> {
                    int p = partitionLabel(line);
                    if (p < 0 || p >= partitions) continue;
                    boolean start = name.equals("ringwork_partition_starts_total");
                    if (start && starts == null) starts = new long[partitions];
                    if (!start && releases == null) releases = new long[partitions];
                    (start ? starts : releases)[p] = Math.round(value);
                }
                case "ringwork_jvm_gc_collections_total" -> gcCollections += Math.round(value);
                case "ringwork_jvm_gc_seconds_total" -> gcSeconds += value;
                // The name before it became a counter, from a node of an older build.
                case "ringwork_replication_repairs_total", "ringwork_replication_repairs" -> repairs += Math.round(value);
                default -> { }
            }
        }
        return new Counters(starts, releases, gcCollections, gcSeconds, repairs);
    }

    private static int partitionLabel(String line) {
        int at = line.indexOf("partition=\"");
        if (at < 0) return -1;
        int from = at + "partition=\"".length();
        int to = line.indexOf('"', from);
        try {
            return to < 0 ? -1 : Integer.parseInt(line.substring(from, to));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
