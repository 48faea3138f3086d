package io.ringwork.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import io.ringwork.runtime.peer.PeerServer;
import io.ringwork.core.cluster.Term;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReplicaLinkTest {
    private static final byte[] KEY = PeerIdentity.keyFrom("a cluster secret of some length".getBytes());
    private PeerServer server;
    private ReplicaLink link;

    private record Received(String from, List<ReplicaMessage> messages) {}

    @AfterEach
    void close() {
        if (link != null) link.close();
        if (server != null) server.close();
    }

    /** What a link tells its node: the acks in the order they were handed over, and its losses. */
    private static final class Recorder implements ReplicaLink.Sink {
        final List<Long> acked = new CopyOnWriteArrayList<>();
        final AtomicInteger losses = new AtomicInteger();
        volatile CountDownLatch holdFirstAck = new CountDownLatch(0);

        @Override
        public void onAck(String from, ReplicaAck ack) {
            if (acked.isEmpty()) {
                try {
                    holdFirstAck.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            acked.add(ack.seq());
        }

        @Override
        public void linkDown(String to) {
            losses.incrementAndGet();
        }

        @Override
        public void termRefused() {
        }
    }

    private static final Term TERM = new Term(1, "n1");

    private static ReplicaMessage durable(long seq) {
        return new ReplicaMessage.Durable(0, TERM, seq);
    }

    /** Answers each Durable with its number, as a replica's ack; records the numbers in the order they came. */
    private static PeerServer.Receiver answering(List<Long> seen, Predicate<List<ReplicaMessage>> fails) {
        return (from, messages) -> {
            if (fails.test(messages)) throw new IllegalStateException("a failure this test injects");
            List<ReplicaAck> acks = new ArrayList<>();
            for (ReplicaMessage message : messages) {
                long seq = ((ReplicaMessage.Durable) message).durableSeq();
                seen.add(seq);
                acks.add(new ReplicaAck(0, TERM, seq, ReplicaAck.Status.IN_SYNC));
            }
            return acks;
        };
    }

    private void start(PeerServer.Receiver receiver, ReplicaLink.Sink sink) throws Exception {
        server = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity("n2", "c", KEY), PeerCodec.CURRENT,
                receiver, new PeerCounters());
        link = new ReplicaLink(new PeerIdentity("n1", "c", KEY), "n2", "127.0.0.1:" + server.address().getPort(), sink,
                PeerCodec.CURRENT, new PeerCounters());
    }

    @Test
    void theNextBatchGoesOutWhileTheAnswersToTheLastAreStillBeingHandedOver() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        Recorder sink = new Recorder();
        CountDownLatch hold = new CountDownLatch(1);
        sink.holdFirstAck = hold;
        start(answering(seen, messages -> false), sink);

        assertThat(link.offer(durable(0))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(0L));
        // The owner's side is still busy with the answer to 0 (held), yet 1 reaches the member:
        // stop-and-wait sent nothing more until every answer of the batch before was handed over.
        assertThat(link.offer(durable(1))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(1L));
        assertThat(sink.acked).isEmpty();
        hold.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.acked.size() == 2);
        assertThat(sink.acked).containsExactly(0L, 1L);
        assertThat(sink.losses).hasValue(0);
    }

    @Test
    void manyBatchesOnTheirWayAreAnsweredInTheOrderTheyWent() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        Recorder sink = new Recorder();
        // A slow member: batches pile up behind the window and in the queue.
        start((from, messages) -> {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return answering(seen, m -> false).receive(from, messages);
        }, sink);
        List<Long> expected = new ArrayList<>();
        for (long seq = 0; seq < 2_000; seq++) {
            expected.add(seq);
            assertThat(link.offer(durable(seq))).isTrue();
            if (seq % 50 == 0) Thread.sleep(1); // let batches of several sizes form
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.acked.size() == expected.size());
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(sink.acked).containsExactlyElementsOf(expected);
        assertThat(sink.losses).hasValue(0);
    }

    @Test
    void aBrokenConnectionSendsWhatWasOnItsWayAgainInOrderAndHandsEachAnswerOverOnce() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        Recorder sink = new Recorder();
        AtomicBoolean failed = new AtomicBoolean();
        // The member drops the connection once, on the batch holding 500: that batch and the ones
        // behind it on the connection go again.
        start(answering(seen, messages -> messages.contains(durable(500)) && failed.compareAndSet(false, true)), sink);
        List<Long> expected = new ArrayList<>();
        for (long seq = 0; seq < 1_000; seq++) {
            expected.add(seq);
            assertThat(link.offer(durable(seq))).isTrue();
            if (seq % 25 == 0) Thread.sleep(1);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.acked.size() == expected.size());
        assertThat(failed).isTrue();
        assertThat(sink.acked).containsExactlyElementsOf(expected);
        assertThat(sink.losses).hasValue(0);
        // The member saw everything in order, the resent part a second time at most.
        assertThat(seen.stream().distinct().toList()).containsExactlyElementsOf(expected);
        for (int i = 1; i < seen.size(); i++) {
            if (seen.get(i) <= seen.get(i - 1)) assertThat(seen.get(i)).isLessThanOrEqualTo(500L); // a resend starts at or before 500
        }
    }

    @Test
    void threeFailuresWithoutAnAnswerLoseWhatWasQueuedAndTheLinkGoesOnAfterwards() throws Exception {
        List<Long> seen = new CopyOnWriteArrayList<>();
        Recorder sink = new Recorder();
        AtomicInteger failures = new AtomicInteger();
        start(answering(seen, messages -> messages.contains(durable(0)) && failures.incrementAndGet() <= 3), sink);

        assertThat(link.offer(durable(0))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.losses.get() == 1);
        assertThat(failures).hasValue(3);
        assertThat(sink.acked).isEmpty();
        // The owner says Hello again after a loss; whatever it queues next goes on a fresh connection.
        assertThat(link.offer(durable(1))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.acked.size() == 1);
        assertThat(sink.acked).containsExactly(1L);
        assertThat(seen).containsExactly(1L);
        assertThat(sink.losses).hasValue(1);
    }

    @Test
    void aNewLinkSendsOneEmptyBatchBeforeAnyMessage() throws Exception {
        List<Received> received = new CopyOnWriteArrayList<>();
        PeerServer.Receiver receiver = (from, messages) -> {
            received.add(new Received(from, messages));
            return List.<ReplicaAck>of();
        };
        server = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity("n2", "c", KEY), PeerCodec.CURRENT,
                receiver, new PeerCounters());
        // Nothing is ever offered: the empty batch needs no service to hand acks or failures to.
        link = new ReplicaLink(new PeerIdentity("n1", "c", KEY), "n2", "127.0.0.1:" + server.address().getPort(), null,
                PeerCodec.CURRENT, new PeerCounters());

        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty());
        Thread.sleep(300); // a second batch, if one were sent, would have come by now
        assertThat(received).hasSize(1);
        assertThat(received.get(0).from()).isEqualTo("n1"); // the handshake's node id, authenticated by the key
        assertThat(received.get(0).messages()).isEmpty();
    }
}
