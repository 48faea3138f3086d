package io.ringwork.harness.chaos;

import io.ringwork.harness.chaos.ChaosReport.Delays;
import io.ringwork.harness.chaos.ChaosReport.Failover;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The headline figures of a chaos run, computed before anything is printed: the report prints
 * them, and tests assert on them. Times are ms since the run started; a null figure is one the
 * run could not measure (printed as n/a).
 *
 * @param anomalies            per check, by name in print order (lost, duplicated, reordered, divergent)
 * @param kills                every kill's failover, in order
 * @param failoverFirst        over the kills: from a kill to the first change of any partition it owned
 * @param failoverPerPartition over the kills and their partitions: from a kill until the partition was processed again
 * @param cuts                 every partition fault's failover (the cut-off node's partitions on the other side), in order
 * @param cutFailoverPerPartition over the cuts and their partitions: from a cut until another node processed the partition again
 * @param joins                every join's figures, in order
 * @param repairs              anti-entropy repairs the nodes reported (-1: no node answered a scrape)
 * @param drained              every node and feed caught up before the drain timeout
 */
record ChaosFigures(Map<String, Long> anomalies, List<Kill> kills, Spread failoverFirst, Spread failoverPerPartition,
                    List<Kill> cuts, Spread cutFailoverPerPartition, List<Join> joins, long repairs, boolean drained) {

    /** Nearest-rank percentiles of {@code count} values; null in place of a spread with no value. */
    record Spread(int count, long p50Ms, long p99Ms, long maxMs) {
        static Spread of(List<Long> values) {
            if (values.isEmpty()) return null;
            List<Long> sorted = values.stream().sorted().toList();
            return new Spread(sorted.size(), ChaosReport.percentile(sorted, 0.50), ChaosReport.percentile(sorted, 0.99),
                    sorted.get(sorted.size() - 1));
        }
    }

    /** A kill (or a cut) of {@code node} at {@code atMs}; {@code failover} null when /v1/cluster showed no ownership before it. */
    record Kill(String node, long atMs, Failover failover) {}

    /**
     * Partition starts and releases over a join's window, from the nodes' {@code /metrics}
     * ({@link NodeScrapes}): for the unmoved partitions, any is a pause the join caused.
     * {@code exact} is false when some node had not been scraped before the window.
     */
    record Runners(long unmovedStarted, long unmovedReleased, Set<Integer> unmovedChanged, long movedStarted, long movedReleased,
                   boolean exact) {}

    /**
     * A join of {@code node}: its window [startMs, settledMs], the partitions that changed owner
     * (moved) and the others, each group's apply delays in the window and in the baseline before
     * it, and the stall: max(0, the window's max − the baseline's p99), null when either has no
     * record. {@code runners} is null when the nodes reported no partition counters.
     */
    record Join(String node, long startMs, long readyMs, long settledMs, int owns, boolean ownershipShown,
                Set<Integer> moved, Set<Integer> unmoved, Delays movedDuring, Delays movedBaseline, Long movedStallMs,
                Delays unmovedDuring, Delays unmovedBaseline, Long unmovedStallMs, Runners runners) {}

    long anomalyTotal() {
        return anomalies.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The run passes: drained, with zero anomalies. */
    boolean ok() {
        return drained && anomalyTotal() == 0;
    }

    /** The report's last line, which scripts grep. */
    String resultLine() {
        return ok() ? "RESULT: OK, 0 anomalies" : "RESULT: FAILED, " + anomalyTotal() + " anomalies" + (drained ? "" : ", not drained");
    }

    /** {@code lost 0, duplicated 0, reordered 0, divergent 0}. */
    String anomalyLine() {
        StringBuilder line = new StringBuilder();
        anomalies.forEach((name, count) -> line.append(line.isEmpty() ? "" : ", ").append(name).append(' ').append(count));
        return line.toString();
    }
}
