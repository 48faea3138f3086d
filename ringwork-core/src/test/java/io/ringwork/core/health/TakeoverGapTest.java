package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TakeoverGapTest {

    private static final TakeoverGap.Bounds BOUNDS = new TakeoverGap.Bounds(600, 250, 10_000);

    @Test
    void aFailedOwnerLeftUncheckedEverythingFromShortlyBeforeItWasLastSeenAliveUntilNow() {
        // Killed at about 99,800, last seen alive at 100,000, the plan moved at 101,500, started 101,900, taken over at 102,000.
        TakeoverGap gap = TakeoverGap.of(102_000, 101_500, 101_900, 100_000L, BOUNDS, null);
        assertThat(gap).isEqualTo(new TakeoverGap(99_400, 102_000));
        assertThat(gap.missed(99_399)).as("checked by the old owner before it died").isFalse();
        assertThat(gap.missed(99_400)).isTrue();
        assertThat(gap.missed(101_999)).isTrue();
        assertThat(gap.missed(102_000)).as("due now on the grid anyway").isFalse();
    }

    @Test
    void aHandoffMissedEverythingSinceTheOldOwnerPausedAtThePlanChange() {
        // The plan named this node at 50,000 (the old owner paused about then); released and started here at 53,000.
        TakeoverGap gap = TakeoverGap.of(53_100, 50_000, 53_000, null, BOUNDS, null);
        assertThat(gap).isEqualTo(new TakeoverGap(49_750, 53_100));
        assertThat(gap.missed(49_749)).as("the old owner checked it before the plan changed").isFalse();
        assertThat(gap.missed(51_000)).isTrue();
    }

    @Test
    void aQuickHandoffTheOldOwnerNeverPausedForOpensAtTheRelease() {
        // This node saw the plan only after it started the partition (a slow round): the old owner
        // checked until it released, just before the start.
        assertThat(TakeoverGap.of(7_500, 7_250, 6_940, null, BOUNDS, null)).isEqualTo(new TakeoverGap(6_690, 7_500));
    }

    @Test
    void afterAPauseLongerThanItsBoundTheOldOwnerCaughtUpItselfSoOnlyTheReleaseCounts() {
        assertThat(TakeoverGap.of(75_100, 50_000, 75_000, null, BOUNDS, null)).isEqualTo(new TakeoverGap(74_750, 75_100));
    }

    @Test
    void aLeaveFinishedBeforeTheTakeoverOpensAtThePlanChange() {
        // Gone (LEFT) and last seen alive just now: the window opens when the plan moved, not at the margin.
        assertThat(TakeoverGap.of(80_000, 70_000, 79_900, 79_950L, BOUNDS, null)).isEqualTo(new TakeoverGap(70_000, 80_000));
    }

    @Test
    void neverReachesBackBeforeThisNodeLastLedThePartition() {
        TakeoverGap gap = TakeoverGap.of(102_000, 101_500, 101_900, 100_000L, BOUNDS, 101_000L);
        assertThat(gap).isEqualTo(new TakeoverGap(101_000, 102_000));
        assertThat(TakeoverGap.of(102_000, 101_500, 101_900, 100_000L, BOUNDS, 102_000L)).isEqualTo(TakeoverGap.NONE);
        assertThat(TakeoverGap.NONE.missed(Long.MAX_VALUE - 1)).isFalse();
        assertThat(TakeoverGap.NONE.missed(0)).isFalse();
    }
}
