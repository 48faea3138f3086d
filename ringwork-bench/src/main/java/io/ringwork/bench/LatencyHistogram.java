package io.ringwork.bench;

/**
 * A fixed-size histogram of latencies in microseconds, so a load generator's memory does not grow
 * with the length of its run: 10 µs buckets up to 10 ms, 100 µs buckets up to 1 s, 10 ms buckets
 * up to 100 s, and one bucket above. A percentile is the upper edge of its bucket (never below
 * the true value, at most one bucket above it). Not thread-safe.
 */
final class LatencyHistogram {
    private static final long FINE_LIMIT_US = 10_000;
    private static final long MID_LIMIT_US = 1_000_000;
    private static final long COARSE_LIMIT_US = 100_000_000;
    private static final int FINE = (int) (FINE_LIMIT_US / 10);
    private static final int MID = (int) ((MID_LIMIT_US - FINE_LIMIT_US) / 100);
    private static final int COARSE = (int) ((COARSE_LIMIT_US - MID_LIMIT_US) / 10_000);

    private final long[] counts = new long[FINE + MID + COARSE + 1];
    private long total;
    private long maxUs;

    void recordMicros(long us) {
        long v = Math.max(0, us);
        int bucket;
        if (v < FINE_LIMIT_US) bucket = (int) (v / 10);
        else if (v < MID_LIMIT_US) bucket = FINE + (int) ((v - FINE_LIMIT_US) / 100);
        else if (v < COARSE_LIMIT_US) bucket = FINE + MID + (int) ((v - MID_LIMIT_US) / 10_000);
        else bucket = counts.length - 1;
        counts[bucket]++;
        total++;
        maxUs = Math.max(maxUs, v);
    }

    void recordMillis(long ms) {
        recordMicros(ms * 1000);
    }

    long count() {
        return total;
    }

    /** The latency in milliseconds at or below which {@code fraction} of the values lie; NaN when empty. */
    double percentileMs(double fraction) {
        if (total == 0) return Double.NaN;
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) return Math.min(upperEdgeUs(i), maxUs) / 1000.0;
        }
        return maxUs / 1000.0;
    }

    double maxMs() {
        return total == 0 ? Double.NaN : maxUs / 1000.0;
    }

    private static long upperEdgeUs(int bucket) {
        if (bucket < FINE) return (bucket + 1) * 10L;
        if (bucket < FINE + MID) return FINE_LIMIT_US + (bucket - FINE + 1) * 100L;
        if (bucket < FINE + MID + COARSE) return MID_LIMIT_US + (bucket - FINE - MID + 1) * 10_000L;
        return Long.MAX_VALUE;
    }
}
