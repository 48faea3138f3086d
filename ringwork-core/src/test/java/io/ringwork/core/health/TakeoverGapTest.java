package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TakeoverGapTest {

    private static final TakeoverGap.Bounds BOUNDS = new TakeoverGap.Bounds(600, 250, 10_000, 15_000);
    private static final long NEVER = Long.MIN_VALUE;
    /** When this node's plan named the previous owner: long before, unless a test says otherwise. */
    private static final long LONG_AGO = -3_600_000;

    @Test
    void aFailedOwnerLeftUncheckedEverythingFromShortlyBeforeItWasLastSeenAliveUntilNow() {
        // Killed at about 99,800, last seen alive at 100,000, the plan moved at 101,500, started 101,900, taken over at 102,000.
        TakeoverGap gap = TakeoverGap.of(102_000, 101_500, NEVER, 101_900, LONG_AGO, 100_000L, BOUNDS, null);
        assertThat(gap).isEqualTo(new TakeoverGap(99_400, 102_000));
        assertThat(gap.missed(99_399)).as("checked by the old owner before it died").isFalse();
        assertThat(gap.missed(99_400)).isTrue();
        assertThat(gap.missed(101_999)).isTrue();
        assertThat(gap.missed(102_000)).as("due now on the grid anyway").isFalse();
    }

    @Test
    void aHandoffMissedEverythingSinceTheOldOwnerPausedAtThePlanChange() {
        // The plan named this node at 50,000 (the old owner paused about then); released and started here at 53,000.
        TakeoverGap gap = TakeoverGap.of(53_100, 50_000, NEVER, 53_000, LONG_AGO, null, BOUNDS, null);
        assertThat(gap).isEqualTo(new TakeoverGap(49_750, 53_100));
        assertThat(gap.missed(49_749)).as("the old owner checked it before the plan changed").isFalse();
        assertThat(gap.missed(51_000)).isTrue();
    }

    @Test
    void aQuickHandoffTheOldOwnerNeverPausedForOpensAtTheRelease() {
        // This node saw the plan only after it started the partition (a slow round): the old owner
        // checked until it released, just before the start.
        assertThat(TakeoverGap.of(7_500, 7_250, NEVER, 6_940, LONG_AGO, null, BOUNDS, null)).isEqualTo(new TakeoverGap(6_690, 7_500));
    }

    @Test
    void afterAPauseLongerThanItsBoundTheOldOwnerCaughtUpItselfSoOnlyTheReleaseCounts() {
        assertThat(TakeoverGap.of(75_100, 50_000, NEVER, 75_000, LONG_AGO, null, BOUNDS, null)).isEqualTo(new TakeoverGap(74_750, 75_100));
    }

    @Test
    void aLeaveFinishedBeforeTheTakeoverOpensAtThePlanChange() {
        // Gone (LEFT) and last seen alive just now: the window opens when the plan moved, not at the margin.
        assertThat(TakeoverGap.of(80_000, 70_000, NEVER, 79_900, LONG_AGO, 79_950L, BOUNDS, null)).isEqualTo(new TakeoverGap(70_000, 80_000));
    }

    @Test
    void neverReachesBackBeforeThisNodeLastLedThePartition() {
        TakeoverGap gap = TakeoverGap.of(102_000, 101_500, NEVER, 101_900, LONG_AGO, 100_000L, BOUNDS, 101_000L);
        assertThat(gap).isEqualTo(new TakeoverGap(101_000, 102_000));
        assertThat(TakeoverGap.of(102_000, 101_500, NEVER, 101_900, LONG_AGO, 100_000L, BOUNDS, 102_000L)).isEqualTo(TakeoverGap.NONE);
        assertThat(TakeoverGap.NONE.missed(Long.MAX_VALUE - 1)).isFalse();
        assertThat(TakeoverGap.NONE.missed(0)).isFalse();
    }

    @Test
    void aJoinerWhosePlanNamedItLateOpensWhenItGossipedItWasReady() {
        // The joiner gossiped at 43,800 that it was ready; the old owner's plan named it (and paused) about then, but
        // the joiner's own plan, on cores busy catching up, named it only at 44,400: the margin alone (44,150) would
        // leave the checks due in [43,800, 44,150) to no one until their next grid point, two intervals after the last.
        TakeoverGap gap = TakeoverGap.of(48_300, 44_400, 43_800, 48_250, LONG_AGO, null, BOUNDS, null);
        assertThat(gap).isEqualTo(new TakeoverGap(43_800, 48_300));
        assertThat(gap.missed(43_799)).as("before the readiness was known anywhere").isFalse();
        assertThat(TakeoverGap.of(48_300, 44_400, NEVER, 48_250, LONG_AGO, null, BOUNDS, null).missed(43_900))
                .as("without the readiness's time, the check due at 43,900 goes to no one").isFalse();
    }

    @Test
    void aReadinessLongBeforeThePlanChangeDoesNotWidenTheWindow() {
        // Ready for an hour as a replica; the partition came here at 50,000 because the ring changed.
        assertThat(TakeoverGap.of(53_100, 50_000, 50_000 - 3_600_000, 53_000, LONG_AGO, null, BOUNDS, null)).isEqualTo(new TakeoverGap(49_750, 53_100));
        // Ready only after the plan named it (its own plan went first): the margin still opens it.
        assertThat(TakeoverGap.of(53_100, 50_000, 50_100, 53_000, LONG_AGO, null, BOUNDS, null)).isEqualTo(new TakeoverGap(49_750, 53_100));
    }

    @Test
    void aFailureIgnoresTheReadiness() {
        assertThat(TakeoverGap.of(102_000, 101_500, 95_000, 101_900, LONG_AGO, 100_000L, BOUNDS, null)).isEqualTo(new TakeoverGap(99_400, 102_000));
    }

    @Test
    void aFreshOwnerThatFailedMayHaveMadeNoneOfItsChecksSoTheWindowOpensWhenItCouldFirstHaveStarted() {
        // This node released the partition to a joiner at 48,575 (its plan named the joiner at 44,500); the joiner,
        // deposed by a false suspicion, was last seen alive at 56,000; the plan named this node again at 57,200.
        TakeoverGap gap = TakeoverGap.of(57_700, 57_200, NEVER, 57_450, 44_500, 56_000L, BOUNDS, 48_575L);
        assertThat(gap).isEqualTo(new TakeoverGap(48_575, 57_700));
        // The same failure of an owner that had had it for a minute: only the failure's margin.
        assertThat(TakeoverGap.of(57_700, 57_200, NEVER, 57_450, LONG_AGO, 56_000L, BOUNDS, null)).isEqualTo(new TakeoverGap(55_400, 57_700));
    }

    @Test
    void aFreshOwnerHandingOffAlsoOpensTheWindowAtItsStart() {
        // The plan named the previous owner at 50,000 and this node at 58,000 (both alive): 8 s is fresh.
        assertThat(TakeoverGap.of(60_100, 58_000, NEVER, 60_000, 50_000, null, BOUNDS, null)).isEqualTo(new TakeoverGap(49_750, 60_100));
        // 20 s is not.
        assertThat(TakeoverGap.of(60_100, 58_000, NEVER, 60_000, 38_000, null, BOUNDS, null)).isEqualTo(new TakeoverGap(57_750, 60_100));
    }
}
