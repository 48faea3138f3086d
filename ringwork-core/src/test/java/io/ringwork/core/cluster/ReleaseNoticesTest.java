package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseNoticesTest {
    private static final int PARTITIONS = 8;

    private static BitSet bits(int... set) {
        BitSet bits = new BitSet();
        for (int b : set) bits.set(b);
        return bits;
    }

    private static BitSet all() {
        BitSet all = new BitSet();
        all.set(0, PARTITIONS);
        return all;
    }

    @Test
    void a_notice_counts_until_the_members_gossip_changes() {
        ReleaseNotices notices = new ReleaseNotices(3000);
        notices.released("b", 2, bits(1, 2), 0);
        assertThat(notices.releasedSince("b", bits(1, 2), 100)).isEqualTo(bits(2));
        assertThat(notices.releasedSince("c", bits(2), 100)).as("another member's gossip is untouched").isEqualTo(new BitSet());
        // b's own gossip catches up, then b runs 2 again: the newer gossip is believed.
        assertThat(notices.releasedSince("b", bits(1), 200)).isEqualTo(new BitSet());
        assertThat(notices.releasedSince("b", bits(1, 2), 300)).isEqualTo(new BitSet());
    }

    @Test
    void a_notice_lapses_after_its_validity() {
        ReleaseNotices notices = new ReleaseNotices(3000);
        notices.released("b", 2, bits(2), 0);
        assertThat(notices.releasedSince("b", bits(2), 2999)).isEqualTo(bits(2));
        assertThat(notices.releasedSince("b", bits(2), 3000)).isEqualTo(new BitSet());
    }

    /** A partition whose target is {@code target} in a plan where everyone is ready. */
    private static int partitionOf(String target, List<MemberView> members) {
        OwnershipPlan plan = OwnershipPlan.compute(members, PARTITIONS, 3, members.size());
        for (int p = 0; p < PARTITIONS; p++) if (target.equals(plan.target(p))) return p;
        throw new AssertionError("no partition targets " + target);
    }

    @Test
    void the_plans_owner_starts_on_the_old_owners_word_and_a_member_with_an_older_view_does_not() {
        // a runs every partition; b and c joined and are in sync. Partition p moves to b.
        List<MemberView> everyoneReady = List.of(new MemberView("a", 1, all(), all()), new MemberView("b", 1, all(), new BitSet()),
                new MemberView("c", 1, all(), new BitSet()));
        int p = partitionOf("b", everyoneReady);
        ReleaseNotices notices = new ReleaseNotices(3000);
        notices.released("a", p, all(), 10); // a stopped p; its gossip still says it runs p
        Map<String, BitSet> said = Map.of("a", notices.releasedSince("a", all(), 20));

        OwnershipReconciler atB = new OwnershipReconciler("b", 3000, 1000);
        OwnershipPlan bSees = OwnershipPlan.compute(everyoneReady, PARTITIONS, 3, 3);
        assertThat(atB.decide(bSees, new BitSet(), 20).start().get(p)).as("without a's word, b waits").isFalse();
        assertThat(atB.decide(bSees, new BitSet(), 20, said).start().get(p)).as("on a's word, well before 3 s").isTrue();

        // c has not yet heard that b is ready: its plan keeps p with a, the member gossip shows
        // running it. a's word must not make c take p itself.
        OwnershipReconciler atC = new OwnershipReconciler("c", 3000, 1000);
        OwnershipPlan cSees = OwnershipPlan.compute(List.of(new MemberView("a", 1, all(), all()),
                new MemberView("b", 1, new BitSet(), new BitSet()), new MemberView("c", 1, all(), new BitSet())), PARTITIONS, 3, 3);
        assertThat(cSees.owner(p)).isEqualTo("a");
        assertThat(atC.decide(cSees, new BitSet(), 20, said).start().get(p)).isFalse();
    }
}
