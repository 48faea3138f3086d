package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The checks after a chaos run, as a pure function of what was produced, what the feeds delivered
 * and what the nodes hold.
 *
 * <p>Feed semantics: a node that was down, paused past a link failure or newly joined catches up
 * <i>by snapshot</i>: it receives the partition's current states, not the changes in between, so
 * its feed may jump from an older version of a key straight to the snapshot's version. That is
 * the designed behaviour. Only a node <i>continuously in the cluster</i> (started at the
 * beginning, never killed, paused, restarted or left) must deliver every applied version on its
 * own feed. Each anomaly is counted under its name:
 * <ul>
 *   <li><b>lost</b> (counted once per record): an applied record whose change is on no node's feed
 *       (the union of the feeds); an applied version that a continuously present node's feed
 *       skipped between two versions of the key it delivered (a gap); a key whose state on its
 *       owner is older than the last record produced for it;</li>
 *   <li><b>duplicated</b>: a feed delivering a version it already delivered for that key, across
 *       its node's restarts and reconnects too;</li>
 *   <li><b>reordered</b>: a feed delivering a lower version after a higher one for a key;</li>
 *   <li><b>divergent</b>: a replica (or the owner) whose value differs from the sequential fold.</li>
 * </ul>
 * A gap on the feed of any other node is a <b>catch-up jump</b>, counted for information (one per
 * run of consecutive skipped versions) and never an anomaly.
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

    /**
     * The anomalies by name, with a few examples of each, and the catch-up jumps (not anomalies)
     * with the nodes whose feeds made them.
     */
    public record Anomalies(long lost, long duplicated, long reordered, long divergent, List<String> examples,
                            long catchUpJumps, List<String> caughtUpNodes) {
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
    private long catchUpJumps;
    private final Set<String> caughtUpNodes = new TreeSet<>();
    private final List<String> examples = new ArrayList<>();

    private ChaosChecks() {}

    /**
     * @param expected  per key, what the fold expects
     * @param feeds     every node's feed history
     * @param continuous the nodes continuously in the cluster (started at the beginning, never
     *                  killed, paused, restarted or left): a gap on their feeds is lost
     * @param owner     per key, the state as its owner serves it (a missing entry is not checked)
     * @param replicas  per key, the state on each replica ({@code ?local=true})
     */
    public static Anomalies check(Map<String, Expected> expected, List<FeedHistory> feeds, Set<String> continuous,
                                  Map<String, Read> owner, Map<String, List<Read>> replicas) {
        ChaosChecks checks = new ChaosChecks();
        for (Map.Entry<String, Expected> entry : expected.entrySet()) {
            String key = entry.getKey();
            Expected want = entry.getValue();
            checks.checkFeeds(key, want, feeds, continuous);
            Read read = owner.get(key);
            if (read != null) checks.checkOwner(key, want, read);
            for (Read replica : replicas.getOrDefault(key, List.of())) checks.checkReplica(key, want, replica);
        }
        return new Anomalies(checks.lost, checks.duplicated, checks.reordered, checks.divergent, List.copyOf(checks.examples),
                checks.catchUpJumps, List.copyOf(checks.caughtUpNodes));
    }

    private void checkFeeds(String key, Expected want, List<FeedHistory> feeds, Set<String> continuous) {
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
            // A feed may start late (a joined node, a partition this node came to hold mid-run) and
            // ends early when its node left or stopped holding the partition; so only the span it
            // covered, from its first version to its last, is checked for gaps.
            long first = versions[0];
            boolean isContinuous = continuous.contains(feed.node());
            boolean inJump = false;
            for (long applied : want.appliedVersions()) {
                if (applied <= first || applied >= max) continue;
                if (seen.contains(applied)) {
                    inJump = false;
                } else if (isContinuous) {
                    if (missing.add(applied)) {
                        example("lost: %s v%d missing on %s's feed (continuously in the cluster), which delivered v%d before it",
                                key, applied, feed.node(), first);
                    }
                } else if (!inJump) {
                    inJump = true; // a catch-up by snapshot: the node skipped the changes in between
                    catchUpJumps++;
                    caughtUpNodes.add(feed.node());
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
