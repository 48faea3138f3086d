package io.ringwork.sim.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.sim.Seeds;
import org.junit.jupiter.api.Test;

/**
 * A join pauses no partition it does not move, in simulated time (no CPU, so only what the
 * protocol makes a partition wait for). {@code SEED=n} replays one seed.
 */
class JoinStallTest {
    private static final ClusterConfig CONFIG = JoinStall.config();
    /**
     * The longest a record can wait for a quorum when nothing holds it up: the owner's next step
     * (one tick), then the commit to a replica and its answer (one network latency each).
     */
    private static final long UNHELD_WAIT_MS = CONFIG.tickMs() + 2L * CONFIG.latencyMsMax();

    @Test
    void aJoinNeitherStopsNorDelaysTheUnmovedPartitions() {
        long first = Seeds.fromEnvironment(1);
        int seeds = Seeds.isReplay() ? 1 : 6;
        long movedLongest = 0;
        for (long seed = first; seed < first + seeds; seed++) {
            JoinStall.Report report = JoinStall.run(seed, CONFIG);
            assertThat(report.moved()).as("seed %d: the joiner took some partitions", seed).isNotEmpty();
            assertThat(report.unmoved()).as("seed %d", seed).isNotEmpty();
            assertThat(report.unmovedDuring().records()).as("seed %d: records during the join", seed).isPositive();
            // Never stopped, restarted or run twice while the join went on...
            assertThat(report.unmovedRunnerChanges()).as("seed %d: runner changes of unmoved partitions", seed).isZero();
            // ...and no record waited for anything but the owner's step and one round trip.
            assertThat(report.unmovedBefore().maxMs()).as("seed %d: before the join", seed).isLessThanOrEqualTo(UNHELD_WAIT_MS);
            assertThat(report.unmovedDuring().maxMs()).as("seed %d: during the join", seed).isLessThanOrEqualTo(UNHELD_WAIT_MS);
            // The same counters see a handoff: each moved partition changes runners at least twice.
            assertThat(report.movedRunnerChanges()).as("seed %d", seed).isGreaterThanOrEqualTo(2 * report.moved().size());
            movedLongest = Math.max(movedLongest, report.movedDuring().maxMs());
        }
        // And the wait measure sees a handoff's pause: some moved record waited past the bound.
        if (!Seeds.isReplay()) assertThat(movedLongest).isGreaterThan(UNHELD_WAIT_MS);
    }

    /**
     * Seed 70: a member whose view had the old owner's release but not yet the new owner started
     * a moved partition itself and deposed the new owner (11 runner changes, a 1.4 s wait). A
     * member that heard the new owner lead it now leaves it alone (LeaderSightings).
     */
    @Test
    void seed70AMovedPartitionIsHandedOffOnce() {
        JoinStall.Report report = JoinStall.run(70, CONFIG);
        // Per moved partition three changes of its runners: the old owner handing off, no one, the new owner.
        assertThat(report.movedRunnerChanges()).isLessThanOrEqualTo(3 * report.moved().size());
        assertThat(report.movedDuring().maxMs()).isLessThan(500);
    }
}
