package io.ringwork.runtime.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real peer server with a cluster secret, in front of a real {@link PartitionFollower}: forged,
 * replayed, oversized, malformed and stale traffic changes nothing and is counted; well-formed
 * authenticated traffic is applied. All on 127.0.0.1.
 */
class PeerServerTest {
    private static final byte[] KEY = PeerIdentity.keyFrom("the cluster's shared secret".getBytes(StandardCharsets.UTF_8));
    private static final PeerIdentity OWNER = new PeerIdentity("n1", "c", KEY);
    private static final Term TERM = new Term(5, "n1");

    private final MemoryStateStore store = new MemoryStateStore();
    private final PartitionFollower follower = new PartitionFollower(ProcessingMachine.of(0, store));
    private final AtomicInteger messagesReceived = new AtomicInteger();
    private final PeerCounters counters = new PeerCounters();
    private PeerServer server;
    private final List<Wire> wires = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = serve(new PeerIdentity("n2", "c", KEY), PeerCodec.CURRENT, counters);
    }

    private PeerServer serve(PeerIdentity self, PeerCodec codec, PeerCounters count) throws IOException {
        return PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), self, codec, (from, messages) -> {
            synchronized (follower) {
                messagesReceived.addAndGet(messages.size());
                List<ReplicaAck> acks = new ArrayList<>();
                for (ReplicaMessage message : messages) acks.add(follower.receive(message).ack());
                return acks;
            }
        }, count);
    }

    @AfterEach
    void stop() {
        wires.forEach(Wire::close);
        server.close();
    }

    private static StateWrite state(String key, long version, String json) {
        return new StateWrite(0, key, new StoredState(version, "gluer", false, json.getBytes(StandardCharsets.UTF_8)));
    }

    private static ReplicaMessage.Hello hello(Term term) {
        return new ReplicaMessage.Hello(0, term, ReplicaMessage.Role.REPLICA, 1, -1, -1);
    }

    private static ReplicaMessage.Commit commit(Term term, long seq, StateWrite state) {
        return ProcessingMachine.commit(0, term, seq, state.state().version(), List.of(state), List.of(), List.of());
    }

    /** An owner that followed the protocol: the follower holds k at version 1. */
    private Wire anOwnerHasCommittedVersionOne() throws IOException {
        Wire owner = wire().handshake(OWNER);
        List<ReplicaAck> acks = owner.send(List.of(hello(TERM), commit(TERM, 1, state("k", 1, "{\"v\":1}"))));
        assertThat(acks).extracting(ReplicaAck::status).containsExactly(ReplicaAck.Status.IN_SYNC, ReplicaAck.Status.IN_SYNC);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
        return owner;
    }

    @Test
    void aWellFormedAuthenticatedFrameIsApplied() throws IOException {
        anOwnerHasCommittedVersionOne();
        assertThat(messagesReceived.get()).isEqualTo(2);
        assertThat(counters.droppedByReason().values()).allMatch(count -> count == 0);
        assertThat(counters.framesReceived()).isEqualTo(3); // the handshake, its proof, the batch
    }

    @Test
    void aCommitWithAWrongKeyIsRefusedAtTheProofAndChangesNothing() throws IOException {
        anOwnerHasCommittedVersionOne();
        int before = messagesReceived.get();
        Wire forger = wire();
        byte[] wrongKey = PeerIdentity.keyFrom("another secret, guessed".getBytes(StandardCharsets.UTF_8));
        // The server checks the forger's proof before it proves anything itself: the forger hears nothing but the close.
        assertThatThrownBy(() -> forger.handshake(new PeerIdentity("n1", "c", wrongKey))).isInstanceOf(IOException.class);
        awaitDropped(PeerCounters.BAD_MAC, 1);
        assertThat(messagesReceived.get()).isEqualTo(before);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
    }

    @Test
    void aFrameWithABadMacAfterAGoodHandshakeIsDropped() throws IOException {
        Wire owner = anOwnerHasCommittedVersionOne();
        int before = messagesReceived.get();
        // The next frame as a forger without the key would make it: the right sequence number (2, after
        // the proof and the batch), a MAC of its guessing.
        byte[] body = PeerCodec.CURRENT.encodeBatch(List.of(commit(TERM, 2, state("k", 2, "{\"v\":\"forged\"}"))));
        byte[] trailer = new byte[8 + PeerChannel.MAC_BYTES];
        trailer[7] = 2;
        Arrays.fill(trailer, 8, trailer.length, (byte) 0x5A);
        byte[] withTrailer = Arrays.copyOf(body, body.length + trailer.length);
        System.arraycopy(trailer, 0, withTrailer, body.length, trailer.length);
        owner.raw(lengthPrefixed(withTrailer));
        awaitDropped(PeerCounters.BAD_MAC, 1);
        assertThat(owner.closedByServer()).isTrue();
        assertThat(messagesReceived.get()).isEqualTo(before);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
    }

    @Test
    void aCommitWithNoMacAndNoHandshakeIsDropped() throws IOException {
        Wire stranger = wire();
        byte[] body = PeerCodec.CURRENT.encodeBatch(List.of(hello(TERM), commit(TERM, 1, state("k", 1, "{\"v\":1}"))));
        stranger.raw(lengthPrefixed(body));
        awaitDropped(PeerCounters.HANDSHAKE, 1);
        assertThat(stranger.closedByServer()).isTrue();
        // And one that does the handshake without a key: refused there too.
        assertThatThrownBy(() -> wire().handshake(new PeerIdentity("n1", "c", null))).isInstanceOf(IOException.class);
        awaitDropped(PeerCounters.HANDSHAKE, 2);
        assertThat(messagesReceived.get()).isZero();
        assertThat(store.get(0, "k")).isNull();
    }

    @Test
    void aReplayedFrameIsDroppedOnItsOwnConnectionAndOnAnother() throws IOException {
        Wire owner = wire().handshake(OWNER);
        owner.send(List.of(hello(TERM)));
        byte[] captured = owner.lastFrame();
        owner.send(List.of(commit(TERM, 1, state("k", 1, "{\"v\":1}"))));
        int before = messagesReceived.get();

        // The same bytes again on a new connection: its session key differs, so the MAC fails.
        Wire other = wire().handshake(OWNER);
        other.raw(captured);
        awaitDropped(PeerCounters.BAD_MAC, 1);
        assertThat(other.closedByServer()).isTrue();
        // On its own connection: the MAC holds, but its sequence number is not the next one.
        owner.raw(captured);
        awaitDropped(PeerCounters.REPLAYED, 1);
        assertThat(owner.closedByServer()).isTrue();
        assertThat(messagesReceived.get()).isEqualTo(before);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
    }

    @Test
    void anOversizedLengthIsRefusedBeforeItIsRead() throws IOException {
        Wire owner = anOwnerHasCommittedVersionOne();
        int before = messagesReceived.get();
        owner.raw(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0});
        awaitDropped(PeerCounters.OVERSIZED, 1);
        assertThat(owner.closedByServer()).isTrue();
        assertThat(messagesReceived.get()).isEqualTo(before);
    }

    @Test
    void aMalformedAuthenticatedFrameIsDropped() throws IOException {
        Wire owner = anOwnerHasCommittedVersionOne();
        int before = messagesReceived.get();
        owner.rawFrame(new byte[] {PeerCodec.COMMIT, 0x7F, 1, 2, 3}); // a message longer than the frame
        awaitDropped(PeerCounters.MALFORMED, 1);
        assertThat(owner.closedByServer()).isTrue();
        assertThat(messagesReceived.get()).isEqualTo(before);
    }

    @Test
    void aCommitOfALowerEpochChangesNoStateAndIsCounted() throws IOException {
        anOwnerHasCommittedVersionOne();
        // A deposed owner (or anyone with the key) under an older term.
        Wire deposed = wire().handshake(new PeerIdentity("n3", "c", KEY));
        Term older = new Term(4, "n3");
        List<ReplicaAck> acks = deposed.send(List.of(commit(older, 2, state("k", 2, "{\"v\":\"stale\"}"))));
        assertThat(acks).extracting(ReplicaAck::status).containsExactly(ReplicaAck.Status.STALE_TERM);
        assertThat(counters.dropped(PeerCounters.STALE_TERM)).isEqualTo(1);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
        assertThat(new String(store.get(0, "k").value(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":1}");
    }

    @Test
    void aSilentPeerIsClosedAfterTheHandshakeDeadline() throws IOException {
        Wire silent = wire();
        await().atMost(Duration.ofSeconds(PeerHandshake.TIMEOUT_MS / 1000 + 5)).until(silent::closedByServer);
        awaitDropped(PeerCounters.HANDSHAKE, 1);
        assertThat(counters.inboundConnections()).isZero();
    }

    @Test
    void aNewerNodeAndAnOlderOneReplicateToEachOther() throws IOException {
        // Newer owner -> older member (this test's server): its extra kind and field are skipped and counted.
        NewerPeerCodec newer = new NewerPeerCodec("zone-a");
        Wire newOwner = wire(newer).handshake(OWNER, newer.version());
        List<ReplicaAck> acks = newOwner.send(List.of(hello(TERM), commit(TERM, 1, state("k", 1, "{\"v\":1}"))));
        assertThat(acks).hasSize(3); // two acks and the SKIPPED answer to the trace
        assertThat(acks.subList(0, 2)).extracting(ReplicaAck::status).containsOnly(ReplicaAck.Status.IN_SYNC);
        assertThat(acks.get(2)).isNull();
        assertThat(store.get(0, "k").version()).isEqualTo(1);
        assertThat(counters.dropped(PeerCounters.UNKNOWN_KIND)).isEqualTo(1);
        assertThat(counters.dropped(PeerCounters.UNKNOWN_FIELD)).isEqualTo(2);

        // Older owner -> newer member: it reads the older frames; the older side skips the newer answers' extra field.
        NewerPeerCodec newerServerCodec = new NewerPeerCodec("zone-b");
        PeerCounters newerCounters = new PeerCounters();
        try (PeerServer newerServer = serve(new PeerIdentity("n2", "c", KEY), newerServerCodec, newerCounters)) {
            PeerCounters olderSide = new PeerCounters();
            PeerClient oldOwner = new PeerClient("n2", "127.0.0.1:" + newerServer.address().getPort(), OWNER, PeerCodec.CURRENT, olderSide);
            List<ReplicaAck> answers = oldOwner.exchange(List.of(commit(TERM, 2, state("k", 2, "{\"v\":2}"))), 5000);
            oldOwner.close();
            assertThat(answers).extracting(ReplicaAck::status).containsExactly(ReplicaAck.Status.IN_SYNC);
            assertThat(store.get(0, "k").version()).isEqualTo(2);
            assertThat(newerCounters.droppedByReason().values()).allMatch(count -> count == 0);
            assertThat(olderSide.dropped(PeerCounters.UNKNOWN_FIELD)).isEqualTo(1); // the origin on its one ack
        }
    }

    private void awaitDropped(String reason, long count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(counters.dropped(reason)).isEqualTo(count));
    }

    private static byte[] lengthPrefixed(byte[] body) {
        byte[] frame = new byte[4 + body.length];
        frame[0] = (byte) (body.length >>> 24);
        frame[1] = (byte) (body.length >>> 16);
        frame[2] = (byte) (body.length >>> 8);
        frame[3] = (byte) body.length;
        System.arraycopy(body, 0, frame, 4, body.length);
        return frame;
    }

    private Wire wire() throws IOException {
        return wire(PeerCodec.CURRENT);
    }

    private Wire wire(PeerCodec codec) throws IOException {
        Wire wire = new Wire(server.address().getPort(), codec, "n2");
        wires.add(wire);
        return wire;
    }
}
