package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.ReplicaAck.Status;
import io.ringwork.core.cluster.ReplicaMessage.Hello;
import io.ringwork.core.cluster.ReplicaMessage.Role;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredTerm;
import org.junit.jupiter.api.Test;

/**
 * Finding 11: a member's highest term seen per partition is kept in its store, written before it
 * acts under the term, and a follower made on that store after a restart (the same store, a new
 * follower: everything in memory is gone) starts from it.
 */
class DurableTermTest {
    private final MemoryStateStore store = new MemoryStateStore();

    private static Hello hello(Term term) {
        return new Hello(0, term, Role.REPLICA, 0, -1, -1);
    }

    @Test
    void aFollowerWritesATermItAdoptsBeforeItAnswers() {
        PartitionFollower follower = new PartitionFollower(ProcessingMachine.of(0, store));
        ReplicaAck ack = follower.receive(hello(new Term(3, "n2"))).ack();
        assertThat(ack.status()).isEqualTo(Status.IN_SYNC);
        assertThat(store.term(0)).isEqualTo(new StoredTerm(3, "n2"));
    }

    @Test
    void aRestartedFollowerRefusesATermBelowTheStoredOne() {
        new PartitionFollower(ProcessingMachine.of(0, store)).receive(hello(new Term(3, "n2")));

        PartitionFollower restarted = new PartitionFollower(ProcessingMachine.of(0, store));
        assertThat(restarted.term()).isEqualTo(new Term(3, "n2"));
        assertThat(restarted.receive(hello(new Term(2, "n9"))).ack().status()).isEqualTo(Status.STALE_TERM);
        assertThat(restarted.receive(hello(new Term(3, "n1"))).ack().status()).isEqualTo(Status.STALE_TERM);
        assertThat(restarted.inSync()).isFalse();
        assertThat(restarted.term()).isEqualTo(new Term(3, "n2"));
    }

    @Test
    void aRestartedLeaderStartsAboveTheTermItLedBefore() {
        // Seed 11's course: n4 leads p0 under 1/n4, crashes, restarts and starts p0 again.
        PartitionFollower first = new PartitionFollower(ProcessingMachine.of(0, store));
        Term led = Term.after(first.term(), "n4");
        first.lead(led);
        assertThat(store.term(0)).as("durable before the leader sends anything").isEqualTo(new StoredTerm(1, "n4"));

        PartitionFollower restarted = new PartitionFollower(ProcessingMachine.of(0, store));
        Term again = Term.after(restarted.term(), "n4");
        restarted.lead(again);
        assertThat(again).isEqualTo(new Term(2, "n4"));
        assertThat(led.isBefore(again)).isTrue();
        // A replica still on the first instance's term takes the second one's writes: it is newer.
        PartitionFollower replica = new PartitionFollower(ProcessingMachine.of(0, new MemoryStateStore()));
        replica.receive(hello(led));
        assertThat(replica.receive(hello(again)).ack().status()).isEqualTo(Status.IN_SYNC);
    }

    @Test
    void aTermLearntFromARefusalSurvivesARestart() {
        new PartitionFollower(ProcessingMachine.of(0, store)).observe(new Term(7, "n3"));
        assertThat(Term.after(new PartitionFollower(ProcessingMachine.of(0, store)).term(), "n1")).isEqualTo(new Term(8, "n1"));
    }

    @Test
    void aNewerOwnerWhileLeadingIsKeptToo() {
        PartitionFollower leading = new PartitionFollower(ProcessingMachine.of(0, store));
        leading.lead(new Term(1, "n1"));
        leading.receive(hello(new Term(2, "n2")));
        assertThat(leading.superseded()).isTrue();
        assertThat(new PartitionFollower(ProcessingMachine.of(0, store)).term()).isEqualTo(new Term(2, "n2"));
    }
}
