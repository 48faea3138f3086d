package io.ringwork.runtime.membership;

import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberState;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.transport.Address;
import io.ringwork.runtime.transport.FaultInjectingTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three services in one JVM on loopback, fast profile. */
class MembershipServiceTest {
    private static final MembershipConfig CONFIG = MembershipConfig.fast("svc-test");
    private static final byte[] SECRET = "a-shared-secret-of-32-bytes-long".getBytes();
    private final List<MembershipService> services = new ArrayList<>();

    @AfterEach
    void closeAll() {
        services.forEach(MembershipService::close);
    }

    private MembershipService start(String id, List<Address> seeds) throws Exception {
        MembershipService service = MembershipService.bind(
                new MembershipService.Settings(id, CONFIG, seeds, Map.of("role", "test"), SECRET), "127.0.0.1", 0);
        services.add(service.start());
        return service;
    }

    private static MemberState stateOf(MembershipService observer, String id) {
        return observer.members().stream().filter(m -> m.id().equals(id)).map(Member::state).findFirst().orElse(null);
    }

    @Test
    void threeNodesConvergeAndACutNodeIsDeclaredDeadThenRecovers() throws Exception {
        MembershipService a = start("a", List.of());
        MembershipService b = start("b", List.of(a.localAddress()));
        MembershipService c = start("c", List.of(a.localAddress()));

        await().atMost(Duration.ofSeconds(10)).until(() -> services.stream().allMatch(s -> s.members().size() == 3
                && s.members().stream().allMatch(m -> m.state() == MemberState.ALIVE)));
        assertThat(a.members()).extracting(Member::id).containsExactly("a", "b", "c");
        assertThat(a.members().get(1).metadata()).containsEntry("role", "test");
        assertThat(a.members().get(1).address()).isEqualTo(b.localAddress());

        // Cut c off both ways on both peers' hooks: they must declare it dead.
        for (MembershipService peer : List.of(a, b)) peer.faults().drop(c.localAddress(), FaultInjectingTransport.Direction.BOTH);
        await().atMost(Duration.ofSeconds(15)).until(() -> stateOf(a, "c") == MemberState.DEAD && stateOf(b, "c") == MemberState.DEAD);
        assertThat(a.metrics().protocol().suspicions()).isPositive();
        assertThat(a.metrics().packetsDropped().get("FAULT_INJECTED")).isPositive();

        // Heal: c refutes with a higher incarnation and everyone agrees again.
        for (MembershipService peer : List.of(a, b)) peer.faults().clearAll();
        await().atMost(Duration.ofSeconds(20)).until(() -> stateOf(a, "c") == MemberState.ALIVE && stateOf(b, "c") == MemberState.ALIVE);
        assertThat(c.metrics().protocol().refutations()).isPositive();
        assertThat(a.metrics().protocol().acksReceived()).isPositive();
        assertThat(a.metrics().gossipBytesSent()).isPositive();
        assertThat(services).allSatisfy(s -> assertThat(s.failure()).isNull());
    }

    @Test
    void packetsFromStrangersAreDroppedAndCountedWithoutHarm() throws Exception {
        MembershipService a = start("a", List.of());
        MembershipService b = start("b", List.of(a.localAddress()));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.members().size() == 2);
        MembershipService stranger = MembershipService.bind(new MembershipService.Settings("x",
                MembershipConfig.fast("other-cluster"), List.of(a.localAddress()), Map.of(), SECRET), "127.0.0.1", 0);
        services.add(stranger.start());
        MembershipService forger = MembershipService.bind(new MembershipService.Settings("y",
                CONFIG, List.of(a.localAddress()), Map.of(), "wrong-secret-of-32-bytes-long!!!".getBytes()), "127.0.0.1", 0);
        services.add(forger.start());
        try (DatagramSocket socket = new DatagramSocket()) {
            byte[] garbage = "definitely not a packet".getBytes();
            socket.send(new DatagramPacket(garbage, garbage.length, InetAddress.getByName("127.0.0.1"), a.localAddress().port()));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> a.metrics().packetsDropped().get("WRONG_CLUSTER") > 0
                && a.metrics().packetsDropped().get("BAD_AUTH") > 0 && a.metrics().packetsDropped().get("MALFORMED") > 0);
        assertThat(a.members()).extracting(Member::id).containsExactly("a", "b");
        assertThat(a.failure()).isNull();
    }

    @Test
    void gracefulLeaveIsSeenAsLeft() throws Exception {
        MembershipService a = start("a", List.of());
        MembershipService b = start("b", List.of(a.localAddress()));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.members().size() == 2 && b.members().size() == 2);

        b.leave(Duration.ofMillis(300));

        await().atMost(Duration.ofSeconds(5)).until(() -> stateOf(a, "b") == MemberState.LEFT);
    }
}
