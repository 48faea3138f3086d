package io.ringwork.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.runtime.peer.RelayedMessage;
import io.ringwork.runtime.peer.RelayedMessage.Mode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A node's subscribers: bounded queues, the least loaded choice and its fall-over, and what a closed one hands on. */
class LocalSubscribersTest {
    private static Message message(Mode mode, String target, int n) {
        return new Message("n1-" + n, mode, target, "n1", 0, ("" + n).getBytes(), 0);
    }

    @Test
    void aSlowSubscriberIsDroppedAtItsQueueCapacityNotWaitedFor() throws Exception {
        LocalSubscribers local = new LocalSubscribers("n1", 8, 2);
        Subscriber slow = local.subscribe("t");
        Subscriber other = local.subscribe("t");
        assertThat(local.deliverTopic(message(Mode.PUBLISH, "t", 1))).isEqualTo(2);
        assertThat(other.poll(0)).isNotNull();
        assertThat(local.deliverTopic(message(Mode.PUBLISH, "t", 2))).isEqualTo(2);
        // slow holds 2 now: the third overflows it, and it stays closed; the other still takes messages.
        assertThat(local.deliverTopic(message(Mode.PUBLISH, "t", 3))).isEqualTo(1);
        assertThat(slow.closedBecause()).startsWith("overflow");
        assertThat(other.poll(0)).isNotNull();
        assertThat(local.deliverTopic(message(Mode.PUBLISH, "t", 4))).isEqualTo(1);
        assertThat(slow.depth()).isEqualTo(2);
        assertThat(local.queued()).isEqualTo(2 + 2);
    }

    @Test
    void anycastTakesTheLeastLoadedAndFallsOverWhenItIsFullOrClosed() throws Exception {
        LocalSubscribers local = new LocalSubscribers("n1", 8, 2);
        Subscriber a = local.subscribe("jobs");
        Subscriber b = local.subscribe("jobs");
        Subscriber c = local.subscribe("jobs");
        Map<String, Integer> taken = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            Subscriber taker = local.deliverOne(message(Mode.ANYCAST, "jobs", i));
            taken.merge(taker.id(), 1, Integer::sum);
        }
        // Equal queues: the fewest taken wins, so six go two by two.
        assertThat(taken).containsOnlyKeys(a.id(), b.id(), c.id()).allSatisfy((id, n) -> assertThat(n).isEqualTo(2));
        a.poll(0);
        a.poll(0);
        assertThat(local.deliverOne(message(Mode.ANYCAST, "jobs", 6))).isSameAs(a);
        // a is closed now (its stream ended): the next goes to b or c although a's queue was the shortest.
        List<Message> handedOn = local.unsubscribe(a, "gone");
        assertThat(handedOn).extracting(Message::id).containsExactly("n1-6");
        b.poll(0);
        assertThat(local.deliverOne(message(Mode.ANYCAST, "jobs", 7))).isSameAs(b);
        assertThat(local.load("jobs")).isEqualTo(new RelayedMessage.Load(2, 2, 2));
        assertThat(local.deliverOne(message(Mode.ANYCAST, "other", 8))).isNull();
    }

    @Test
    void anInboxTakesItsPrefixAndPublishOrSendLeftInAClosedQueueIsNotHandedOn() {
        LocalSubscribers local = new LocalSubscribers("n1", 8, 4);
        Subscriber all = local.subscribeInbox("");
        Subscriber users = local.subscribeInbox("user/");
        assertThat(local.deliverInbox(message(Mode.SEND, "user/7", 1))).isEqualTo(2);
        assertThat(local.deliverInbox(message(Mode.SEND, "order/7", 2))).isEqualTo(1);
        assertThat(local.unsubscribe(all, "gone")).isEmpty();
        assertThat(local.count()).isEqualTo(1);
        assertThat(users.depth()).isEqualTo(1);
    }

    @Test
    void subscribersPastTheLimitAreRefused() {
        LocalSubscribers local = new LocalSubscribers("n1", 2, 4);
        Subscriber first = local.subscribe("t");
        assertThat(local.subscribeInbox("")).isNotNull();
        assertThat(local.subscribe("t")).isNull();
        local.unsubscribe(first, "gone");
        assertThat(local.subscribe("u")).isNotNull();
        assertThat(local.count()).isEqualTo(2);
    }

    @Test
    void theClusterChoiceOrdersByQueueThenTakenAndLeavesOutMembersWithoutSubscribers() {
        Map<String, RelayedMessage.Load> loads = new LinkedHashMap<>();
        loads.put("n1", new RelayedMessage.Load(2, 3, 10));
        loads.put("n2", new RelayedMessage.Load(1, 0, 50));
        loads.put("n3", new RelayedMessage.Load(0, 0, 0));
        loads.put("n4", new RelayedMessage.Load(4, 0, 20));
        assertThat(Messaging.order(loads, new SplittableRandom(1))).extracting(Messaging.Candidate::node).containsExactly("n4", "n2", "n1");
        // Ties are broken at random, so equal members share the work.
        Map<String, RelayedMessage.Load> equal = Map.of("a", new RelayedMessage.Load(1, 0, 5), "b", new RelayedMessage.Load(1, 0, 5));
        Map<String, Integer> first = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200; i++) first.merge(Messaging.order(equal, random).get(0).node(), 1, Integer::sum);
        assertThat(first.get("a")).isBetween(70, 130);
    }
}
