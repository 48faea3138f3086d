package io.ringwork.runtime.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The load gate against scripted gauges and gossip: each limit refuses, names a less loaded member, and lets go again. */
class LoadGateTest {
    int heap = 10;
    long queued = 0;
    final Map<String, Map<String, String>> members = new LinkedHashMap<>();
    final List<Integer> published = new ArrayList<>();

    LoadGate gate(LoadLimits limits) {
        return new LoadGate(limits, new LoadGate.Gauges() {
            @Override
            public int heapPercent() {
                return heap;
            }

            @Override
            public long queuedMessages() {
                return queued;
            }
        }, new LoadGate.Peers() {
            @Override
            public Map<String, Map<String, String>> members() {
                return members;
            }

            @Override
            public void publish(int level) {
                published.add(level);
            }
        });
    }

    @Test
    void inFlightWorkPastTheLimitIsRefusedUntilASlotIsGivenBack() {
        LoadGate gate = gate(new LoadLimits(2, 90, 100));
        assertThat(gate.admit()).isNull();
        assertThat(gate.admit()).isNull();
        LoadGate.Refusal refusal = gate.admit();
        assertThat(refusal).isNotNull();
        assertThat(refusal.limit()).isEqualTo("inflight");
        assertThat(refusal.detail()).contains("max-inflight-requests");
        assertThat(refusal.tryNode()).isNull();
        assertThat(gate.inFlight()).isEqualTo(2);
        gate.done();
        assertThat(gate.admit()).isNull();
        assertThat(gate.refusals("inflight")).isEqualTo(1);
        // A subscription holds no slot: only the heap and the queues refuse it.
        assertThat(gate.check()).isNull();
    }

    @Test
    void aStrainedHeapOrFullQueuesRefuseWorkAndSubscriptionsAndNameTheLeastLoadedMember() {
        members.put("n2", Map.of("http", "127.0.0.1:8082", "load", "40"));
        members.put("n3", Map.of("http", "127.0.0.1:8083", "load", "10"));
        members.put("n4", Map.of("http", "127.0.0.1:8084", "load", "not a number"));
        members.put("n5", Map.of("load", "0")); // no API address: cannot be suggested
        LoadGate gate = gate(new LoadLimits(100, 80, 1000));
        heap = 85;
        gate.sample(0);
        LoadGate.Refusal refusal = gate.admit();
        assertThat(refusal.limit()).isEqualTo("heap");
        assertThat(refusal.tryNode()).isEqualTo("n3");
        assertThat(refusal.tryHttp()).isEqualTo("127.0.0.1:8083");
        assertThat(gate.check().limit()).isEqualTo("heap");
        assertThat(gate.inFlight()).isZero();
        heap = 10;
        queued = 1000;
        gate.sample(10);
        assertThat(gate.admit().limit()).isEqualTo("queued");
        queued = 999;
        gate.sample(20);
        assertThat(gate.admit()).isNull();
        assertThat(gate.refusals("heap")).isEqualTo(2);
        assertThat(gate.refusals("queued")).isEqualTo(1);
        // Every member as loaded as this one: nobody is suggested.
        members.clear();
        members.put("n2", Map.of("http", "127.0.0.1:8082", "load", "100"));
        heap = 95;
        gate.sample(30);
        assertThat(gate.admit().tryNode()).isNull();
    }

    @Test
    void theLevelIsTheHighestRatioInTensAndIsGossipedWhenItChangesAtMostOncePerSecond() {
        LoadGate gate = gate(new LoadLimits(10, 80, 1000));
        heap = 0;
        gate.sample(0);
        heap = 40; // 50 % of its limit
        gate.sample(100);
        assertThat(gate.level()).isEqualTo(50);
        assertThat(published).containsExactly(0); // changed, but within the second after the last
        gate.sample(1_000);
        assertThat(published).containsExactly(0, 50);
        queued = 990; // 99 % of its limit, rounded down to 90
        gate.sample(2_000);
        gate.sample(3_000);
        assertThat(gate.level()).isEqualTo(90);
        assertThat(published).containsExactly(0, 50, 90);
    }
}
