package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ReadinessHoldTest {
    private static BitSet bits(int... set) {
        BitSet bits = new BitSet();
        for (int b : set) bits.set(b);
        return bits;
    }

    @Test
    void partitions_in_sync_during_catch_ups_are_announced_once_they_are_over() {
        ReadinessHold hold = new ReadinessHold(10_000);
        assertThat(hold.announce(bits(0), true, 0)).as("held while others catch up").isEqualTo(bits());
        assertThat(hold.holding()).isTrue();
        assertThat(hold.announce(bits(0, 1), true, 500)).isEqualTo(bits());
        assertThat(hold.announce(bits(0, 1, 2), false, 900)).as("catch-ups over").isEqualTo(bits(0, 1, 2));
        assertThat(hold.holding()).isFalse();
    }

    @Test
    void what_was_announced_stays_and_what_falls_out_of_sync_goes_at_once() {
        ReadinessHold hold = new ReadinessHold(10_000);
        assertThat(hold.announce(bits(0, 1), false, 0)).isEqualTo(bits(0, 1));
        // A catch-up of another partition starts: 0 and 1 stay ready, 2 waits; 1 falls out of sync.
        assertThat(hold.announce(bits(0, 2), true, 100)).isEqualTo(bits(0));
        assertThat(hold.announce(bits(0, 1, 2), false, 200)).isEqualTo(bits(0, 1, 2));
    }

    @Test
    void a_hold_ends_at_its_bound_even_while_catch_ups_go_on() {
        ReadinessHold hold = new ReadinessHold(1_000);
        assertThat(hold.announce(bits(3), true, 0)).isEqualTo(bits());
        assertThat(hold.announce(bits(3), true, 999)).isEqualTo(bits());
        assertThat(hold.announce(bits(3), true, 1_000)).isEqualTo(bits(3));
        // A later newcomer starts a new hold.
        assertThat(hold.announce(bits(3, 4), true, 1_100)).isEqualTo(bits(3));
    }
}
