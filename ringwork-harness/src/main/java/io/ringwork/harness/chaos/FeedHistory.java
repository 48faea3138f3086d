package io.ringwork.harness.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node's change feed delivered, in arrival order: per key the versions, and per partition
 * the arrival times (ms since the run started). Kept whole for the checks after the run; memory
 * grows with the changes seen (a few tens of bytes each). Thread-safe.
 */
public final class FeedHistory {
    private final String node;
    private final Map<String, LongList> versionsByKey = new HashMap<>();
    private final Map<Integer, LongList> arrivalsByPartition = new HashMap<>();
    /** Per partition, the version of each change, parallel to {@link #arrivalsByPartition}. */
    private final Map<Integer, LongList> versionsByPartition = new HashMap<>();
    private long lastPosition = -1;
    private long changes;

    public FeedHistory(String node) {
        this.node = node;
    }

    public String node() {
        return node;
    }

    /** Records one change as delivered; {@code position} is the node's feed position (-1 if unknown). */
    public synchronized void record(long position, String key, long version, int partition, long arrivalMs) {
        versionsByKey.computeIfAbsent(key, k -> new LongList()).add(version);
        arrivalsByPartition.computeIfAbsent(partition, p -> new LongList()).add(arrivalMs);
        versionsByPartition.computeIfAbsent(partition, p -> new LongList()).add(version);
        if (position > lastPosition) lastPosition = position;
        changes++;
    }

    /** The highest feed position seen, to resume after it; -1 before the first change. */
    public synchronized long lastPosition() {
        return lastPosition;
    }

    public synchronized long changes() {
        return changes;
    }

    /** The versions delivered for {@code key}, in arrival order (a copy). */
    public synchronized long[] versions(String key) {
        LongList list = versionsByKey.get(key);
        return list == null ? new long[0] : list.toArray();
    }

    /** The highest version delivered for {@code key}, or -1. */
    public synchronized long maxVersion(String key) {
        LongList list = versionsByKey.get(key);
        if (list == null) return -1;
        long max = -1;
        for (int i = 0; i < list.size; i++) max = Math.max(max, list.values[i]);
        return max;
    }

    public synchronized List<String> keys() {
        return new ArrayList<>(versionsByKey.keySet());
    }

    /** Arrival times of {@code partition}'s changes (ms since the run started, non-decreasing). */
    public synchronized long[] arrivals(int partition) {
        LongList list = arrivalsByPartition.get(partition);
        return list == null ? new long[0] : list.toArray();
    }

    /** The versions of {@code partition}'s changes, parallel to {@link #arrivals(int)} (a copy). */
    public synchronized long[] versionsIn(int partition) {
        LongList list = versionsByPartition.get(partition);
        return list == null ? new long[0] : list.toArray();
    }

    public synchronized List<Integer> partitions() {
        return new ArrayList<>(arrivalsByPartition.keySet());
    }

    /** A growable array of longs: a boxed list would cost four times the memory per change. */
    static final class LongList {
        long[] values = new long[8];
        int size;

        void add(long value) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = value;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
