package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.PartitionLeader.Effects;
import io.ringwork.core.cluster.PartitionLeader.Outbound;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replication is generic over its state machine: {@link CounterMachine}, which shares nothing with
 * the engine, is replicated by the same {@link PartitionLeader} and {@link PartitionFollower} code:
 * commits made durable by a quorum, a member that joins late caught up by snapshot, and a replica
 * whose counter rotted found by the digest and repaired.
 */
class ReplicatedCounterTest {
    private final Map<String, CounterMachine> machines = new HashMap<>();
    private final Map<String, PartitionFollower> followers = new HashMap<>();
    private final ArrayDeque<Outbound> wire = new ArrayDeque<>();
    private final List<Long> durable = new ArrayList<>();
    private PartitionLeader leader;
    private long offset;

    private void members(String... nodes) {
        for (String node : nodes) {
            machines.put(node, new CounterMachine(0));
            followers.put(node, new PartitionFollower(machines.get(node)));
        }
    }

    private void add(String name, long delta) {
        long at = offset++;
        queue(leader.committed(at, machines.get("a").add(name, delta, at), () -> durable.add(at)));
    }

    private void queue(Effects effects) {
        wire.addAll(effects.messages());
        effects.durable().forEach(Runnable::run);
    }

    private void deliver() {
        while (!wire.isEmpty()) {
            Outbound out = wire.poll();
            queue(leader.onAck(out.to(), followers.get(out.to()).receive(out.message()).ack()));
            if (wire.isEmpty()) queue(leader.tick(0, to -> true, 100));
        }
    }

    /** a leads, b and c replicate: three voting slots, a quorum of two. */
    private void ledByA(String... replicas) {
        members("a", "b", "c", "d");
        followers.get("a").lead(new Term(1, "a"));
        leader = new PartitionLeader(new Term(1, "a"), "a", machines.get("a"), 2, 0);
        queue(leader.members(List.of(replicas), List.of(), replicas.length, m -> true));
        deliver();
    }

    @Test
    void countersAreReplicatedByCommitsThatAQuorumMakesDurable() {
        ledByA("a", "b", "c");
        assertThat(leader.inSync()).containsExactlyInAnyOrder("b", "c");
        add("x", 5);
        add("y", 1);
        // Sent, not yet answered: nothing is durable, nothing applied on the replicas yet.
        assertThat(durable).isEmpty();
        assertThat(wire).extracting(o -> o.message().getClass().getSimpleName()).containsOnly("Commit");
        assertThat(((ReplicaMessage.Commit) wire.peek().message()).body()).isInstanceOf(CounterMachine.Sets.class);
        deliver();
        add("x", -2);
        deliver();
        assertThat(durable).containsExactly(0L, 1L, 2L);
        for (String replica : List.of("b", "c")) {
            assertThat(machines.get(replica).value("x")).as(replica).isEqualTo(3);
            assertThat(machines.get(replica).value("y")).as(replica).isEqualTo(1);
            assertThat(machines.get(replica).checkpoint()).as(replica).isEqualTo(2);
            assertThat(machines.get(replica).term()).as("the promise, in the machine").isEqualTo(new io.ringwork.core.store.StoredTerm(1, "a"));
        }
    }

    @Test
    void aMemberThatJoinsLateCatchesUpBySnapshotPages() {
        ledByA("a", "b", "c");
        for (int i = 0; i < 7; i++) add("n" + i, i + 1);
        deliver();
        // d joins the list: its Hello requires what a holds, d holds nothing and replays no log,
        // so it asks for a snapshot; pages of two counters follow, then the end.
        queue(leader.members(List.of("a", "b", "d"), List.of(), 3, m -> !m.equals("d")));
        deliver();
        assertThat(leader.snapshotsStarted()).isEqualTo(1);
        assertThat(followers.get("d").inSync()).isTrue();
        assertThat(machines.get("d").counters).isEqualTo(machines.get("a").counters);
        assertThat(machines.get("d").checkpoint()).isEqualTo(6);
        add("n0", 10);
        deliver();
        assertThat(machines.get("d").value("n0")).isEqualTo(11);
        assertThat(leader.inSync()).contains("d");
    }

    @Test
    void aCounterThatRottedIsFoundByTheDigestAndRepaired() {
        ledByA("a", "b", "c");
        add("x", 5);
        add("y", 2);
        deliver();
        assertThat(leader.digestDue(0)).as("in-sync replicas, nothing pending, no digest yet").isTrue();
        queue(leader.digest(0, 1000));
        assertThat(leader.digestDue(999)).as("sent at 0, every 1000 ms").isFalse();
        assertThat(leader.digestDue(1000)).isTrue();
        deliver();
        assertThat(followers.get("b").repairs()).as("equal: nothing to repair").isZero();
        // b's x rots at the same version: versions alone cannot see it.
        machines.get("b").counters.put("x", new CounterMachine.Counter(0, 99));
        assertThat(machines.get("b").digest()).isNotEqualTo(machines.get("a").digest());
        queue(leader.digest(1000, 1000));
        deliver();
        assertThat(followers.get("b").repairs()).isEqualTo(1);
        assertThat(followers.get("c").repairs()).isZero();
        assertThat(machines.get("b").value("x")).isEqualTo(5);
        assertThat(machines.get("b").digest()).isEqualTo(machines.get("a").digest());
        assertThat(followers.get("b").inSync()).isTrue();
    }
}
