package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TakeoverGapTest {

    private static final long PAUSE = 10_000, MARGIN = 600;

    @Test
    void aFailedOwnerLeftUncheckedEverythingFromShortlyBeforeItWasLastSeenAliveUntilNow() {
        // Killed at about 99,800, last seen alive at 100,000, the plan moved at 101,500, taken over at 102,000.
        TakeoverGap gap = TakeoverGap.of(102_000, 101_500, 100_000L, MARGIN, PAUSE, null);
        assertThat(gap).isEqualTo(new TakeoverGap(99_400, 102_000));
        assertThat(gap.missed(99_399)).as("checked by the old owner before it died").isFalse();
        assertThat(gap.missed(99_400)).isTrue();
        assertThat(gap.missed(101_999)).isTrue();
        assertThat(gap.missed(102_000)).as("due now on the grid anyway").isFalse();
    }

    @Test
    void aHandoffMissedOnlyTheOldOwnersPauseFromThePlanChange() {
        // The plan named this node at 50,000; the old owner stopped then, for at most the pause.
        TakeoverGap quick = TakeoverGap.of(53_000, 50_000, null, MARGIN, PAUSE, null);
        assertThat(quick).isEqualTo(new TakeoverGap(50_000, 53_000));
        assertThat(quick.missed(49_999)).as("the old owner checked it before the plan changed").isFalse();
        TakeoverGap slow = TakeoverGap.of(75_000, 50_000, null, MARGIN, PAUSE, null);
        assertThat(slow).as("after its pause the old owner checked again").isEqualTo(new TakeoverGap(50_000, 60_000));
        assertThat(slow.missed(60_000)).isFalse();
    }

    @Test
    void aLeaveFinishedBeforeTheTakeoverStartsAtThePlanChange() {
        // Gone (LEFT) and last seen alive just now: the window opens when the plan moved, not at the margin.
        assertThat(TakeoverGap.of(80_000, 70_000, 79_950L, MARGIN, PAUSE, null)).isEqualTo(new TakeoverGap(70_000, 80_000));
    }

    @Test
    void neverReachesBackBeforeThisNodeLastLedThePartition() {
        TakeoverGap gap = TakeoverGap.of(102_000, 101_500, 100_000L, MARGIN, PAUSE, 101_000L);
        assertThat(gap).isEqualTo(new TakeoverGap(101_000, 102_000));
        assertThat(TakeoverGap.of(102_000, 101_500, 100_000L, MARGIN, PAUSE, 102_000L)).isEqualTo(TakeoverGap.NONE);
        assertThat(TakeoverGap.NONE.missed(Long.MAX_VALUE - 1)).isFalse();
        assertThat(TakeoverGap.NONE.missed(0)).isFalse();
    }
}
