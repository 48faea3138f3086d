package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OwnershipPlanTest {
    private static final int P = 16;

    private static BitSet all() {
        BitSet bits = new BitSet();
        bits.set(0, P);
        return bits;
    }

    private static MemberView member(String id, BitSet ready, BitSet owned) {
        return new MemberView(id, 1, ready, owned);
    }

    @Test
    void a_new_cluster_gives_every_partition_to_its_target() {
        OwnershipPlan plan = OwnershipPlan.compute(List.of(member("a", new BitSet(), new BitSet()),
                member("b", new BitSet(), new BitSet()), member("c", new BitSet(), new BitSet())), P, 3);
        for (int p = 0; p < P; p++) {
            assertThat(plan.owner(p)).isEqualTo(plan.target(p));
            assertThat(plan.replicas(p)).hasSize(3);
            assertThat(plan.writeQuorum(p)).isEqualTo(2);
        }
    }

    @Test
    void a_joining_node_takes_a_partition_only_once_ready() {
        // a and b run and hold everything; n joins holding nothing.
        BitSet aOwns = new BitSet();
        BitSet bOwns = new BitSet();
        OwnershipPlan before = OwnershipPlan.compute(List.of(member("a", all(), new BitSet()),
                member("b", all(), new BitSet())), P, 3);
        for (int p = 0; p < P; p++) (before.owner(p).equals("a") ? aOwns : bOwns).set(p);
        List<MemberView> joined = List.of(member("a", all(), aOwns), member("b", all(), bOwns),
                member("n", new BitSet(), new BitSet()));
        OwnershipPlan during = OwnershipPlan.compute(joined, P, 3);
        int targeted = 0;
        for (int p = 0; p < P; p++) {
            assertThat(during.owner(p)).isEqualTo(before.owner(p));
            if (during.target(p).equals("n")) targeted++;
        }
        assertThat(targeted).isPositive();
        BitSet nReady = all();
        OwnershipPlan after = OwnershipPlan.compute(List.of(member("a", all(), aOwns), member("b", all(), bOwns),
                member("n", nReady, new BitSet())), P, 3);
        for (int p = 0; p < P; p++) assertThat(after.owner(p)).isEqualTo(after.target(p));
    }

    @Test
    void when_the_owner_dies_the_first_ready_replica_takes_over() {
        BitSet bReady = all();
        BitSet cReady = new BitSet();
        OwnershipPlan plan = OwnershipPlan.compute(List.of(member("b", bReady, new BitSet()),
                member("c", cReady, new BitSet())), P, 3);
        for (int p = 0; p < P; p++) assertThat(plan.owner(p)).isEqualTo("b");
    }

    @Test
    void the_reconciler_waits_for_the_old_owner_to_release() {
        BitSet aOwns = all();
        OwnershipPlan plan = OwnershipPlan.compute(List.of(member("a", all(), aOwns), member("n", all(), new BitSet())), P, 3);
        OwnershipReconciler reconciler = new OwnershipReconciler("n", 1000, 500);
        BitSet targets = new BitSet();
        for (int p = 0; p < P; p++) if (plan.owner(p).equals("n")) targets.set(p);
        assertThat(targets.isEmpty()).isFalse();
        assertThat(reconciler.decide(plan, new BitSet(), 0).start().isEmpty()).isTrue();
        assertThat(reconciler.decide(plan, new BitSet(), 999).start().isEmpty()).isTrue();
        assertThat(reconciler.decide(plan, new BitSet(), 1000).start()).isEqualTo(targets);
        // a, seeing the same plan, stops what it no longer owns.
        OwnershipReconciler old = new OwnershipReconciler("a", 1000, 500);
        assertThat(old.decide(plan, aOwns, 0).stop()).isEqualTo(targets);
    }

    @Test
    void the_old_owner_keeps_a_moved_partition_while_the_new_owner_owes_it_answers() {
        BitSet aOwns = all();
        OwnershipPlan plan = OwnershipPlan.compute(List.of(member("a", all(), aOwns), member("n", all(), new BitSet())), P, 3);
        BitSet moved = new BitSet();
        for (int p = 0; p < P; p++) if (plan.owner(p).equals("n")) moved.set(p);
        int p0 = moved.nextSetBit(0);
        // Lag 250 ms is "answers now"; the gate holds a stop at most 600 ms.
        OwnershipReconciler old = new OwnershipReconciler("a", 1000, 500, 250, 600);
        long[] lag = {Long.MAX_VALUE}; // n is not yet an in-sync replica of a's leaders
        assertThat(old.decide(plan, aOwns, 0, Map.of(), p -> lag[0]).stop().isEmpty()).isTrue();
        assertThat(old.gated(p0)).isTrue();
        lag[0] = 400; // in sync, but busy: it owes answers for 400 ms
        assertThat(old.decide(plan, aOwns, 300, Map.of(), p -> lag[0]).stop().isEmpty()).isTrue();
        lag[0] = 250;
        assertThat(old.decide(plan, aOwns, 350, Map.of(), p -> lag[0]).stop()).isEqualTo(moved);

        // A new owner that never answers gets the partitions when the gate's time is up.
        OwnershipReconciler patient = new OwnershipReconciler("a", 1000, 500, 250, 600);
        assertThat(patient.decide(plan, aOwns, 0, Map.of(), p -> Long.MAX_VALUE).stop().isEmpty()).isTrue();
        assertThat(patient.decide(plan, aOwns, 599, Map.of(), p -> Long.MAX_VALUE).stop().isEmpty()).isTrue();
        assertThat(patient.decide(plan, aOwns, 600, Map.of(), p -> Long.MAX_VALUE).stop()).isEqualTo(moved);
        assertThat(patient.gated(p0)).isFalse();
        assertThat(old.gateHolds()).isEqualTo(moved.cardinality());
        assertThat(old.gateTimeouts()).isZero();
        assertThat(patient.gateTimeouts()).isEqualTo(moved.cardinality());
    }

    @Test
    void the_gate_never_holds_a_partition_the_new_owner_already_runs() {
        // Both run every partition (a deposed owner's gossip is late): the plan's owner keeps them, a stops at once.
        OwnershipPlan plan = OwnershipPlan.compute(List.of(member("a", all(), all()), member("n", all(), all())), P, 3);
        BitSet theirs = new BitSet();
        for (int p = 0; p < P; p++) if (plan.owner(p).equals("n")) theirs.set(p);
        assertThat(theirs.isEmpty()).isFalse();
        OwnershipReconciler old = new OwnershipReconciler("a", 1000, 500, 250, 600);
        assertThat(old.decide(plan, all(), 0, Map.of(), p -> Long.MAX_VALUE).stop()).isEqualTo(theirs);
    }

    @Test
    void the_gate_must_be_shorter_than_the_new_owners_wait() {
        assertThatThrownBy(() -> new OwnershipReconciler("a", 1000, 500, 250, 1000))
                .hasMessageContaining("shorter than the handoff wait");
    }

    @Test
    void a_leaving_member_is_off_the_ring_and_never_chosen() {
        // "a" alone holds everything and is leaving; "b" and "c" hold nothing.
        OwnershipPlan plan = OwnershipPlan.compute(List.of(new MemberView("a", 1, all(), new BitSet(), true),
                member("b", new BitSet(), new BitSet()), member("c", new BitSet(), new BitSet())), P, 3);
        for (int p = 0; p < P; p++) {
            assertThat(plan.replicas(p)).doesNotContain("a");
            assertThat(plan.owner(p)).isIn("b", "c"); // re-applies from the log
            assertThat(plan.observers(p)).contains("a");
        }
    }
}
