package io.ringwork.core.membership;

import io.ringwork.core.membership.MembershipEffect.Send;
import io.ringwork.core.membership.MembershipMessage.Dead;
import io.ringwork.core.membership.MembershipMessage.PushPull;
import io.ringwork.core.membership.wire.Packet;
import io.ringwork.core.membership.wire.PacketCodec;
import io.ringwork.core.transport.Lane;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Join, push-pull, leave, metadata and packet sizing. */
class LifecycleTest {
    private static final MembershipConfig CONFIG = MembershipConfig.fast("test");

    @Test
    void joinRetriesWithGrowingBackoffThenFallsBackToSlowReconnects() {
        TestNode a = new TestNode(CONFIG, "a", 0);
        a.membership.join(List.of(TestNode.address("s"), TestNode.address("a")), 0);

        while (a.membership.lifecycle() == Membership.Lifecycle.JOINING) a.runUntil(a.nowMs + 10);

        List<Send> joins = a.sentOn(Lane.RELIABLE);
        assertThat(joins).hasSize(CONFIG.joinAttemptsMax());
        assertThat(joins).allSatisfy(send -> assertThat(send.to()).isEqualTo(TestNode.address("s")));
        assertThat(a.membership.lifecycle()).isEqualTo(Membership.Lifecycle.JOIN_FAILED);
        // Backoff doubles from 100 ms up to the 6 s cap (plus up to 25 % jitter): ~32 s for 10 rounds.
        assertThat(a.nowMs).isBetween(30_000L, 45_000L);

        a.clear();
        a.runUntil(a.nowMs + 10L * CONFIG.reconnectIntervalMs());
        // Alone and given up: one attempt per reconnect interval, never faster.
        assertThat(a.sentOn(Lane.RELIABLE)).hasSizeBetween(9, 11);
    }

    @Test
    void aSeedAnswersAJoinWithItsStateAndBothSidesMerge() {
        TestNode seed = new TestNode(CONFIG, "s", 0).started("b");
        TestNode a = new TestNode(CONFIG, "a", 0);
        a.membership.join(List.of(TestNode.address("s")), 0);
        a.membership.drainEffects();
        PushPull request = new PushPull(true, false, List.of(a.membership.localMember()));

        seed.receive("a", request);
        Send reply = seed.sentOn(Lane.RELIABLE).getFirst();
        a.receive("s", reply.messages().getFirst());

        assertThat(seed.stateOf("a")).isEqualTo(MemberState.ALIVE);
        assertThat(a.membership.lifecycle()).isEqualTo(Membership.Lifecycle.JOINED);
        assertThat(a.membership.members()).extracting(Member::id).containsExactly("a", "b", "s");
    }

    @Test
    void aRemoteDeadInPushPullOnlyMakesTheMemberSuspectHere() {
        TestNode a = new TestNode(CONFIG, "a", 0).started("b", "c");
        Member deadB = new Member("b", TestNode.address("b"), MemberState.DEAD, 0, null);
        Member c = new Member("c", TestNode.address("c"), MemberState.ALIVE, 0, null);

        a.receive("c", new PushPull(false, true, List.of(c, deadB)));

        assertThat(a.stateOf("b")).isEqualTo(MemberState.SUSPECT);
    }

    @Test
    void aRestartedNodeLearnsOfItsOwnDeathThroughPushPullAndRefutes() {
        TestNode a = new TestNode(CONFIG, "a", 0);
        a.membership.join(List.of(TestNode.address("s")), 0);
        Member s = new Member("s", TestNode.address("s"), MemberState.ALIVE, 0, null);
        Member oldSelf = new Member("a", TestNode.address("a"), MemberState.DEAD, 7, null);

        a.receive("s", new PushPull(true, true, List.of(s, oldSelf)));

        assertThat(a.membership.localMember().incarnation()).isEqualTo(8);
    }

    @Test
    void leaveAnnouncesLeftAndStopsProbing() {
        TestNode a = new TestNode(CONFIG, "a", 3).started("b", "c", "d", "e");

        a.membership.leave(0);
        List<MembershipEffect> effects = a.membership.drainEffects();

        List<Send> sends = effects.stream().filter(Send.class::isInstance).map(Send.class::cast).toList();
        assertThat(sends).hasSize(CONFIG.leaveFanout())
                .allSatisfy(send -> assertThat(send.messages()).contains(new Dead("a", 3, "a")));
        assertThat(a.membership.localMember().state()).isEqualTo(MemberState.LEFT);
        assertThat(a.membership.lifecycle()).isEqualTo(Membership.Lifecycle.LEFT);
        a.runUntil(5_000);
        assertThat(a.sent).noneMatch(send -> TestNode.carries(send, MembershipMessage.Ping.class));
        // A suspicion about a node that left is not refuted.
        a.receive("b", new MembershipMessage.Suspect("a", 3, "b"));
        assertThat(a.membership.localMember().incarnation()).isEqualTo(3);
    }

    @Test
    void metadataChangesRaiseTheIncarnationAndAreBounded() {
        TestNode a = new TestNode(CONFIG, "a", 0).started("b");

        a.membership.updateMetadata(Map.of("weight", "2"), 0);

        assertThat(a.membership.localMember().incarnation()).isEqualTo(1);
        assertThat(a.membership.localMember().metadata()).containsEntry("weight", "2");
        assertThatThrownBy(() -> a.membership.updateMetadata(Map.of("big", "x".repeat(600)), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds");
    }

    @Test
    void piggybackedGossipNeverPushesAPacketPastItsLimit() {
        TestNode a = new TestNode(CONFIG, "a", 0).started();
        for (int i = 0; i < 300; i++) {
            a.membership.onMessage(TestNode.address("b"), new MembershipMessage.Alive("member-with-a-long-name-" + i, 0,
                    new io.ringwork.core.transport.Address("host-" + i, 7000 + i), Member.metadataOf(Map.of("k", "v".repeat(100)))), 0);
        }
        a.membership.drainEffects();
        PacketCodec codec = new PacketCodec("test", new byte[32]);

        a.runUntil(2_000);

        assertThat(a.sentOn(Lane.BEST_EFFORT)).isNotEmpty().allSatisfy(send -> {
            byte[] bytes = codec.encode(new Packet("a", TestNode.address("a"), send.messages()), Integer.MAX_VALUE);
            assertThat(bytes.length).isLessThanOrEqualTo(CONFIG.packetBytesMax());
        });
        assertThat(a.sentOn(Lane.BEST_EFFORT).stream().mapToInt(send -> send.messages().size()).max().orElse(0))
                .isGreaterThan(3);
    }
}
