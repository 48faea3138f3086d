package io.ringwork.core.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class CheckpointTrackerTest {
    @Test
    void checkpointWaitsForTheOldestRecord() {
        CheckpointTracker tracker = new CheckpointTracker(-1, 10);
        for (long o = 0; o < 5; o++) tracker.dispatched(o);
        assertThat(tracker.completed(3)).isEqualTo(-1);
        assertThat(tracker.completed(1)).isEqualTo(-1);
        assertThat(tracker.completed(0)).isEqualTo(1);
        assertThat(tracker.completed(2)).isEqualTo(3);
        assertThat(tracker.completed(4)).isEqualTo(4);
        assertThat(tracker.window()).isZero();
    }

    @Test
    void gapsInOffsetsAreFineAndAnIdleTrackerJumpsOverThem() {
        CheckpointTracker tracker = new CheckpointTracker(9, 4);
        tracker.dispatched(20);
        assertThat(tracker.checkpoint()).isEqualTo(19);
        tracker.dispatched(25);
        assertThat(tracker.completed(25)).isEqualTo(19);
        assertThat(tracker.completed(20)).isEqualTo(25);
    }

    @Test
    void theWindowGrowsOnDemandUpToItsLimitAndSpansUnfinishedRecords() {
        CheckpointTracker tracker = new CheckpointTracker(-1, 5000);
        for (long o = 0; o < 5000; o++) tracker.dispatched(o);
        assertThat(tracker.hasRoom()).isFalse();
        for (long o = 1; o < 5000; o++) tracker.completed(o);
        // Everything but the oldest is done, yet the window still spans all of it.
        assertThat(tracker.window()).isEqualTo(5000);
        assertThat(tracker.checkpoint()).isEqualTo(-1);
        assertThat(tracker.completed(0)).isEqualTo(4999);
        assertThat(tracker.hasRoom()).isTrue();
    }

    @Test
    void misuseIsAnInvariantViolation() {
        CheckpointTracker tracker = new CheckpointTracker(-1, 2);
        tracker.dispatched(0);
        tracker.dispatched(1);
        assertThatThrownBy(() -> tracker.dispatched(2)).isInstanceOf(Invariants.InvariantViolation.class);
        assertThatThrownBy(() -> tracker.dispatched(1)).isInstanceOf(Invariants.InvariantViolation.class);
        tracker.completed(0);
        assertThatThrownBy(() -> tracker.completed(0)).isInstanceOf(Invariants.InvariantViolation.class);
        assertThatThrownBy(() -> tracker.completed(7)).isInstanceOf(Invariants.InvariantViolation.class);
    }

    /** Whatever the completion order, the checkpoint is always the highest offset with everything below done. */
    @Property(tries = 300)
    void checkpointIsTheLowWatermarkOfCompletion(@ForAll @IntRange(min = 1, max = 200) int n, @ForAll long seed) {
        CheckpointTracker tracker = new CheckpointTracker(-1, n);
        List<Long> offsets = new ArrayList<>();
        for (long o = 0; o < n; o++) {
            tracker.dispatched(o);
            offsets.add(o);
        }
        Collections.shuffle(offsets, new Random(seed));
        boolean[] done = new boolean[n];
        for (long o : offsets) {
            long checkpoint = tracker.completed(o);
            done[(int) o] = true;
            long expected = -1;
            while (expected + 1 < n && done[(int) (expected + 1)]) expected++;
            assertThat(checkpoint).isEqualTo(expected);
        }
        assertThat(tracker.window()).isZero();
    }
}
