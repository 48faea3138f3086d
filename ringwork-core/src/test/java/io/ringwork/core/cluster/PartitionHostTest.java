package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.WriteSet;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The host alone, with its ports played by the test: what it starts and stops, and when a leave
 * may go. The simulator drives the same class through faults; these pin single decisions.
 */
class PartitionHostTest {
    private static final int PARTITIONS = 2;

    /** The node around the host, recorded. */
    private static final class FakePorts implements PartitionHost.Ports {
        PartitionHost.View view = new PartitionHost.View(List.of(), 1);
        final List<Integer> started = new ArrayList<>();
        final List<Integer> stopRequests = new ArrayList<>();
        final List<MemberView> published = new ArrayList<>();
        boolean departed;

        @Override
        public PartitionHost.View view() {
            return view;
        }

        @Override
        public boolean send(String to, ReplicaMessage message) {
            return true;
        }

        @Override
        public boolean hasRoom(String to) {
            return true;
        }

        @Override
        public void startPartition(int partition) {
            started.add(partition);
        }

        @Override
        public void stopPartition(int partition, boolean awaitDurable) {
            stopRequests.add(partition);
        }

        @Override
        public boolean idle(int partition) {
            return false;
        }

        @Override
        public List<io.ringwork.core.record.Record> readLog(PartitionFollower.LogRead read) {
            return List.of();
        }

        @Override
        public void publish(MemberView self) {
            published.add(self);
        }

        @Override
        public void departed() {
            departed = true;
        }
    }

    private final MemoryStateStore store = new MemoryStateStore();
    private final FakePorts ports = new FakePorts();

    private PartitionHost host(boolean expectPeers) {
        return new PartitionHost("n1", 1, PARTITIONS, 1, store, HostConfig.DEFAULTS, expectPeers,
                p -> new PartitionFollower(ProcessingMachine.of(p, store)), p -> ProcessingMachine.of(p, store), ports,
                new PartitionHost.Events() {});
    }

    private static BitSet all() {
        BitSet bits = new BitSet();
        bits.set(0, PARTITIONS);
        return bits;
    }

    @Test
    void aNodeAloneStartsEveryPartitionAndSaysSo() {
        PartitionHost host = host(false);
        host.tick(0);
        assertThat(ports.started).containsExactly(0, 1);
        assertThat(ports.published).last().satisfies(view -> assertThat(view.owned()).isEqualTo(all()));
    }

    @Test
    void aNodeGivenSeedsRunsNothingAloneUntilItsJoinWaitIsOver() {
        PartitionHost host = host(true);
        host.tick(0);
        host.tick(HostConfig.DEFAULTS.joinWaitMs() - 1);
        assertThat(ports.started).isEmpty();
        // Reconciled at the next round after the wait.
        host.tick(HostConfig.DEFAULTS.joinWaitMs() + HostConfig.DEFAULTS.reconcileMs());
        assertThat(ports.started).containsExactly(0, 1);
    }

