package io.ringwork.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.health.HealthResult.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class HealthGossipTest {
    private static HealthResult result(Status status, long wallMs, String checker, String error) {
        return new HealthResult(status, wallMs, 5, error, new HealthResult.Stamp(1, new HybridClock.Time(wallMs, 0), checker),
                1_000, new TreeMap<>(Map.of("dc", "a")));
    }

    @Test
    void theCodecRoundTripsAndStopsAtTheBudgetAndAtGarbage() {
        HealthCodec.Writer writer = new HealthCodec.Writer(300);
        assertThat(writer.add("t1", result(Status.HEALTHY, 10, "n1", ""))).isTrue();
        assertThat(writer.add("t2", result(Status.UNHEALTHY, 11, "n2", "x".repeat(150)))).isTrue();
        assertThat(writer.add("t3", result(Status.UNHEALTHY, 11, "n2", "x".repeat(150)))).isFalse();
        byte[] bytes = writer.toByteArray();
        assertThat(bytes.length).isLessThanOrEqualTo(300);
        HealthCodec.Decoded decoded = HealthCodec.decode(bytes);
        assertThat(decoded.malformed()).isFalse();
        assertThat(decoded.results()).containsOnlyKeys("t1", "t2");
        assertThat(decoded.results().get("t1")).isEqualTo(result(Status.HEALTHY, 10, "n1", ""));
        HealthResult flapping = new HealthResult(Status.UNHEALTHY, 1, 2, "e", new HealthResult.Stamp(3, new HybridClock.Time(4, 5), "n9"),
                1_000, null, true);
        HealthCodec.Writer one = new HealthCodec.Writer(500);
        one.add("f", flapping);
        assertThat(HealthCodec.decode(one.toByteArray()).results().get("f")).isEqualTo(flapping);
        HealthCodec.Decoded cut = HealthCodec.decode(java.util.Arrays.copyOf(bytes, bytes.length - 3));
        assertThat(cut.malformed()).isTrue();
        assertThat(cut.results()).containsOnlyKeys("t1");
        assertThat(HealthCodec.decode(new byte[]{9, 1, 2}).results()).isEmpty();
    }

    @Test
    void broadcastsAreSentALimitedNumberOfTimesAndPagesCoverTheWholeMap() {
        List<String> changes = new ArrayList<>();
        long[] now = {1_000};
        HealthGossip a = new HealthGossip(() -> now[0], () -> 2, (t, before, after) -> changes.add(t));
        HealthGossip b = new HealthGossip(() -> now[0], () -> 2, (t, before, after) -> { });
        for (int i = 0; i < 50; i++) a.local("t" + i, result(Status.HEALTHY, 100 + i, "a", ""));
        assertThat(changes).hasSize(50);
        int packets = 0;
        while (a.hasBroadcasts()) {
            byte[] payload = a.broadcast(1_000);
            assertThat(payload.length).isLessThanOrEqualTo(1_000);
            b.notifyMsg(payload);
            packets++;
        }
        assertThat(packets).as("every result twice, several to a packet").isBetween(4, 50);
        assertThat(b.map().view()).isEqualTo(a.map().view());
        assertThat(b.queued()).as("what changed b's map is gossiped on").isEqualTo(50);

        // A third node that heard nothing is repaired by push-pull pages alone.
        HealthGossip c = new HealthGossip(() -> now[0], () -> 2, (t, before, after) -> { });
        a.quiet("t7", result(Status.UNHEALTHY, 500, "a", "refused"));
        for (int i = 0; i < 20 && !c.map().view().equals(a.map().view()); i++) c.mergeRemoteState(a.localState(700));
        assertThat(c.map().view()).isEqualTo(a.map().view());
        assertThat(c.queued()).as("repairs are not re-broadcast").isZero();
    }

    @Test
    void aChangeOfStatusGoesAheadOfABacklogAndIsPassedOnAheadByItsHearers() {
        long[] now = {1_000};
        HealthGossip a = new HealthGossip(() -> now[0], () -> 3, (t, before, after) -> { });
        HealthGossip b = new HealthGossip(() -> now[0], () -> 3, (t, before, after) -> { });
        a.local("down", result(Status.HEALTHY, 100, "a", ""));
        b.notifyMsg(a.broadcast(1_000)); // b knows "down" healthy
        for (int i = 0; i < 1_000; i++) a.local("q" + i, result(Status.HEALTHY, 200, "a", "")); // a takeover's backlog
        a.urgent("down", result(Status.UNHEALTHY, 300, "a", "refused"));

        // Each of the next 3 packets (the retransmit limit) carries it first, then it leaves the urgent queue.
        for (int packet = 1; packet <= 3; packet++) {
            assertThat(HealthCodec.decode(a.broadcast(400)).results()).as("packet %d", packet).containsKey("down");
        }
        assertThat(HealthCodec.decode(a.broadcast(400)).results()).doesNotContainKey("down");

        // b, with a backlog of its own, hears the change of a target it knew: it passes it on ahead of the backlog.
        for (int i = 0; i < 1_000; i++) b.local("r" + i, result(Status.HEALTHY, 200, "b", ""));
        b.notifyMsg(encode("down", a));
        assertThat(b.map().get("down").status()).isEqualTo(Status.UNHEALTHY);
        assertThat(HealthCodec.decode(b.broadcast(400)).results()).containsKey("down");
        // A target b had never heard of is ordinary news: it waits behind the backlog.
        b.notifyMsg(encode("q5", a));
        assertThat(HealthCodec.decode(b.broadcast(400)).results()).doesNotContainKey("q5");
    }

    private static byte[] encode(String target, HealthGossip from) {
        HealthCodec.Writer writer = new HealthCodec.Writer(400);
        writer.add(target, from.map().get(target));
        return writer.toByteArray();
    }
}
