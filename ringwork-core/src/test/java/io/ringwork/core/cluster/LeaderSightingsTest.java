package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaderSightingsTest {
    private static final int PARTITIONS = 8;
    private static final Term B2 = new Term(2, "b");

    private static ReplicaMessage hello(int p, Term term) {
        return new ReplicaMessage.Hello(p, term, ReplicaMessage.Role.REPLICA, 0, -1, -1);
    }

    @Test
    void a_leader_is_seen_from_its_own_messages_until_it_releases() {
        LeaderSightings sightings = new LeaderSightings(1_000);
        sightings.heard("b", hello(3, B2), 100);
        assertThat(sightings.leader(3, 150)).isEqualTo("b");
        assertThat(sightings.leader(4, 150)).as("another partition").isNull();
        sightings.heard("b", new ReplicaMessage.Released(3, new Term(1, "b"), 10), 160);
        assertThat(sightings.leader(3, 170)).as("the release of an older term ends nothing").isEqualTo("b");
        sightings.heard("b", new ReplicaMessage.Released(3, B2, 10), 180);
        assertThat(sightings.leader(3, 190)).isNull();
    }

    @Test
    void a_deposed_leaders_late_messages_open_no_sighting_after_the_newer_owner_released() {
        LeaderSightings sightings = new LeaderSightings(10_000);
        Term a3 = new Term(3, "a");
        Term b4 = new Term(4, "b");
        sightings.heard("b", hello(5, b4), 100); // b took p5 from a, which was paused
        sightings.heard("b", new ReplicaMessage.Released(5, b4, 10), 200);
        sightings.heard("a", hello(5, a3), 300); // a resumes and sends what it had queued
        assertThat(sightings.leader(5, 300)).isNull();
        sightings.heard("c", hello(5, new Term(5, "c")), 400);
        assertThat(sightings.leader(5, 400)).as("a newer term still counts").isEqualTo("c");
    }

    @Test
    void only_the_terms_own_node_and_the_newest_term_count() {
        LeaderSightings sightings = new LeaderSightings(1_000);
        sightings.heard("c", hello(3, B2), 100);
        assertThat(sightings.leader(3, 100)).as("a message under b's term sent by c").isNull();
        sightings.heard("b", hello(3, B2), 100);
        sightings.heard("a", hello(3, new Term(1, "a")), 200);
        assertThat(sightings.leader(3, 200)).as("an older term does not replace a newer one").isEqualTo("b");
        sightings.heard("d", hello(3, new Term(3, "d")), 300);
        assertThat(sightings.leader(3, 300)).isEqualTo("d");
    }

    @Test
    void a_sighting_lapses_after_the_leaders_last_message_and_goes_with_the_leader() {
        LeaderSightings sightings = new LeaderSightings(1_000);
        sightings.heard("b", hello(3, B2), 100);
        sightings.heard("b", hello(3, B2), 600);
        assertThat(sightings.leader(3, 1_599)).isEqualTo("b");
        assertThat(sightings.leader(3, 1_600)).isNull();
        sightings.heard("b", hello(5, B2), 2_000);
        sightings.forget("b");
        assertThat(sightings.leader(5, 2_001)).as("b left the view").isNull();
    }

    private static OwnershipPlan planWhere(String owner, int p) {
        // owner runs p (and is ready for everything); two more members run nothing.
        BitSet owned = new BitSet();
        if (owner != null) owned.set(p);
        List<MemberView> members = List.of(new MemberView("a", 1, all(), "a".equals(owner) ? owned : new BitSet()),
                new MemberView("b", 1, all(), "b".equals(owner) ? owned : new BitSet()),
                new MemberView("c", 1, all(), new BitSet()));
        return OwnershipPlan.compute(members, PARTITIONS, 3, 3);
    }

    @Test
    void a_leaders_gossip_ends_its_sighting_only_once_it_had_shown_the_partition() {
        LeaderSightings sightings = new LeaderSightings(10_000);
        sightings.heard("b", hello(3, B2), 100);
        // b's gossip is older than its start: it never showed p3. That ends nothing.
        sightings.compare(planWhere(null, 3));
        assertThat(sightings.leader(3, 200)).isEqualTo("b");
        // b's gossip catches up, then b stops and its gossip says so before its Released comes.
        sightings.compare(planWhere("b", 3));
        sightings.heard("b", hello(3, B2), 300);
        assertThat(sightings.leader(3, 300)).as("a message of the same term keeps what the gossip showed").isEqualTo("b");
        sightings.compare(planWhere(null, 3));
        assertThat(sightings.leader(3, 400)).isNull();
    }

    private static BitSet all() {
        BitSet all = new BitSet();
        all.set(0, PARTITIONS);
        return all;
    }

    @Test
    void the_reconciler_does_not_start_a_partition_it_heard_another_member_lead() {
        // c's view: a (the old owner) has released everything, b is not yet seen ready. So c's
        // plan names c, the first ready replica, as owner of some partition p, and no gossip shows
        // anyone running it. But b took p and its Hello reached c.
        List<MemberView> cSees = List.of(new MemberView("a", 1, new BitSet(), new BitSet()),
                new MemberView("b", 1, new BitSet(), new BitSet()), new MemberView("c", 1, all(), new BitSet()));
        OwnershipPlan plan = OwnershipPlan.compute(cSees, PARTITIONS, 3, 3);
        int p = -1;
        for (int q = 0; q < PARTITIONS; q++) if ("c".equals(plan.owner(q))) p = q;
        assertThat(p).isNotNegative();
        int mine = p;
        OwnershipReconciler atC = new OwnershipReconciler("c", 3_000, 1_000);
        assertThat(atC.decide(plan, new BitSet(), 0, Map.of(), q -> 0, q -> q == mine ? "b" : null).start().get(p))
                .as("b was heard leading p").isFalse();
        assertThat(atC.heldBySighting(p)).isEqualTo("b");
        assertThat(atC.decide(plan, new BitSet(), 2_999, Map.of(), q -> 0, q -> q == mine ? "b" : null).start().get(p)).isFalse();
        assertThat(atC.sightingHolds()).as("one hold, however many rounds").isEqualTo(1);
        assertThat(atC.decide(plan, new BitSet(), 3_000, Map.of(), q -> 0, q -> q == mine ? "b" : null).start().get(p))
                .as("b is stuck: after the handoff wait c starts under a newer term, as with any stuck owner").isTrue();
        assertThat(atC.heldBySighting(p)).isNull();

        OwnershipReconciler fresh = new OwnershipReconciler("c", 3_000, 1_000);
        assertThat(fresh.decide(plan, new BitSet(), 0, Map.of(), q -> 0, q -> null).start().get(p))
                .as("no one heard: c starts at once").isTrue();
        assertThat(new OwnershipReconciler("c", 3_000, 1_000).decide(plan, new BitSet(), 0, Map.of(), q -> 0, q -> "c")
                .start().get(p)).as("its own old term is no one else").isTrue();
    }

    @Test
    void a_term_above_the_maximum_epoch_opens_no_sighting_and_shuts_out_no_leader() {
        LeaderSightings sightings = new LeaderSightings(10_000);
        sightings.heard("x", hello(2, new Term(Long.MAX_VALUE, "x")), 100);
        assertThat(sightings.leader(2, 100)).isNull();
        sightings.heard("b", hello(2, B2), 200);
        assertThat(sightings.leader(2, 200)).as("a real leader is still seen").isEqualTo("b");
    }
}