    /**
     * The health checker's takeover window reads when the plan named each owner and when this node
     * said it was ready, not when its own scheduler noticed: both are stamped with the tick's time.
     */
    @Test
    void thePlansOwnerChangesAndThisNodesReadinessAreStampedWithTheirTicksTime() {
        PartitionHost host = host(false);
        assertThat(host.ownerNamedMs(0)).isEqualTo(Long.MIN_VALUE);
        assertThat(host.readyPublishedMs(0)).isEqualTo(Long.MIN_VALUE);
        host.tick(5);
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(host.ownerNamedMs(p)).isEqualTo(5);
            assertThat(host.readyPublishedMs(p)).as("it runs it, so it is ready").isEqualTo(5);
        }
        host.tick(5 + HostConfig.DEFAULTS.reconcileMs());
        assertThat(host.ownerNamedMs(0)).as("the same owner: the old stamp").isEqualTo(5);
        // A member ready for every partition joins: the ring gives it some, each stamped when this node's plan moved it.
        ports.view = new PartitionHost.View(List.of(new MemberView("n2", 1, all(), all())), 2);
        long joinedMs = 5 + 3 * HostConfig.DEFAULTS.reconcileMs();
        host.tick(joinedMs);
        int moved = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            boolean toN2 = "n2".equals(host.plan().owner(p));
            if (toN2) moved++;
            assertThat(host.ownerNamedMs(p)).isEqualTo(toN2 ? joinedMs : 5);
            assertThat(host.readyPublishedMs(p)).as("still ready (it runs it until the handoff)").isEqualTo(5);
        }
        assertThat(moved).as("the ring gives the newcomer a partition").isPositive();
    }

    /**
     * Simulator seed 7: a leaving node took the new owner's gossip (stale: it still showed an
     * older run of the partition, which that member had since dropped) for a handoff and went,
     * with the only copy. It now goes only once a member that runs the partition says, itself, that
     * it holds what this node holds.
     */
    @Test
    void aLeaveWaitsForTheOwnersOwnWordNotItsGossip() {
        PartitionHost host = host(false);
        host.tick(0);
        WriteSet set = new WriteSet();
        set.putCheckpoint(0, 5);
        store.write(set);
        // n2 joins; its gossip (stale) says it runs and holds both partitions.
        ports.view = new PartitionHost.View(List.of(new MemberView("n2", 1, all(), all(), false)), 1);
        host.viewChanged();
        host.tick(100);
        host.leave(200);
        assertThat(ports.stopRequests).containsExactly(0, 1);
        host.stopped(0, 5, 210);
        host.stopped(1, -1, 210);
        assertThat(host.runs(0)).isFalse();
        for (long t = 300; t < 1_000; t += 20) host.tick(t);
        assertThat(ports.departed).as("gone on gossip alone").isFalse();

        List<FeedRelay.Request> fetches = host.relayTick(1_000);
        assertThat(fetches).extracting(FeedRelay.Request::to).contains("n2");
        host.onFeedPage("n2", new FeedRelay.Page(0, true, List.of(), 0, 4, 4, 0, true), 1_010);
        host.tick(1_020);
        assertThat(ports.departed).as("gone though the owner holds only up to 4 of 5").isFalse();

        // Seed 394: a member that holds the partition but does not run it may drop it on this
        // node's own word; its claim does not let this node go.
        host.relayTick(1_200);
        host.onFeedPage("n2", new FeedRelay.Page(0, true, List.of(), 0, 5, 5, 0, false), 1_210);
        host.tick(1_220);
        assertThat(ports.departed).as("gone on the word of a member that does not run it").isFalse();

        host.relayTick(1_400);
        host.onFeedPage("n2", new FeedRelay.Page(0, true, List.of(), 0, 5, 5, 0, true), 1_410);
        host.tick(1_420);
        assertThat(ports.departed).isTrue();
    }

    @Test
    void aLeaveWithNobodyElseCountingGoesOnceItsPartitionsStopped() {
        PartitionHost host = host(false);
        host.tick(0);
        ports.view = new PartitionHost.View(List.of(), 0);
        host.leave(10);
        host.tick(20);
        assertThat(ports.departed).as("gone before its partitions stopped").isFalse();
        host.stopped(0, -1, 30);
        host.stopped(1, -1, 30);
        host.tick(40);
        assertThat(ports.departed).isTrue();
        assertThat(ports.published).last().satisfies(view -> {
            assertThat(view.leaving()).isTrue();
            assertThat(view.ready().isEmpty()).isTrue();
        });
    }

    @Test
    void metadataRoundTripsThroughItsGossipedForm() {
        BitSet ready = new BitSet();
        ready.set(3);
        ready.set(70);
        BitSet owned = new BitSet();
        owned.set(70);
        MemberView view = new MemberView("n1", 4, ready, owned, true);
        Map<String, String> metadata = view.toMetadata(Map.of(MemberView.WEIGHT, "4", "http", "127.0.0.1:1"));
        assertThat(MemberView.fromMetadata("n1", metadata)).isEqualTo(view);
        assertThat(metadata).containsEntry("http", "127.0.0.1:1");
        MemberView damaged = MemberView.fromMetadata("n2", Map.of(MemberView.READY, "zz", MemberView.WEIGHT, "x"));
        assertThat(damaged.ready().isEmpty()).isTrue();
        assertThat(damaged.weight()).isEqualTo(1);
    }
}
