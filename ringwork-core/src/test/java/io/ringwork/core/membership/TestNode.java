package io.ringwork.core.membership;

import io.ringwork.core.membership.MembershipEffect.Notify;
import io.ringwork.core.membership.MembershipEffect.Send;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** One state machine driven by hand: a test plays every other member and the clock. */
final class TestNode {
    final Membership membership;
    final List<Send> sent = new ArrayList<>();
    final List<MemberEvent> events = new ArrayList<>();
    long nowMs;

    TestNode(MembershipConfig config, String id, long initialIncarnation) {
        membership = new Membership(config, id, address(id), Map.of(), initialIncarnation, RandomSource.seeded(42), 0);
    }

    static Address address(String id) {
        return new Address("10.0.0." + (id.charAt(0) - 'a' + 1), 7946);
    }

    static MembershipMessage.Alive alive(String id, long incarnation) {
        return new MembershipMessage.Alive(id, incarnation, address(id), Member.emptyMetadata());
    }

    TestNode started(String... peers) {
        membership.join(List.of(), nowMs);
        for (String peer : peers) receive(peer, alive(peer, 0));
        clear();
        return this;
    }

    void receive(String from, MembershipMessage message) {
        receiveFrom(address(from), message);
    }

    void receiveFrom(Address from, MembershipMessage message) {
        membership.onMessage(from, message, nowMs);
        collect();
    }

    /** Ticks at every deadline up to and including {@code untilMs}. */
    void runUntil(long untilMs) {
        while (membership.nextDeadlineMs() <= untilMs) {
            nowMs = Math.max(nowMs, membership.nextDeadlineMs());
            membership.tick(nowMs);
            collect();
        }
        nowMs = untilMs;
    }

    /** Ticks until an effect matching {@code wanted} appears; fails after {@code limitMs}. */
    Send runUntilSent(Predicate<Send> wanted, long limitMs) {
        long stopMs = nowMs + limitMs;
        while (true) {
            for (Send send : sent) if (wanted.test(send)) return send;
            long next = membership.nextDeadlineMs();
            if (next > stopMs) throw new AssertionError("nothing matching was sent by " + stopMs + " ms; sent " + sent);
            nowMs = Math.max(nowMs, next);
            membership.tick(nowMs);
            collect();
        }
    }

    MemberEvent runUntilEvent(MemberEvent.Kind kind, String memberId, long limitMs) {
        long stopMs = nowMs + limitMs;
        while (true) {
            for (MemberEvent event : events) if (event.kind() == kind && event.member().id().equals(memberId)) return event;
            long next = membership.nextDeadlineMs();
            if (next > stopMs) throw new AssertionError("no " + kind + " for " + memberId + " by " + stopMs + " ms");
            nowMs = Math.max(nowMs, next);
            membership.tick(nowMs);
            collect();
        }
    }

    static boolean carries(Send send, Class<? extends MembershipMessage> type) {
        return send.messages().stream().anyMatch(type::isInstance);
    }

    static <T extends MembershipMessage> T first(Send send, Class<T> type) {
        return send.messages().stream().filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    List<Send> sentOn(Lane lane) {
        return sent.stream().filter(send -> send.lane() == lane).toList();
    }

    MemberState stateOf(String id) {
        return membership.member(id).map(Member::state).orElse(null);
    }

    void clear() {
        sent.clear();
        events.clear();
    }

    private void collect() {
        for (MembershipEffect effect : membership.drainEffects()) {
            switch (effect) {
                case Send send -> sent.add(send);
                case Notify notify -> events.add(notify.event());
            }
        }
    }
}
