package io.ringwork.runtime.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.cluster.PartitionFollower;
import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.tls.ClientTls;
import io.ringwork.runtime.tls.Pem;
import io.ringwork.runtime.tls.ServerTls;
import io.ringwork.runtime.tls.TestPki;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on the peer channel ({@code --peer-tls-*}): two peers whose certificates the cluster
 * CA signed replicate; a peer with no certificate, one of another CA, an expired one, or a
 * plaintext peer, is refused, counted ({@code tls}) and applies nothing, and the server goes on;
 * a reloaded certificate is what new connections get while an open one keeps its own. The
 * certificates are made with {@code openssl} in the test (skipped where it is not installed).
 */
class PeerTlsTest {
    private static final Term TERM = new Term(5, "n1");
    /** Tests call {@link ServerTls#checkOnce} themselves; the watcher would only race them. */
    private static final long NO_POLL_MS = 3_600_000;

    @TempDir static Path dir;
    static TestPki pki;
    static TestPki.Ca ca;
    static TestPki.Ca otherCa;
    static TestPki.Pair n1;
    static TestPki.Pair n2;
    static TestPki.Pair n2Renewed;
    static TestPki.Pair stranger;
    static TestPki.Pair expired;

    private final MemoryStateStore store = new MemoryStateStore();
    private final PartitionFollower follower = new PartitionFollower(ProcessingMachine.of(0, store));
    private final AtomicInteger messagesReceived = new AtomicInteger();
    private final PeerCounters serverCounters = new PeerCounters();
    private final PeerCounters clientCounters = new PeerCounters();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void pki() throws Exception {
        TestPki.assumeOpenssl();
        pki = new TestPki(dir);
        ca = pki.ca("cluster");
        otherCa = pki.ca("other");
        n1 = pki.server(ca, "n1", 11, "EC");
        n2 = pki.server(ca, "n2", 12, "EC");
        n2Renewed = pki.server(ca, "n2-renewed", 14, "RSA");
        stranger = pki.server(otherCa, "stranger", 13, "EC");
        expired = pki.expired(ca, "expired", 15);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable closeable : toClose.reversed()) closeable.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private ServerTls mutual(TestPki.Pair pair) throws IOException {
        return closing(ServerTls.loadMutual(pair.cert(), pair.key(), ca.cert(), NO_POLL_MS));
    }

