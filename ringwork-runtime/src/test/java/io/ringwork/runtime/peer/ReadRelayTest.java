package io.ringwork.runtime.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.store.StoredState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Relayed reads between a real {@link ReadRelay} and real peer servers on 127.0.0.1, with the
 * owner's store played by a map: answers come back whole, connections are reused, and each
 * limit (time, answer size, reads at once per member and per node, hops) ends a read with its
 * own failure.
 */
class ReadRelayTest {
    private static final byte[] KEY = PeerIdentity.keyFrom("the cluster's shared secret".getBytes(StandardCharsets.UTF_8));
    private static final PeerIdentity ASKER = new PeerIdentity("n1", "c", KEY);
    private static final StoredState DOC = new StoredState(3, "gluer", false, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicInteger reads = new AtomicInteger();
    private volatile CountDownLatch hold = new CountDownLatch(0);
    private final PeerCounters ownerCounters = new PeerCounters();
    private final PeerCounters askerCounters = new PeerCounters();

    @AfterEach
    void close() throws Exception {
        hold.countDown();
        for (AutoCloseable c : closing) c.close();
    }

    /** An owner named {@code id} whose store holds "doc" (and "big", of {@code bigBytes}); reads wait for {@link #hold}. */
    private String owner(String id, int bigBytes) throws IOException {
        PeerServer server = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity(id, "c", KEY), PeerCodec.CURRENT,
                new PeerServer.Receiver() {
                    @Override
                    public List<io.ringwork.core.cluster.ReplicaAck> receive(String from, List<io.ringwork.core.cluster.ReplicaMessage> m) {
                        throw new AssertionError("no replication in these tests");
                    }

                    @Override
                    public RelayedRead.Answer read(String from, RelayedRead.Request request) {
                        reads.incrementAndGet();
                        try {
                            hold.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return switch (request.key()) {
                            case "doc" -> RelayedRead.Answer.found(DOC);
                            case "big" -> RelayedRead.Answer.found(new StoredState(1, "gluer", false, new byte[bigBytes]));
                            default -> RelayedRead.Answer.absent();
                        };
                    }
                }, ownerCounters);
        closing.add(server);
        return "127.0.0.1:" + server.address().getPort();
    }

    private ReadRelay relay(int timeoutMs, int inFlightMax, int perPeerMax) {
        ReadRelay relay = new ReadRelay(ASKER, PeerCodec.CURRENT, askerCounters, 64 << 10, timeoutMs, inFlightMax, perPeerMax);
        closing.add(relay);
        return relay;
    }

    @Test
    void aReadComesBackWholeAndItsConnectionIsReused() throws Exception {
        String address = owner("n2", 0);
        ReadRelay relay = relay(3000, 4, 2);
        for (int i = 0; i < 5; i++) {
            RelayedRead.Answer answer = relay.read("n2", address, "doc");
            assertThat(answer.outcome()).isEqualTo(RelayedRead.Outcome.FOUND);
            assertThat(answer.state().version()).isEqualTo(3);
            assertThat(new String(answer.state().value(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        }
        assertThat(relay.read("n2", address, "nothing").outcome()).isEqualTo(RelayedRead.Outcome.ABSENT);
        assertThat(ownerCounters.readsServed()).isEqualTo(6);
        assertThat(ownerCounters.inboundConnections()).isEqualTo(1); // six reads, one connection
        assertThat(relay.count("found")).isEqualTo(5);
        assertThat(relay.count("absent")).isEqualTo(1);
        assertThat(ownerCounters.droppedByReason().values()).allMatch(n -> n == 0);
        assertThat(relay.inFlight()).isZero();
    }

    @Test
    void anOwnerThatDoesNotAnswerInTimeIsATimeoutAndItsConnectionIsClosed() throws Exception {
        String address = owner("n2", 0);
        ReadRelay relay = relay(300, 4, 2);
        hold = new CountDownLatch(1);
        long startNs = System.nanoTime();
        assertThatThrownBy(() -> relay.read("n2", address, "doc")).isInstanceOf(ReadRelay.RelayFailed.class)
                .satisfies(e -> assertThat(((ReadRelay.RelayFailed) e).failure()).isEqualTo(ReadRelay.Failure.TIMEOUT))
                .hasMessageContaining("did not answer within 300 ms");
        long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        assertThat(tookMs).isBetween(250L, 2500L);
        hold.countDown();
        // The next read gets a fresh connection and its own answer, not the late one.
        assertThat(relay.read("n2", address, "other").outcome()).isEqualTo(RelayedRead.Outcome.ABSENT);
        assertThat(relay.count("timeout")).isEqualTo(1);
    }

    @Test
    void anOwnerThatAcceptsButNeverShakesHandsIsATimeoutToo() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            ReadRelay relay = relay(300, 4, 2);
            long startNs = System.nanoTime();
            assertThatThrownBy(() -> relay.read("n2", "127.0.0.1:" + silent.getLocalPort(), "doc"))
                    .satisfies(e -> assertThat(((ReadRelay.RelayFailed) e).failure()).isEqualTo(ReadRelay.Failure.TIMEOUT));
            assertThat((System.nanoTime() - startNs) / 1_000_000).isLessThan(2500L); // not the handshake's 5 s
        }
    }

    @Test
    void anOwnerNotListeningIsUnreachable() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        ReadRelay relay = relay(3000, 4, 2);
        assertThatThrownBy(() -> relay.read("n2", "127.0.0.1:" + port, "doc"))
                .satisfies(e -> assertThat(((ReadRelay.RelayFailed) e).failure()).isEqualTo(ReadRelay.Failure.UNREACHABLE))
                .hasMessageContaining("n2 at 127.0.0.1:" + port);
        assertThat(relay.count("unreachable")).isEqualTo(1);
    }

    @Test
    void anAnswerLargerThanTheAskerTakesIsRefusedUnread() throws Exception {
        String address = owner("n2", 200 << 10);
        ReadRelay relay = relay(3000, 4, 2);
        assertThatThrownBy(() -> relay.read("n2", address, "big"))
                .satisfies(e -> assertThat(((ReadRelay.RelayFailed) e).failure()).isEqualTo(ReadRelay.Failure.OVERSIZED));
        assertThat(askerCounters.dropped(PeerCounters.OVERSIZED)).isEqualTo(1);
        assertThat(relay.read("n2", address, "doc").outcome()).isEqualTo(RelayedRead.Outcome.FOUND);
    }

    @Test
    void readsOverTheMemberAndNodeLimitsFailAtOnceAsBusy() throws Exception {
        String a = owner("n2", 0);
        String b = owner("n3", 0);
        ReadRelay relay = relay(10_000, 3, 2);
        hold = new CountDownLatch(1);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<RelayedRead.Answer>> held = new ArrayList<>();
            held.add(pool.submit(() -> relay.read("n2", a, "doc")));
            held.add(pool.submit(() -> relay.read("n2", a, "doc")));
            awaitReads(2);
            // Two to n2 are its limit per member; a third fails at once, while n3 can still be asked.
            assertBusy(() -> relay.read("n2", a, "doc"), "to n2");
            held.add(pool.submit(() -> relay.read("n3", b, "doc")));
            awaitReads(3);
            // Three in all are the node's limit.
            assertBusy(() -> relay.read("n3", b, "doc"), "3 reads already");
            hold.countDown();
            for (Future<RelayedRead.Answer> f : held) assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(RelayedRead.Outcome.FOUND);
            assertThat(relay.count("busy")).isEqualTo(2);
            assertThat(relay.inFlight()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBurstLeavesAtMostTwoConnectionsOpenToAMember() throws Exception {
        String address = owner("n2", 0);
        ReadRelay relay = relay(10_000, 8, 4);
        hold = new CountDownLatch(1);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<Future<RelayedRead.Answer>> burst = new ArrayList<>();
            for (int i = 0; i < 4; i++) burst.add(pool.submit(() -> relay.read("n2", address, "doc")));
            awaitReads(4);
            assertThat(ownerCounters.inboundConnections()).isEqualTo(4);
            hold.countDown();
            for (Future<RelayedRead.Answer> f : burst) assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(RelayedRead.Outcome.FOUND);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ownerCounters.inboundConnections() > ReadRelay.IDLE_PER_PEER_MAX && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(ownerCounters.inboundConnections()).isEqualTo(ReadRelay.IDLE_PER_PEER_MAX);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReadThatTookMoreThanOneHopIsRefusedWithoutAReadAndAnOlderOwnerIsUnavailable() throws Exception {
        String address = owner("n2", 0);
        try (Wire wire = new Wire(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)), PeerCodec.CURRENT, "n2")) {
            wire.handshake(ASKER);
            RelayedRead.Answer answer = wire.read(new RelayedRead.Request("doc", 2));
            assertThat(answer.outcome()).isEqualTo(RelayedRead.Outcome.REFUSED);
            assertThat(answer.detail()).contains("relayed 2 times");
            assertThat(reads.get()).isZero();
        }
        // An owner of the version before relayed reads: it does not know the kind and answers SKIPPED.
        PeerCodec older = new PeerCodec() {
            @Override
            public boolean isRead(byte[] body) {
                return false;
            }
        };
        PeerServer old = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity("n4", "c", KEY), older,
                (from, messages) -> List.of(), new PeerCounters());
        closing.add(old);
        ReadRelay relay = relay(3000, 4, 2);
        RelayedRead.Answer answer = relay.read("n4", "127.0.0.1:" + old.address().getPort(), "doc");
        assertThat(answer.outcome()).isEqualTo(RelayedRead.Outcome.UNAVAILABLE);
        assertThat(answer.detail()).contains("does not serve relayed reads");
    }

    private void awaitReads(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reads.get() < count && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(reads.get()).isEqualTo(count);
    }

    private interface Read {
        void run() throws Exception;
    }

    private static void assertBusy(Read read, String detail) {
        long startNs = System.nanoTime();
        assertThatThrownBy(read::run).isInstanceOf(ReadRelay.RelayFailed.class).hasMessageContaining(detail)
                .satisfies(e -> assertThat(((ReadRelay.RelayFailed) e).failure()).isEqualTo(ReadRelay.Failure.BUSY));
        assertThat((System.nanoTime() - startNs) / 1_000_000).as("fails at once").isLessThan(500L);
    }
}
