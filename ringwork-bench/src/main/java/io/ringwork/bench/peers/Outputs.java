package io.ringwork.bench.peers;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the bench learns from a system's results, whatever the system: the producer registers each
 * timed record's id and send time ({@link #sent}), and the system's result reader reports each
 * result as it becomes visible ({@link #seen}). From those: the latencies of the latency phase, and
 * for a failover, per partition the first moment a record sent after the kill was visible.
 * Memory: one entry per record sent and not yet seen, bounded by the phase's records; the latency
 * array holds at most its capacity (later samples are counted as dropped). Thread-safe.
 */
final class Outputs {
    private final ConcurrentHashMap<String, Long> pending = new ConcurrentHashMap<>();
    private final long[] latencyNs;
    private int latencies;
    private long dropped;
    private volatile long killNs = -1;
    private final AtomicLongArray firstAfterKillNs;

    Outputs(int partitions, int latencyCapacity) {
        this.latencyNs = new long[latencyCapacity];
        this.firstAfterKillNs = new AtomicLongArray(partitions);
        for (int p = 0; p < partitions; p++) firstAfterKillNs.set(p, Long.MAX_VALUE);
    }

    /** A timed record with this id was handed to the system at {@code nanoTime}. */
    void sent(String id, long nanoTime) {
        pending.put(id, nanoTime);
    }

    /** The result of the record with this id (in {@code partition}) became visible now. */
    void seen(String id, int partition) {
        if (id == null) return;
        Long sentNs = pending.remove(id);
        if (sentNs == null) return; // not timed, or a second copy of its result (at least once)
        long now = System.nanoTime();
        synchronized (this) {
            if (latencies < latencyNs.length) latencyNs[latencies++] = now - sentNs;
            else dropped++;
        }
        long kill = killNs;
        if (kill >= 0 && sentNs >= kill && partition >= 0 && partition < firstAfterKillNs.length()) {
            firstAfterKillNs.accumulateAndGet(partition, now, Math::min);
        }
    }

    void killedAt(long nanoTime) {
        killNs = nanoTime;
    }

    /** Nanoseconds from the kill until every partition showed a record sent after it; -1 while one has not. */
    long failoverNs() {
        long worst = 0;
        for (int p = 0; p < firstAfterKillNs.length(); p++) {
            long first = firstAfterKillNs.get(p);
            if (first == Long.MAX_VALUE) return -1;
            worst = Math.max(worst, first - killNs);
        }
        return worst;
    }

    /** The latencies so far, sorted, in nanoseconds. */
    synchronized long[] sortedLatencies() {
        long[] sorted = Arrays.copyOf(latencyNs, latencies);
        Arrays.sort(sorted);
        return sorted;
    }

    synchronized long dropped() {
        return dropped;
    }

    static double percentileMs(long[] sortedNs, double q) {
        if (sortedNs.length == 0) return Double.NaN;
        int index = (int) Math.min(sortedNs.length - 1, Math.max(0, Math.ceil(q * sortedNs.length) - 1));
        return sortedNs[index] / 1e6;
    }

    /**
     * The value of {@code "field":"..."} in a JSON object written by ringwork (ids and keys of the
     * bench's workload carry no escapes), or null; cheaper than parsing every result in full.
     */
    static String stringField(String json, String field) {
        String marker = "\"" + field + "\":\"";
        int at = json.indexOf(marker);
        if (at < 0) return null;
        int start = at + marker.length();
        int end = json.indexOf('"', start);
        return end < 0 ? null : json.substring(start, end);
    }

    /** The value of {@code "field":N} in such an object, or -1. */
    static long numberField(String json, String field) {
        String marker = "\"" + field + "\":";
        int at = json.indexOf(marker);
        if (at < 0) return -1;
        int i = at + marker.length();
        long value = 0;
        boolean any = false;
        for (; i < json.length() && Character.isDigit(json.charAt(i)); i++) {
            value = value * 10 + (json.charAt(i) - '0');
            any = true;
        }
        return any ? value : -1;
    }
}
