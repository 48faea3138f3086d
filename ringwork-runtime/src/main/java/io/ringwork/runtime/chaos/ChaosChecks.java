package io.ringwork.runtime.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The checks after a chaos run, as a pure function of what was produced, what the feeds delivered
 * and what the nodes hold. Each anomaly is counted under its name:
 * <ul>
 *   <li><b>lost</b> (counted once per record): an applied record whose change no feed delivered; a feed that skipped an
 *       applied version of a key between two it delivered (a gap); a key whose state
 *       on its owner is older than the last record produced for it;</li>
 *   <li><b>duplicated</b>: a feed delivering a version it already delivered for that key;</li>
 *   <li><b>reordered</b>: a feed delivering a lower version after a higher one for a key;</li>
 *   <li><b>divergent</b>: a replica (or the owner) whose value differs from the sequential fold.</li>
 * </ul>
 */
public final class ChaosChecks {
    private static final int MAX_EXAMPLES = 8;

    /**
     * What the fold says about one key.
     *
     * @param value          the folded value, or null when the key is absent, deleted or never valid
     * @param lastVersion    the log offset of the last record produced for the key (applied or rejected)
     * @param appliedVersions the log offsets of the key's records that produced a change, ascending
     */
    public record Expected(JsonNode value, long lastVersion, long[] appliedVersions) {}

    /** A key's state as read from one node; {@code value} null and {@code version} -1 for a 404. */
    public record Read(String node, long version, JsonNode value) {}

    /** The anomalies by name, with a few examples of each. */
    public record Anomalies(long lost, long duplicated, long reordered, long divergent, List<String> examples) {
        public long total() {
            return lost + duplicated + reordered + divergent;
        }

        @Override
        public String toString() {
            return String.format("lost %d, duplicated %d, reordered %d, divergent %d", lost, duplicated, reordered, divergent);
        }
    }

    private long lost;
    private long duplicated;
    private long reordered;
    private long divergent;
    private final List<String> examples = new ArrayList<>();

    private ChaosChecks() {}

    /**
     * @param expected  per key, what the fold expects
     * @param feeds     every node's feed history
     * @param owner     per key, the state as its owner serves it (a missing entry is not checked)
     * @param replicas  per key, the state on each replica ({@code ?local=true})
     */
    public static Anomalies check(Map<String, Expected> expected, List<FeedHistory> feeds,
                                  Map<String, Read> owner, Map<String, List<Read>> replicas) {
        ChaosChecks checks = new ChaosChecks();
        for (Map.Entry<String, Expected> entry : expected.entrySet()) {
            String key = entry.getKey();
            Expected want = entry.getValue();
            checks.checkFeeds(key, want, feeds);
            Read read = owner.get(key);
            if (read != null) checks.checkOwner(key, want, read);
            for (Read replica : replicas.getOrDefault(key, List.of())) checks.checkReplica(key, want, replica);
        }
        return new Anomalies(checks.lost, checks.duplicated, checks.reordered, checks.divergent, List.copyOf(checks.examples));
    }

    private void checkFeeds(String key, Expected want, List<FeedHistory> feeds) {
        Set<Long> seenAnywhere = new HashSet<>();
        Set<Long> missing = new HashSet<>(); // a record counts once however many feeds miss it
        for (FeedHistory feed : feeds) {
            long[] versions = feed.versions(key);
            Set<Long> seen = new HashSet<>();
            long max = Long.MIN_VALUE;
            for (long version : versions) {
                if (seen.contains(version)) {
                    duplicated++;
                    example("duplicated: %s v%d delivered again by %s", key, version, feed.node());
                } else if (version < max) {
                    reordered++;
                    example("reordered: %s v%d after v%d on %s", key, version, max, feed.node());
                }
                seen.add(version);
                max = Math.max(max, version);
            }
            seenAnywhere.addAll(seen);
            if (versions.length == 0) continue;
            // A feed may start late (a joined node, a subscription opened mid-run); from its first
            // version on it must deliver every applied version of the key.
            // A feed also ends early when its node left; the drain requires the feeds of the nodes
            // still up to reach the last version, so here only the span it covered is checked.
            long first = versions[0];
            for (long applied : want.appliedVersions()) {
                if (applied > first && applied < max && !seen.contains(applied) && missing.add(applied)) {
                    example("lost: %s v%d missing on %s's feed, which delivered v%d before it", key, applied, feed.node(), first);
                }
            }
        }
        for (long applied : want.appliedVersions()) {
            if (!seenAnywhere.contains(applied) && missing.add(applied)) {
                example("lost: %s v%d applied by the fold but on no feed", key, applied);
            }
        }
        lost += missing.size();
    }

    private void checkOwner(String key, Expected want, Read read) {
        if (read.version() >= 0 && read.version() < want.lastVersion()) {
            lost++;
            example("lost: %s on its owner %s is at v%d, the last record is v%d", key, read.node(), read.version(), want.lastVersion());
        } else if (!Objects.equals(want.value(), read.value())) {
            divergent++;
            example("divergent: %s on its owner %s is %s, the fold has %s", key, read.node(), read.value(), want.value());
        }
    }

    private void checkReplica(String key, Expected want, Read read) {
        if (!Objects.equals(want.value(), read.value())) {
            divergent++;
            example("divergent: %s on replica %s (v%d) is %s, the fold has %s", key, read.node(), read.version(), read.value(), want.value());
        }
    }

    private void example(String format, Object... args) {
        if (examples.size() < MAX_EXAMPLES) examples.add(String.format(format, args));
    }
}
