package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseNoticesTest {
    private static BitSet bits(int... set) {
        BitSet bits = new BitSet();
        for (int b : set) bits.set(b);
        return bits;
    }

    @Test
    void a_notice_hides_the_partition_until_the_members_gossip_changes() {
        ReleaseNotices notices = new ReleaseNotices(3000);
        notices.released("b", 2, bits(1, 2), 0);
        assertThat(notices.owned("b", bits(1, 2), 100)).isEqualTo(bits(1));
        assertThat(notices.owned("c", bits(2), 100)).as("another member's gossip is untouched").isEqualTo(bits(2));
        // b's own gossip catches up, then b runs 2 again: the newer gossip is believed.
        assertThat(notices.owned("b", bits(1), 200)).isEqualTo(bits(1));
        assertThat(notices.owned("b", bits(1, 2), 300)).isEqualTo(bits(1, 2));
    }

    @Test
    void a_notice_lapses_after_its_validity() {
        ReleaseNotices notices = new ReleaseNotices(3000);
        notices.released("b", 2, bits(2), 0);
        assertThat(notices.owned("b", bits(2), 2999)).isEqualTo(new BitSet());
        assertThat(notices.owned("b", bits(2), 3000)).isEqualTo(bits(2));
    }

    @Test
    void the_next_owner_starts_at_once_on_the_old_owners_word() {
        // a runs partition 0 and b is its target: b waits for a's release (or the handoff wait).
        ReleaseNotices notices = new ReleaseNotices(3000);
        OwnershipReconciler reconciler = new OwnershipReconciler("b", 3000, 1000);
        int partitions = 8;
        BitSet all = new BitSet();
        all.set(0, partitions);
        OwnershipPlan plan = OwnershipPlan.compute(List.of(new MemberView("a", 1, all, all), new MemberView("b", 1, all, new BitSet())),
                partitions, 2, 2);
        int p = -1;
        for (int i = 0; i < partitions; i++) if ("b".equals(plan.target(i))) p = i;
        assertThat(p).as("b is the target of some partition").isNotNegative();
        assertThat(reconciler.decide(plan, new BitSet(), 0).start().get(p)).as("a still runs it").isFalse();
        notices.released("a", p, all, 10);
        BitSet aOwns = notices.owned("a", all, 20);
        OwnershipPlan after = OwnershipPlan.compute(List.of(new MemberView("a", 1, all, aOwns), new MemberView("b", 1, all, new BitSet())),
                partitions, 2, 2);
        assertThat(reconciler.decide(after, new BitSet(), 20).start().get(p)).as("started on a's word, well before 3 s").isTrue();
    }
}
