package io.ringwork.core.membership;

import io.ringwork.core.membership.MembershipEffect.Send;
import io.ringwork.core.membership.MembershipMessage.Alive;
import io.ringwork.core.membership.MembershipMessage.Dead;
import io.ringwork.core.membership.MembershipMessage.PushPull;
import io.ringwork.core.membership.MembershipMessage.Suspect;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18: a second process started with a live member's id (at another address) must neither
 * be admitted nor unseat the first, and must learn during its join that it has to stop.
 */
class DuplicateIdTest {
    private static final MembershipConfig CONFIG = MembershipConfig.fast("test");
    private static final Address TWIN = new Address("10.0.9.9", 7946);
    /** A process started later has a higher incarnation (the runtime uses wall-clock ms). */
    private static final long TWIN_INCARNATION = 1_000_000;

    private static Alive twinAlive() {
        return new Alive("b", TWIN_INCARNATION, TWIN, Member.emptyMetadata());
    }

    private static Membership joiningTwin() {
        Membership twin = new Membership(CONFIG, "b", TWIN, Map.of(), TWIN_INCARNATION, RandomSource.seeded(7), 0);
        twin.join(List.of(TestNode.address("s")), 0);
        twin.drainEffects();
        return twin;
    }

    @Test
    void anAliveForALiveIdFromAnotherAddressIsIgnoredAndCountedWhateverItsIncarnation() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b");

        seed.receive("c", twinAlive());

        Member b = seed.membership.member("b").orElseThrow();
        assertThat(b.address()).isEqualTo(TestNode.address("b"));
        assertThat(b.incarnation()).isZero();
        assertThat(seed.events).isEmpty();
        assertThat(seed.membership.stats().idConflicts()).isEqualTo(1);
        // The real b's own news still counts.
        seed.receive("b", TestNode.alive("b", 3));
        assertThat(seed.membership.member("b").orElseThrow().incarnation()).isEqualTo(3);
    }

    @Test
    void aSuspectMemberKeepsItsIdToo() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b", "c");
        seed.receive("c", new Suspect("b", 0, "c"));
        assertThat(seed.stateOf("b")).isEqualTo(MemberState.SUSPECT);

        seed.receive("c", twinAlive());

        assertThat(seed.membership.member("b").orElseThrow().address()).isEqualTo(TestNode.address("b"));
        assertThat(seed.membership.stats().idConflicts()).isEqualTo(1);
    }

    @Test
    void aDeadOrLeftMemberMayComeBackAtANewAddress() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b", "c");
        seed.receive("c", new Dead("b", 0, "c"));
        assertThat(seed.stateOf("b")).isEqualTo(MemberState.DEAD);

        seed.receive("c", twinAlive());

        Member b = seed.membership.member("b").orElseThrow();
        assertThat(b.state()).isEqualTo(MemberState.ALIVE);
        assertThat(b.address()).isEqualTo(TWIN);
        assertThat(seed.membership.stats().idConflicts()).isZero();
    }

    @Test
    void aJoiningTwinLearnsFromTheSeedsReplyAndStopsWithoutAWord() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b");
        Membership twin = joiningTwin();

        seed.receiveFrom(TWIN, new PushPull(true, false, List.of(twin.localMember())));
        Send reply = seed.sentOn(Lane.RELIABLE).getFirst();
        twin.onMessage(TestNode.address("s"), reply.messages().getFirst(), 10);

        // The seed kept the real b and counted the claim.
        assertThat(seed.membership.member("b").orElseThrow().address()).isEqualTo(TestNode.address("b"));
        assertThat(seed.membership.stats().idConflicts()).isEqualTo(1);
        // The twin stopped, knows where the real one is, and sends nothing from now on, leave included.
        assertThat(twin.lifecycle()).isEqualTo(Membership.Lifecycle.ID_CONFLICT);
        Member holder = twin.idConflict().orElseThrow();
        assertThat(holder.address()).isEqualTo(TestNode.address("b"));
        assertThat(holder.state()).isEqualTo(MemberState.ALIVE);
        assertThat(twin.nextDeadlineMs()).isEqualTo(Membership.NEVER);
        twin.tick(60_000);
        twin.onMessage(TestNode.address("s"), new Suspect("b", TWIN_INCARNATION, "s"), 60_000);
        twin.leave(60_001);
        assertThat(twin.drainEffects()).isEmpty();
    }

    @Test
    void theRunningHolderNeitherRefutesNorStopsWhenItHearsOfATwin() {
        TestNode b = new TestNode(CONFIG, "b", 5).started("c");

        b.receive("c", twinAlive());
        b.receive("c", new PushPull(false, true, List.of(new Member("b", TWIN, MemberState.ALIVE, TWIN_INCARNATION, null))));

        assertThat(b.membership.lifecycle()).isEqualTo(Membership.Lifecycle.JOINED);
        assertThat(b.membership.localMember().incarnation()).isEqualTo(5);
        assertThat(b.membership.stats().refutations()).isZero();
        assertThat(b.membership.stats().idConflicts()).isEqualTo(2);
    }

    @Test
    void aPushPullAboutAnotherInstanceDoesNotTouchTheOneWeKnow() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b", "c");

        seed.receive("c", new PushPull(false, true, List.of(new Member("b", TWIN, MemberState.DEAD, TWIN_INCARNATION, null))));

        assertThat(seed.stateOf("b")).isEqualTo(MemberState.ALIVE);
    }

    @Test
    void aTwinThatJoinsWhileTheOldInstanceIsDeadEverywhereIsAdmitted() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b", "c");
        seed.receive("c", new Dead("b", 0, "c"));
        seed.clear();
        Membership twin = joiningTwin();

        seed.receiveFrom(TWIN, new PushPull(true, false, List.of(twin.localMember())));
        twin.onMessage(TestNode.address("s"), seed.sentOn(Lane.RELIABLE).getFirst().messages().getFirst(), 10);

        assertThat(twin.lifecycle()).isEqualTo(Membership.Lifecycle.JOINED);
        assertThat(seed.membership.member("b").orElseThrow().address()).isEqualTo(TWIN);
        assertThat(twin.stats().refutations()).isZero();
    }
}
