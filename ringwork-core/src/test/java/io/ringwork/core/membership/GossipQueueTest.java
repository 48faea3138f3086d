package io.ringwork.core.membership;

import io.ringwork.core.membership.MembershipMessage.Dead;
import io.ringwork.core.membership.MembershipMessage.Suspect;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GossipQueueTest {

    private static Suspect suspect(String id) {
        return new Suspect(id, 1, "x");
    }

    @Test
    void newestUpdatesGoFirstAndEachIsSentAtMostTheLimit() {
        GossipQueue queue = new GossipQueue(100);
        queue.enqueue("a", suspect("a"), 10);
        queue.enqueue("b", suspect("b"), 10);

        assertThat(queue.take(10, 2)).containsExactly(suspect("b"));
        // a has fewer transmissions now, so it goes before b's second send.
        assertThat(queue.take(10, 2)).containsExactly(suspect("a"));
        assertThat(queue.take(100, 2)).containsExactly(suspect("b"), suspect("a"));
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void aNewerUpdateAboutTheSameMemberReplacesTheQueuedOne() {
        GossipQueue queue = new GossipQueue(100);
        queue.enqueue("a", suspect("a"), 10);
        queue.enqueue("a", new Dead("a", 1, "x"), 10);

        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.take(100, 5)).containsExactly(new Dead("a", 1, "x"));
    }

    @Test
    void atCapacityTheMostTransmittedOldestEntriesAreDropped() {
        GossipQueue queue = new GossipQueue(2);
        queue.enqueue("a", suspect("a"), 10);
        queue.take(10, 5); // a: 1 transmission
        queue.enqueue("b", suspect("b"), 10);
        queue.enqueue("c", suspect("c"), 10);

        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.dropped()).isEqualTo(1);
        assertThat(queue.take(100, 5)).containsExactly(suspect("c"), suspect("b"));
    }

    @Test
    void takeRespectsTheByteBudgetAndSkipsWhatDoesNotFit() {
        GossipQueue queue = new GossipQueue(10);
        queue.enqueue("small", suspect("small"), 10);
        queue.enqueue("big", suspect("big"), 50);

        List<MembershipMessage> taken = queue.take(30, 5);

        assertThat(taken).containsExactly(suspect("small"));
    }
}
