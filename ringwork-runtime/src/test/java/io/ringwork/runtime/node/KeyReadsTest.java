package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.cluster.MemberView;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.http.ApiError;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import io.ringwork.runtime.peer.PeerServer;
import io.ringwork.runtime.peer.ReadRelay;
import io.ringwork.runtime.peer.RelayedRead;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where a read is answered and what a client is told: n1 (this node) asks the owners n2 and n3,
 * real peer servers on 127.0.0.1 whose answers each test scripts; ownership comes from a real
 * {@link OwnershipPlan} of the three.
 */
class KeyReadsTest {
    private static final int PARTITIONS = 16;
    private static final StoredState DOC = new StoredState(4, "resource", false, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    private final Partitioner partitioner = new Partitioner(PARTITIONS);
    private final OwnershipPlan plan = planOf("n1", "n2", "n3");
    private final Map<String, Function<RelayedRead.Request, RelayedRead.Answer>> script = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
    private final Map<String, String> addresses = new HashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private volatile OwnershipPlan seen = plan;
    private final BitSet running = new BitSet();
    private final BitSet inSync = new BitSet();
    private KeyReads reads;

    private static OwnershipPlan planOf(String... ids) {
        BitSet all = new BitSet();
        all.set(0, PARTITIONS);
        List<MemberView> views = new ArrayList<>();
        for (String id : ids) views.add(new MemberView(id, 1, all, new BitSet()));
        return OwnershipPlan.compute(views, PARTITIONS, 3);
    }

    private void start() throws IOException {
        byte[] key = PeerIdentity.keyFrom("a cluster secret".getBytes(StandardCharsets.UTF_8));
        for (String id : List.of("n2", "n3")) {
            asked.put(id, new AtomicInteger());
            PeerServer server = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity(id, "c", key), PeerCodec.CURRENT,
                    new PeerServer.Receiver() {
                        @Override
                        public List<io.ringwork.core.cluster.ReplicaAck> receive(String from, List<io.ringwork.core.cluster.ReplicaMessage> m) {
                            throw new AssertionError("no replication here");
                        }

                        @Override
                        public RelayedRead.Answer read(String from, RelayedRead.Request request) {
                            asked.get(id).incrementAndGet();
                            return script.getOrDefault(id, r -> RelayedRead.Answer.absent()).apply(request);
                        }
                    }, new PeerCounters());
            closing.add(server);
            addresses.put(id, "127.0.0.1:" + server.address().getPort());
        }
        ReadRelay relay = new ReadRelay(new PeerIdentity("n1", "c", key), PeerCodec.CURRENT, new PeerCounters(), 1 << 20);
        closing.add(relay);
        reads = new KeyReads("n1", PARTITIONS, new MemoryStateStore(), new KeyReads.Cluster() {
            @Override
            public OwnershipPlan plan() {
                return seen;
            }

            @Override
            public boolean runs(int partition) {
                return running.get(partition);
            }

            @Override
            public boolean inSync(int partition) {
                return inSync.get(partition);
            }

            @Override
            public String peerAddress(String member) {
                return addresses.get(member);
            }
        }, relay);
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) c.close();
    }

    private String keyOwnedBy(String owner) {
        for (int i = 0; ; i++) {
            String key = "doc/" + i;
            if (owner.equals(plan.owner(partitioner.partitionOf(key)))) return key;
        }
    }

    @Test
    void aKeyAnotherNodeOwnsIsReadThereAndOneThisNodeRunsIsReadHere() throws IOException {
        start();
        script.put("n2", r -> RelayedRead.Answer.found(DOC));
        KeyReads.Read read = reads.fromOwner(keyOwnedBy("n2"));
        assertThat(read.readAt()).isEqualTo("n2");
        assertThat(read.state().version()).isEqualTo(4);
        assertThat(asked.get("n2").get()).isEqualTo(1);

        assertThat(reads.fromOwner(keyOwnedBy("n1")).readAt()).isEqualTo("n1");
        String n3s = keyOwnedBy("n3");
        running.set(partitioner.partitionOf(n3s)); // this node still runs it (a handoff not yet done): its state is the newest
        assertThat(reads.fromOwner(n3s).readAt()).isEqualTo("n1");
        seen = null; // no plan yet: alone or starting
        assertThat(reads.fromOwner(keyOwnedBy("n2")).readAt()).isEqualTo("n1");
        assertThat(asked.get("n2").get() + asked.get("n3").get()).isEqualTo(1);
    }

    @Test
    void aStaleOwnerNamesTheNewOneWhichIsAskedOnceAndOnlyOnce() throws IOException {
        start();
        String key = keyOwnedBy("n2");
        script.put("n2", r -> RelayedRead.Answer.notOwner("n3", "n2 does not own it"));
        script.put("n3", r -> RelayedRead.Answer.found(DOC));
        assertThat(reads.fromOwner(key).readAt()).isEqualTo("n3");

        // Both think the other owns it: the asker gives up after the second, with a 503 that says so.
        script.put("n3", r -> RelayedRead.Answer.notOwner("n2", "n3 does not own it"));
        assertThatThrownBy(() -> reads.fromOwner(key)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.code()).isEqualTo("owner_moved");
            assertThat(e.definite()).isTrue();
        });
        assertThat(asked.get("n2").get()).isEqualTo(2);
        assertThat(asked.get("n3").get()).isEqualTo(2);

        // A stale owner that names this node: no loop back, no third ask.
        script.put("n2", r -> RelayedRead.Answer.notOwner("n1", "n2 does not own it"));
        assertThatThrownBy(() -> reads.fromOwner(key)).isInstanceOfSatisfying(ApiError.class,
                e -> assertThat(e.code()).isEqualTo("owner_moved"));
        assertThat(asked.get("n2").get()).isEqualTo(3);
        assertThat(asked.get("n3").get()).isEqualTo(2);
    }

    @Test
    void anOwnerThatCannotAnswerOrHasNoAddressIsA503WithItsReason() throws IOException {
        start();
        script.put("n2", r -> RelayedRead.Answer.unavailable("n2 is taking over partition 3"));
        assertThatThrownBy(() -> reads.fromOwner(keyOwnedBy("n2"))).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).contains("n2 is taking over partition 3").contains("retry");
        });
        addresses.remove("n3");
        assertThatThrownBy(() -> reads.fromOwner(keyOwnedBy("n3"))).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).contains("no peer address");
        });
    }

    @Test
    void theOwnersSideAnswersOnlyWhatItRunsOrOwnsInSync() throws IOException {
        start();
        String theirs = keyOwnedBy("n2");
        RelayedRead.Answer notMine = reads.serve(new RelayedRead.Request(theirs, 1));
        assertThat(notMine.outcome()).isEqualTo(RelayedRead.Outcome.NOT_OWNER);
        assertThat(notMine.owner()).isEqualTo("n2");

        String mine = keyOwnedBy("n1");
        int p = partitioner.partitionOf(mine);
        assertThat(reads.serve(new RelayedRead.Request(mine, 1)).detail()).contains("taking over partition " + p);
        inSync.set(p);
        assertThat(reads.serve(new RelayedRead.Request(mine, 1)).outcome()).isEqualTo(RelayedRead.Outcome.ABSENT);
        inSync.clear(p);
        running.set(partitioner.partitionOf(theirs)); // it runs it, whatever its plan says
        assertThat(reads.serve(new RelayedRead.Request(theirs, 1)).outcome()).isEqualTo(RelayedRead.Outcome.ABSENT);
        seen = null;
        assertThat(reads.serve(new RelayedRead.Request(mine, 1)).outcome()).isEqualTo(RelayedRead.Outcome.UNAVAILABLE);
    }

    private static ApiError error(ReadRelay.Failure failure) {
        return KeyReads.errorFor("doc/1", new ReadRelay.RelayFailed(failure, "n2 said nothing"));
    }

    @Test
    void anOwnerUnreachableOrLateIsAnIndefiniteErrorThatSaysARetryIsSafe() {
        ApiError late = error(ReadRelay.Failure.TIMEOUT);
        assertThat(late.status()).isEqualTo(504);
        assertThat(late.code()).isEqualTo("owner_timeout");
        assertThat(late.definite()).isFalse();
        assertThat(late.getMessage()).contains("'doc/1'").contains("n2 said nothing").contains("retrying is safe");
        ApiError gone = error(ReadRelay.Failure.UNREACHABLE);
        assertThat(gone.status()).isEqualTo(503);
        assertThat(gone.code()).isEqualTo("owner_unreachable");
        assertThat(gone.definite()).isFalse();
        assertThat(gone.getMessage()).contains("retrying is safe");
    }

    @Test
    void aReadNeverSentOrRefusedForItsSizeIsDefinite() {
        ApiError busy = error(ReadRelay.Failure.BUSY);
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.code()).isEqualTo("busy");
        assertThat(busy.definite()).isTrue();
        ApiError large = error(ReadRelay.Failure.OVERSIZED);
        assertThat(large.status()).isEqualTo(502);
        assertThat(large.definite()).isTrue();
        assertThat(large.getMessage()).contains("?local=true");
    }
}