    private PeerServer serve(PeerIdentity self) throws IOException {
        return closing(PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), self, PeerCodec.CURRENT, (from, messages) -> {
            synchronized (follower) {
                messagesReceived.addAndGet(messages.size());
                List<ReplicaAck> acks = new ArrayList<>();
                for (ReplicaMessage message : messages) acks.add(follower.receive(message).ack());
                return acks;
            }
        }, serverCounters));
    }

    private PeerClient client(PeerServer server, PeerIdentity self) {
        return closing(new PeerClient("n2", "127.0.0.1:" + server.address().getPort(), self, PeerCodec.CURRENT, clientCounters));
    }

    private static List<ReplicaMessage> helloAndCommit(String key, long version) {
        StateWrite state = new StateWrite(0, key, new StoredState(version, "gluer", false,
                ("{\"v\":" + version + "}").getBytes(StandardCharsets.UTF_8)));
        return List.of(new ReplicaMessage.Hello(0, TERM, ReplicaMessage.Role.REPLICA, 1, -1, -1),
                ProcessingMachine.commit(0, TERM, version, version, List.of(state), List.of(), List.of()));
    }

    /** A context presenting {@code pair} (null: no certificate) and trusting {@code trusted}, built without the node's checks. */
    private static SSLContext presenting(TestPki.Pair pair, Path trusted) throws Exception {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("ca", Pem.certificates(trusted).getFirst());
        TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
        trust.init(anchors);
        KeyManagerFactory keys = null;
        if (pair != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("me", Pem.privateKey(pair.key()), new char[0], Pem.certificates(pair.cert()).toArray(new X509Certificate[0]));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private void awaitServerDropped(String reason, long count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> serverCounters.dropped(reason) >= count);
        assertThat(serverCounters.dropped(reason)).isEqualTo(count);
    }

    @Test
    void twoPeersWithCertificatesOfTheClusterCaReplicate() throws Exception {
        PeerServer server = serve(new PeerIdentity("n2", "c", null, mutual(n2)));
        PeerClient client = client(server, new PeerIdentity("n1", "c", null, mutual(n1)));
        assertThat(client.exchange(helloAndCommit("k", 1), 5000)).extracting(ReplicaAck::status)
                .containsExactly(ReplicaAck.Status.IN_SYNC, ReplicaAck.Status.IN_SYNC);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
        assertThat(serverCounters.droppedByReason().values()).allMatch(count -> count == 0);
        assertThat(clientCounters.droppedByReason().values()).allMatch(count -> count == 0);
    }

    @Test
    void tlsAndTheSecretTogetherReplicate() throws Exception {
        byte[] key = PeerIdentity.keyFrom("the cluster's shared secret".getBytes(StandardCharsets.UTF_8));
        PeerServer server = serve(new PeerIdentity("n2", "c", key, mutual(n2)));
        PeerClient client = client(server, new PeerIdentity("n1", "c", key, mutual(n1)));
        assertThat(client.exchange(helloAndCommit("k", 1), 5000)).hasSize(2);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
        // Without the secret, TLS alone does not get past the handshake's check that both sides authenticate alike.
        PeerClient noSecret = client(server, new PeerIdentity("n1", "c", null, mutual(n1)));
        assertThatThrownBy(() -> noSecret.exchange(helloAndCommit("k", 2), 5000)).isInstanceOf(IOException.class);
        awaitServerDropped(PeerCounters.HANDSHAKE, 1);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
    }

    @Test
    void aPeerWithoutACertificateIsRefusedAndCounted() throws Exception {
        PeerServer server = serve(new PeerIdentity("n2", "c", null, mutual(n2)));
        SSLContext noCertificate = ClientTls.trusting(ca.cert());
        PeerClient client = client(server, new PeerIdentity("n1", "c", null, () -> noCertificate));
        assertThatThrownBy(() -> client.exchange(helloAndCommit("k", 1), 5000)).isInstanceOf(IOException.class);
        awaitServerDropped(PeerCounters.TLS, 1);
        assertThat(messagesReceived.get()).isZero();
        assertThat(store.get(0, "k")).isNull();
    }

    @Test
    void aCertificateOfAnotherCaOrAnExpiredOneIsRefusedEitherWay() throws Exception {
        PeerServer server = serve(new PeerIdentity("n2", "c", null, mutual(n2)));
        // The client trusts the cluster CA, so it would take the server: the server refuses its certificate.
        SSLContext strangerTrustingUs = presenting(stranger, ca.cert());
        PeerClient fromStranger = client(server, new PeerIdentity("n1", "c", null, () -> strangerTrustingUs));
        assertThatThrownBy(() -> fromStranger.exchange(helloAndCommit("k", 1), 5000)).isInstanceOf(IOException.class);
        awaitServerDropped(PeerCounters.TLS, 1);
        SSLContext expiredOfOurs = presenting(expired, ca.cert());
        PeerClient fromExpired = client(server, new PeerIdentity("n1", "c", null, () -> expiredOfOurs));
        assertThatThrownBy(() -> fromExpired.exchange(helloAndCommit("k", 1), 5000)).isInstanceOf(IOException.class);
        awaitServerDropped(PeerCounters.TLS, 2);
        // A client of the cluster that trusts only another CA refuses the server's certificate itself,
        // and counts it (a client refused by the server may learn it only as a closed connection).
        long refusedByClient = clientCounters.dropped(PeerCounters.TLS);
        SSLContext oursTrustingOther = presenting(n1, otherCa.cert());
        PeerClient misconfigured = client(server, new PeerIdentity("n1", "c", null, () -> oursTrustingOther));
        assertThatThrownBy(() -> misconfigured.exchange(helloAndCommit("k", 1), 5000)).isInstanceOf(IOException.class);
        awaitServerDropped(PeerCounters.TLS, 3);
        assertThat(clientCounters.dropped(PeerCounters.TLS)).isEqualTo(refusedByClient + 1);
        assertThat(messagesReceived.get()).isZero();
        // And the server still serves a member.
        PeerClient member = client(server, new PeerIdentity("n1", "c", null, mutual(n1)));
        assertThat(member.exchange(helloAndCommit("k", 1), 5000)).hasSize(2);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
    }

    @Test
    void aNodeRefusesToLoadItsOwnCertificateWhenTheCaDidNotSignItOrItExpired() {
        assertThatThrownBy(() -> ServerTls.loadMutual(stranger.cert(), stranger.key(), ca.cert(), NO_POLL_MS))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("the certificate in " + stranger.cert() + " (CN=stranger) is not accepted by the CA in " + ca.cert());
        assertThatThrownBy(() -> ServerTls.loadMutual(expired.cert(), expired.key(), ca.cert(), NO_POLL_MS))
                .isInstanceOf(IOException.class).hasMessageContaining("(CN=expired) is not accepted by the CA").hasMessageContaining("expired");
        assertThatThrownBy(() -> ServerTls.loadMutual(n1.cert(), n2.key(), ca.cert(), NO_POLL_MS))
                .isInstanceOf(IOException.class).hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void aPlaintextPeerOnTheTlsPortIsRefusedAndATlsPeerOnAPlaintextPortFails() throws Exception {
        PeerServer server = serve(new PeerIdentity("n2", "c", null, mutual(n2)));
        PeerClient plaintext = client(server, new PeerIdentity("n1", "c", null));
        assertThatThrownBy(() -> plaintext.exchange(helloAndCommit("k", 1), 5000)).isInstanceOf(IOException.class);
        awaitServerDropped(PeerCounters.TLS, 1);
        // Bytes that are no TLS at all: refused the same way, nothing taken.
        try (Socket raw = new Socket("127.0.0.1", server.address().getPort())) {
            OutputStream out = raw.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            raw.setSoTimeout(5000);
            assertThat(raw.getInputStream().read()).as("closed without an answer frame").isIn(-1, 0x15);
        } catch (java.net.SocketException reset) {
            // A reset is a refusal too.
        }
        awaitServerDropped(PeerCounters.TLS, 2);
        assertThat(messagesReceived.get()).isZero();

        PeerCounters plainCounters = new PeerCounters();
        try (PeerServer plainServer = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity("n2", "c", null),
                PeerCodec.CURRENT, (from, messages) -> List.of(), plainCounters);
             PeerClient tls = new PeerClient("n2", "127.0.0.1:" + plainServer.address().getPort(),
                     new PeerIdentity("n1", "c", null, mutual(n1)), PeerCodec.CURRENT, clientCounters)) {
            assertThatThrownBy(() -> tls.exchange(helloAndCommit("k", 1), 5000)).isInstanceOf(IOException.class);
            assertThat(clientCounters.dropped(PeerCounters.TLS)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> plainCounters.dropped(PeerCounters.HANDSHAKE) == 1);
        }
    }

    @Test
    void newConnectionsGetAReloadedCertificateAndAnOpenOneKeepsItsOwn() throws Exception {
        Path cert = dir.resolve("live-n2.pem");
        Path key = dir.resolve("live-n2.key");
        Files.copy(n2.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(n2.key(), key, StandardCopyOption.REPLACE_EXISTING);
        ServerTls tls = closing(ServerTls.loadMutual(cert, key, ca.cert(), NO_POLL_MS));
        PeerServer server = serve(new PeerIdentity("n2", "c", null, tls));
        ServerTls mine = mutual(n1);
        SSLSocket before = closing(open(server, mine.get()));
        assertThat(serial(before)).isEqualTo(12);
        // A replication link connected before the renewal, and never idle: it replaces its connection once it is old.
        PeerClient link = client(server, new PeerIdentity("n1", "c", null, mine));
        assertThat(link.exchange(helloAndCommit("k", 1), 5000)).hasSize(2);

        // The key first, then the certificate, as a renewal script would: the half-done pair is refused, the old one stays.
        Files.copy(n2Renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        tls.checkOnce();
        assertThat(tls.reloadFailures()).isEqualTo(1);
        assertThat(serial(closing(open(server, mine.get())))).isEqualTo(12);
        Files.copy(n2Renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        tls.checkOnce();
        assertThat(tls.reloads()).isEqualTo(1);
        assertThat(serial(closing(open(server, mine.get())))).as("a new connection").isEqualTo(14);

        // The connection opened before the reload still carries replication, with its old certificate.
        PeerChannel channel = new PeerChannel(before, false, clientCounters);
        PeerHandshake.asClient(channel, new PeerIdentity("n1", "c", null), PeerCodec.CURRENT.version(), "n2");
        channel.writeFrame(PeerCodec.CURRENT.encodeBatch(helloAndCommit("k", 1)));
        assertThat(PeerCodec.CURRENT.decodeAnswers(channel.readFrame(1 << 20, 5000, 5000)).acks()).hasSize(2);
        assertThat(store.get(0, "k").version()).isEqualTo(1);
        assertThat(serial(before)).isEqualTo(12);
        // And a peer client (a replication link) connects with the new one.
        int before2 = messagesReceived.get();
        PeerClient client = client(server, new PeerIdentity("n1", "c", null, mine));
        assertThat(client.exchange(helloAndCommit("k", 2), 5000)).hasSize(2);
        assertThat(messagesReceived.get()).isEqualTo(before2 + 2);

        // The link's connection is young: reused (one frame: the batch). Once past its age: a new one (the handshake, then the batch).
        long frames = serverCounters.framesReceived();
        assertThat(link.exchange(helloAndCommit("k", 2), 5000)).hasSize(2);
        assertThat(serverCounters.framesReceived()).isEqualTo(frames + 1);
        link.tlsAgeMaxMs(0);
        assertThat(link.exchange(helloAndCommit("k", 2), 5000)).hasSize(2);
        assertThat(serverCounters.framesReceived()).isEqualTo(frames + 3);

        // Pipelined (a replication link): two frames out before either answer is read, on the
        // young connection; once past its age the pipeline says it is due to be replaced.
        link.tlsAgeMaxMs(PeerClient.TLS_AGE_MAX_MS);
        PeerClient.Pipeline pipe = link.pipeline();
        PeerClient.Frame frame = link.frames(helloAndCommit("k", 3)).get(0);
        pipe.write(frame);
        pipe.write(frame);
        assertThat(pipe.answers(2, 5000)).hasSize(2);
        assertThat(pipe.answers(2, 5000)).hasSize(2);
        assertThat(serverCounters.framesReceived()).isEqualTo(frames + 5);
        assertThat(pipe.stale()).isFalse();
        link.tlsAgeMaxMs(0);
        assertThat(pipe.stale()).isTrue();
    }

    private static SSLSocket open(PeerServer server, SSLContext context) throws IOException {
        Socket plain = new Socket("127.0.0.1", server.address().getPort());
        return PeerTls.connect(plain, context, "127.0.0.1", server.address().getPort(), 5000);
    }

    private static long serial(SSLSocket socket) throws IOException {
        BigInteger serial = ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        return serial.longValueExact();
    }
}
