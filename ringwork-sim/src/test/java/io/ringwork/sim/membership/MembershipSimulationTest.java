package io.ringwork.sim.membership;

import io.ringwork.core.membership.MemberEvent;
import io.ringwork.core.membership.MemberState;
import io.ringwork.core.membership.Membership;
import io.ringwork.sim.Seeds;
import io.ringwork.sim.SimNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Membership under the deterministic simulator, fast profile (200 ms period). Each test uses one
 * seed ({@code SEED=n} overrides it); a failure message names the seed to replay.
 */
class MembershipSimulationTest {

    private static MembershipCluster.Builder cluster(int nodes, long defaultSeed) {
        return MembershipCluster.builder(Seeds.fromEnvironment(defaultSeed)).nodes(nodes).check(new MonotonicIncarnation());
    }

    @Test
    void aPerfectNetworkNeverDeclaresALiveMemberDead() {
        MembershipCluster cluster = cluster(50, 1).check(new NoFalseDeath()).build();

        cluster.startConverged().runFor(60_000);

        assertThat(ViewConvergence.divergence(cluster)).isEmpty();
        assertThat(cluster.members()).allSatisfy(m -> assertThat(m.membership().stats().probesSent()).isGreaterThan(200));
    }

    @Test
    void nodesJoiningThroughOneSeedConverge() {
        MembershipCluster cluster = cluster(40, 2).check(new NoFalseDeath()).build();

        cluster.startByJoining(2_000).runFor(2_000);

        assertThat(cluster.awaitConvergence(20_000)).isLessThan(20_000);
    }

    @Test
    void aCrashedNodeIsDeclaredDeadByEveryone() {
        MembershipCluster cluster = cluster(50, 3).build();
        List<MemberEvent> failures = new ArrayList<>();
        cluster.onEvent((observer, event) -> {
            if (event.kind() == MemberEvent.Kind.FAILED && event.member().id().equals("n7")) failures.add(event);
        });
        cluster.startConverged().runFor(10_000);
        long crashedAtMs = cluster.nowMs();

        cluster.crash("n7").awaitConvergence(20_000);

        assertThat(failures).hasSize(49);
        assertThat(failures.stream().mapToLong(MemberEvent::atMs).max().orElseThrow() - crashedAtMs).isLessThan(10_000);
    }

    @Test
    void afterLossAndAPartitionHealTheViewsConverge() {
        MembershipCluster cluster = cluster(40, 4).build();
        cluster.startConverged().runFor(5_000);
        List<String> ids = cluster.ids();

        cluster.loss(0.10).runFor(10_000)
                .partition(ids.subList(0, 20), ids.subList(20, 40)).runFor(15_000)
                .heal();

        assertThat(cluster.awaitConvergence(60_000)).isLessThan(60_000);
    }

    @Test
    void aOneWayCutIsSurvivedThroughIndirectProbes() {
        MembershipCluster cluster = cluster(20, 5).check(new NoFalseDeath()).build();
        cluster.startConverged().runFor(5_000);

        // n1 cannot reach n2 directly, but relays can: n2 must not be declared dead.
        cluster.cut("n1", "n2").runFor(30_000);

        assertThat(cluster.member("n1").membership().member("n2").orElseThrow().state()).isNotEqualTo(MemberState.DEAD);
    }

    @Test
    void aPausedNodeRefutesItsDeathAfterResuming() {
        MembershipCluster cluster = cluster(20, 6).build();
        cluster.startConverged().runFor(5_000);
        long before = cluster.member("n3").membership().localMember().incarnation();

        cluster.pause("n3", 5_000).runFor(5_000);
        assertThat(cluster.member("n0").membership().member("n3").map(m -> m.state().isActive())).contains(false);

        cluster.awaitConvergence(30_000);
        assertThat(cluster.member("n3").membership().localMember().incarnation()).isGreaterThan(before);
    }

