package io.ringwork.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.membership.MembershipEffect.Send;
import io.ringwork.core.membership.MembershipMessage.PushPull;
import io.ringwork.core.membership.MembershipMessage.UserData;
import io.ringwork.core.membership.wire.DecodeResult;
import io.ringwork.core.membership.wire.MessageCodec;
import io.ringwork.core.membership.wire.Packet;
import io.ringwork.core.membership.wire.PacketCodec;
import io.ringwork.core.transport.Lane;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The application hook: broadcasts ride on gossip packets within their budget, state pages on push-pulls. */
class DelegateTest {
    /** A delegate with a queue of broadcasts; records what it was given. */
    static class Recording implements Membership.Delegate {
        final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        final List<String> notified = new ArrayList<>();
        final List<String> merged = new ArrayList<>();
        final List<Integer> budgets = new ArrayList<>();
        byte[] state = "state".getBytes(StandardCharsets.UTF_8);

        @Override
        public boolean hasBroadcasts() {
            return !queue.isEmpty();
        }

        @Override
        public byte[] broadcast(int budgetBytes) {
            budgets.add(budgetBytes);
            return queue.isEmpty() || queue.peek().length > budgetBytes ? null : queue.poll();
        }

        @Override
        public void notifyMsg(byte[] payload) {
            notified.add(new String(payload, StandardCharsets.UTF_8));
        }

        @Override
        public byte[] localState(int budgetBytes) {
            budgets.add(budgetBytes);
            return state;
        }

        @Override
        public void mergeRemoteState(byte[] state) {
            merged.add(new String(state, StandardCharsets.UTF_8));
        }
    }

    private static final MembershipConfig CONFIG = MembershipConfig.lan("test");

    @Test
    void aBroadcastGoesOutOnAGossipRoundEvenWithoutMembershipGossip() {
        TestNode a = new TestNode(CONFIG, "a", 0).started("b");
        Recording delegate = new Recording();
        a.membership.delegate(delegate);
        a.runUntil(a.nowMs + 1_000); // the join's own gossip drains
        a.clear();
        delegate.queue.add("hello".getBytes(StandardCharsets.UTF_8));
        Send send = a.runUntilSent(s -> TestNode.carries(s, UserData.class), 200);
        UserData data = TestNode.first(send, UserData.class);
        assertThat(data.state()).isFalse();
        assertThat(new String(data.payload(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(send.lane()).isEqualTo(Lane.BEST_EFFORT);
        assertThat(delegate.queue).isEmpty();
    }

    @Test
    void broadcastNowSendsTheDelegatesNewsToEveryActiveMemberAtOnceAtMostEveryTenMs() {
        TestNode a = new TestNode(CONFIG, "a", 0).started("b", "c", "d", "e", "f");
        Recording delegate = new Recording() {
            @Override
            public byte[] broadcast(int budgetBytes) {
                return queue.isEmpty() ? null : queue.peek(); // stays queued: every packet carries it
            }
        };
        a.membership.delegate(delegate);
        a.runUntil(a.nowMs + 1_000); // the join's own gossip drains
        a.membership.drainEffects();
        delegate.queue.add("down".getBytes(StandardCharsets.UTF_8));

        a.membership.broadcastNow(a.nowMs);
        List<String> to = new ArrayList<>();
        for (MembershipEffect effect : a.membership.drainEffects()) {
            if (effect instanceof Send send && TestNode.carries(send, UserData.class)) to.add(send.to().host());
        }
        // Five peers, more than the gossip fanout of 3: each gets one packet now.
        assertThat(to).containsExactlyInAnyOrder("10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6");

        a.membership.broadcastNow(a.nowMs + Membership.BROADCAST_NOW_MIN_MS - 1);
        assertThat(a.membership.drainEffects()).as("a second round within 10 ms").isEmpty();
        a.membership.broadcastNow(a.nowMs + Membership.BROADCAST_NOW_MIN_MS);
        assertThat(a.membership.drainEffects()).hasSize(5);
    }

    @Test
    void thePacketWithMembershipGossipAndABroadcastFitsThePacketLimit() {
        TestNode a = new TestNode(CONFIG, "a", 0).started("b", "c", "d");
        Recording delegate = new Recording();
        a.membership.delegate(delegate);
        // A broadcast of any size: the delegate is offered what is left, never more.
        for (int i = 0; i < 10; i++) delegate.queue.add(new byte[900]);
        a.runUntil(a.nowMs + 400);
        PacketCodec codec = new PacketCodec("test", null);
        int withData = 0;
        for (Send send : a.sentOn(Lane.BEST_EFFORT)) {
            byte[] bytes = codec.encode(new Packet("a", TestNode.address("a"), send.messages()), CONFIG.packetBytesMax());
            assertThat(bytes.length).isLessThanOrEqualTo(CONFIG.packetBytesMax());
            if (TestNode.carries(send, UserData.class)) withData++;
        }
        assertThat(withData).isPositive();
        assertThat(delegate.budgets).allMatch(budget -> budget < CONFIG.packetBytesMax());
    }

    @Test
    void aPushPullCarriesAStatePageAndTheReceiverMergesIt() {
        TestNode a = new TestNode(CONFIG, "a", 0).started("b");
        Recording delegate = new Recording();
        a.membership.delegate(delegate);
        Send pushPull = a.runUntilSent(s -> TestNode.carries(s, PushPull.class), CONFIG.pushPullIntervalMs() * 2L);
        assertThat(pushPull.lane()).isEqualTo(Lane.RELIABLE);
        assertThat(new String(TestNode.first(pushPull, UserData.class).payload(), StandardCharsets.UTF_8)).isEqualTo("state");

        TestNode b = new TestNode(CONFIG, "b", 0).started("a");
        Recording other = new Recording();
        b.membership.delegate(other);
        b.receive("a", TestNode.first(pushPull, PushPull.class));
        b.receive("a", TestNode.first(pushPull, UserData.class));
        b.receive("a", new UserData(false, "news".getBytes(StandardCharsets.UTF_8)));
        assertThat(other.merged).containsExactly("state");
        assertThat(other.notified).containsExactly("news");
        // Its reply to the push-pull carries its own page.
        assertThat(b.sent).anyMatch(s -> TestNode.carries(s, UserData.class) && TestNode.first(s, UserData.class).state());
    }

    @Test
    void userDataRoundTripsAndANodeWithoutADelegateIgnoresIt() {
        PacketCodec codec = new PacketCodec("test", null);
        UserData data = new UserData(true, new byte[]{1, 2, 3});
        byte[] bytes = codec.encode(new Packet("a", TestNode.address("a"), List.of(data)), 1400);
        DecodeResult.Decoded decoded = (DecodeResult.Decoded) codec.decode(bytes, 1400);
        UserData back = (UserData) decoded.packet().messages().getFirst();
        assertThat(back.state()).isTrue();
        assertThat(back.payload()).containsExactly(1, 2, 3);
        assertThat(MessageCodec.sizeBytes(new UserData(false, new byte[1000])))
                .isLessThanOrEqualTo(1000 + MessageCodec.USER_DATA_OVERHEAD_BYTES);

        TestNode b = new TestNode(CONFIG, "b", 0).started("a");
        b.receive("a", data); // no delegate: dropped, nothing breaks
        assertThat(b.stateOf("a")).isEqualTo(MemberState.ALIVE);
    }
}
