package io.ringwork.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.runtime.http.ApiError;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import io.ringwork.runtime.peer.PeerServer;
import io.ringwork.runtime.peer.ReadRelay;
import io.ringwork.runtime.peer.RelayedMessage;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The asking side of messaging against real peer servers on 127.0.0.1 whose subscribers are
 * scripted: an anycast tries the least loaded member first and falls over to the next when that
 * one's subscriber is gone; a member that cannot be reached is skipped; a publish counts what each
 * member delivered and names the one it could not reach; none to take it is a definite 404.
 */
class MessagingRelayTest {
    private static final PeerIdentity SELF = new PeerIdentity("n1", "c", null);
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final Map<String, String> peers = new LinkedHashMap<>();
    private final List<String> deliveries = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    /** A member {@code id} whose topic load is {@code load} and which answers deliveries with {@code answer}. */
    private void member(String id, RelayedMessage.Load load, Function<RelayedMessage.Delivery, RelayedMessage.Answer> answer) throws Exception {
        PeerServer server = PeerServer.bind(new InetSocketAddress("127.0.0.1", 0), new PeerIdentity(id, "c", null), PeerCodec.CURRENT,
                new PeerServer.Receiver() {
                    @Override
                    public List<io.ringwork.core.cluster.ReplicaAck> receive(String from, List<io.ringwork.core.cluster.ReplicaMessage> m) {
                        throw new AssertionError("no replication here");
                    }

                    @Override
                    public RelayedMessage.Answer deliver(String from, RelayedMessage.Delivery delivery) {
                        deliveries.add(id + " " + delivery.mode() + " from " + from);
                        return answer.apply(delivery);
                    }

                    @Override
                    public RelayedMessage.Load load(String from, RelayedMessage.LoadQuery query) {
                        return load;
                    }
                }, new PeerCounters());
        closing.add(server);
        peers.put(id, "127.0.0.1:" + server.address().getPort());
    }

    /** A member that gossips a peer address nobody listens on (it died). */
    private void deadMember(String id) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        peers.put(id, "127.0.0.1:" + port);
    }

    private Messaging messaging() {
        ReadRelay relay = new ReadRelay(SELF, PeerCodec.CURRENT, new PeerCounters(), 64 << 10);
        closing.add(relay);
        Messaging messaging = new Messaging("n1", 4, new Messaging.Cluster() {
            @Override
            public OwnershipPlan plan() {
                return null;
            }

            @Override
            public boolean runs(int partition) {
                return true;
            }

            @Override
            public Map<String, String> peers() {
                return peers;
            }
        }, relay, new LocalSubscribers("n1", 8, 8));
        closing.add(messaging);
        return messaging;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anAnycastTriesTheLeastLoadedFirstAndFallsOverWhenItsSubscriberIsGone() throws Exception {
        // n2 looks least loaded, but its subscriber left between the question and the delivery.
        member("n2", new RelayedMessage.Load(1, 0, 0), d -> RelayedMessage.Answer.unavailable("n2 has no subscriber that took it"));
        member("n3", new RelayedMessage.Load(2, 4, 10), d -> RelayedMessage.Answer.delivered(1, "n3/7"));
        member("n5", RelayedMessage.Load.NONE, d -> RelayedMessage.Answer.delivered(1, "n5/1"));
        deadMember("n4");
        Messaging.Anycast anycast = messaging().anycast("jobs", json("{\"job\":1}"));
        assertThat(anycast.node()).isEqualTo("n3");
        assertThat(anycast.subscriber()).isEqualTo("n3/7");
        assertThat(anycast.attempts()).isEqualTo(2);
        // n5 has no subscriber, so it is never handed the message; the dead n4 is skipped.
        assertThat(deliveries).containsExactly("n2 ANYCAST from n1", "n3 ANYCAST from n1");
    }

    @Test
    void aLocalSubscriberLessLoadedThanEveryMemberTakesItHere() throws Exception {
        member("n2", new RelayedMessage.Load(1, 3, 0), d -> RelayedMessage.Answer.delivered(1, "n2/1"));
        Messaging messaging = messaging();
        Subscriber here = messaging.local().subscribe("jobs");
        Messaging.Anycast anycast = messaging.anycast("jobs", json("1"));
        assertThat(anycast.node()).isEqualTo("n1");
        assertThat(anycast.subscriber()).isEqualTo(here.id());
        assertThat(deliveries).isEmpty();
    }

    @Test
    void noSubscriberAnywhereIsADefinite404AndEveryOneFailingA503() throws Exception {
        member("n2", RelayedMessage.Load.NONE, d -> RelayedMessage.Answer.delivered(1, "x"));
        Messaging messaging = messaging();
        assertThatThrownBy(() -> messaging.anycast("jobs", json("1"))).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.code()).isEqualTo("no_subscriber");
            assertThat(e.definite()).isTrue();
        });
        peers.clear();
        member("n3", new RelayedMessage.Load(1, 0, 0), d -> RelayedMessage.Answer.unavailable("gone"));
        assertThatThrownBy(() -> messaging.anycast("jobs", json("1"))).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.code()).isEqualTo("undelivered");
            assertThat(e.definite()).as("the member answered: it did not take it").isTrue();
        });
        assertThat(messaging.undeliveredCount()).isEqualTo(2);
    }

    @Test
    void aPublishCountsEachMembersSubscribersAndNamesTheOneItCouldNotReach() throws Exception {
        member("n2", RelayedMessage.Load.NONE, d -> RelayedMessage.Answer.delivered(2, ""));
        member("n3", RelayedMessage.Load.NONE, d -> RelayedMessage.Answer.delivered(0, ""));
        deadMember("n4");
        Messaging messaging = messaging();
        messaging.local().subscribe("news");
        Messaging.Published published = messaging.publish("news", json("{}"));
        assertThat(published.delivered()).isEqualTo(3);
        assertThat(published.nodes()).containsExactly(Map.entry("n1", 1), Map.entry("n2", 2), Map.entry("n3", 0));
        assertThat(published.unreached()).containsOnlyKeys("n4");
    }
}