    @Test
    void aRestartedNodeRejoinsAboveItsOldIncarnation() {
        MembershipCluster cluster = cluster(20, 7).build();
        cluster.startConverged().runFor(5_000).crash("n4");
        cluster.awaitConvergence(20_000);

        cluster.restart("n4");

        cluster.awaitConvergence(20_000);
        assertThat(cluster.member("n0").membership().member("n4").orElseThrow().state()).isEqualTo(MemberState.ALIVE);
    }

    @Test
    void aGracefulLeaveIsSeenAsLeftNotFailed() {
        MembershipCluster cluster = cluster(20, 8).check(new NoFalseDeath()).build();
        cluster.startConverged().runFor(5_000);

        cluster.leave("n5").runFor(3_000);

        assertThat(cluster.members()).filteredOn(m -> !m.id().equals("n5"))
                .allSatisfy(m -> assertThat(m.membership().member("n5").orElseThrow().state()).isEqualTo(MemberState.LEFT));
    }

    @Test
    void theSameSeedReplaysTheSameRun() {
        assertThat(trace(99)).isEqualTo(trace(99)).isNotEqualTo(trace(100));
    }

    private static List<String> trace(long seed) {
        MembershipCluster cluster = MembershipCluster.builder(seed).nodes(15)
                .faults(SimNetwork.LinkFaults.LAN.withLossRate(0.2).withDuplicateRate(0.05)).build();
        List<String> events = new ArrayList<>();
        cluster.onEvent((observer, event) -> events.add(event.atMs() + " " + observer.id() + " " + event.kind()
                + " " + event.member().id() + "@" + event.member().incarnation()));
        cluster.startConverged().runFor(20_000);
        return events;
    }

    @Test
    void aSecondProcessWithALiveMembersIdIsRefusedAndTheFirstIsUnaffected() {
        MembershipCluster cluster = cluster(10, 6).check(new NoFalseDeath()).build();
        cluster.startConverged().runFor(5_000);
        SimMember n3 = cluster.member("n3");
        long incarnation = n3.membership().localMember().incarnation();

        SimMember twin = cluster.twin("n3", 1_000_000);
        cluster.runFor(30_000);

        assertThat(twin.membership().lifecycle()).isEqualTo(Membership.Lifecycle.ID_CONFLICT);
        assertThat(twin.membership().idConflict().orElseThrow().address()).isEqualTo(n3.address());
        assertThat(n3.membership().localMember().incarnation()).as("n3 never had to refute").isEqualTo(incarnation);
        for (SimMember member : cluster.members()) {
            var seen = member.membership().member("n3").orElseThrow();
            assertThat(seen.address()).isEqualTo(n3.address());
            assertThat(seen.state()).isEqualTo(MemberState.ALIVE);
        }
        assertThat(cluster.member("n0").membership().stats().idConflicts()).isPositive();
        assertThat(ViewConvergence.divergence(cluster)).isEmpty();
    }

    @Test
    void aNodeRestartedAtANewAddressAfterItWasDeclaredDeadIsAdmitted() {
        MembershipCluster cluster = cluster(10, 7).build();
        cluster.startConverged().runFor(5_000);
        cluster.crash("n3").runFor(4_000); // declared dead everywhere, not yet reaped (6 s later)
        for (SimMember member : cluster.members()) {
            if (member != cluster.member("n3")) assertThat(member.membership().member("n3").orElseThrow().state()).isEqualTo(MemberState.DEAD);
        }

        SimMember restarted = cluster.twin("n3", 1_000_000);
        cluster.runFor(10_000);

        assertThat(restarted.membership().lifecycle()).isEqualTo(Membership.Lifecycle.JOINED);
        for (SimMember member : cluster.members()) {
            if (member == cluster.member("n3")) continue;
            var seen = member.membership().member("n3").orElseThrow();
            assertThat(seen.address()).isEqualTo(restarted.address());
            assertThat(seen.state()).isEqualTo(MemberState.ALIVE);
        }
        assertThat(restarted.membership().members()).hasSize(10);
    }
}
