package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.ReplicaAck.Status;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.MemoryStateStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A follower's catch-up from the log: it never reads the log itself, asks for chunks of at most
 * {@link PartitionFollower#CATCH_UP_CHUNK} records, and refuses a continuation once anything else
 * changed it.
 */
class CatchUpOffTheLockTest {
    private static final int RECORDS = 2_500;
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(new GluerProcessor())));
    private final List<Record> log = new ArrayList<>();
    private final Object lock = new Object();
    private final List<long[]> reads = new ArrayList<>();
    private long start;

    /** The log, which checks that no one reads it while holding the follower's lock. */
    private final LogCatchUp.Source source = new LogCatchUp.Source() {
        @Override
        public List<Record> read(int partition, long fromOffset, int max) {
            assertThat(Thread.holdsLock(lock)).as("the log is read without the follower's lock").isFalse();
            reads.add(new long[] {fromOffset, max});
            List<Record> out = new ArrayList<>();
            for (Record r : log) if (r.offset() >= fromOffset && out.size() < max) out.add(r);
            return out;
        }

        @Override
        public long startOffset(int partition) {
            return start;
        }
    };

    private final MemoryStateStore owner = new MemoryStateStore();
    private final MemoryStateStore replica = new MemoryStateStore();
    private final PartitionFollower follower = new PartitionFollower(new ProcessingMachine(0, replica, applier), 10_000);

    CatchUpOffTheLockTest() {
        for (int i = 0; i < RECORDS; i++) {
            log.add(new Record(0, i, "t/k" + (i % 7), "gluer.merge", "id-" + i, 1000 + i,
                    ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        LogCatchUp.replay(source, new ProcessingMachine(0, owner, applier), -1, RECORDS - 1, RECORDS, null);
        reads.clear();
    }

    private ReplicaMessage.Hello hello(Term term) {
        return new ReplicaMessage.Hello(0, term, ReplicaMessage.Role.REPLICA, 0, owner.high(0), owner.checkpoint(0));
    }

    @Test
    void aCatchUpAsksForChunksAndAppliesEachWithoutReadingTheLog() {
        PartitionFollower.Outcome first = follower.receive(hello(new Term(1, "o")));
        // No answer yet: the follower asks for the first chunk and has read nothing itself.
        assertThat(first.ack()).isNull();
        assertThat(first.read().fromOffset()).isZero();
        assertThat(first.read().max()).isEqualTo(PartitionFollower.CATCH_UP_CHUNK);
        assertThat(reads).isEmpty();
        assertThat(follower.inSync()).isFalse();
        assertThat(follower.catchingUpFromLog()).isTrue();
        // One chunk applied: the states move, by version, the checkpoint waits for the end.
        PartitionFollower.Outcome second = follower.continueCatchUp(first.read(), source.read(0, 0, first.read().max()));
        assertThat(second.read().fromOffset()).isEqualTo(PartitionFollower.CATCH_UP_CHUNK);
        assertThat(replica.checkpoint(0)).isEqualTo(-1);
        assertThat(replica.get(0, "t/k0")).isNotNull();

        PartitionFollower fresh = new PartitionFollower(new ProcessingMachine(0, new MemoryStateStore(), applier), 10_000);
        reads.clear();
        PartitionFollower.Outcome done = PartitionFollower.receiveAll(fresh, hello(new Term(1, "o")), source, lock);
        assertThat(done.ack().status()).isEqualTo(Status.IN_SYNC);
        assertThat(reads).extracting(r -> r[0] + "+" + r[1]).containsExactly("0+1000", "1000+1000", "2000+500");
        assertThat(fresh.inSync()).isTrue();
        assertThat(fresh.catchingUpFromLog()).isFalse();
    }

    @Test
    void theCaughtUpReplicaHoldsTheOwnersStatesAndCheckpoint() {
        PartitionFollower.Outcome done = PartitionFollower.receiveAll(follower, hello(new Term(1, "o")), source, lock);
        assertThat(done.ack().status()).isEqualTo(Status.IN_SYNC);
        assertThat(replica.checkpoint(0)).isEqualTo(RECORDS - 1);
        for (int k = 0; k < 7; k++) {
            assertThat(replica.get(0, "t/k" + k).toBytes()).as("t/k" + k).isEqualTo(owner.get(0, "t/k" + k).toBytes());
        }
        assertThat(follower.catchUpsRefused()).isZero();
    }

    @Test
    void aContinuationAfterANewerOwnersHelloIsRefusedAndAppliesNothing() {
        PartitionFollower.Outcome first = follower.receive(hello(new Term(1, "o")));
        List<Record> chunk = LogCatchUp.read(source, first.read()); // read off the lock; meanwhile...
        // ...a newer owner says Hello on another link, and starts its own catch-up.
        PartitionFollower.Outcome newer = follower.receive(hello(new Term(2, "p")));
        assertThat(newer.needsRecords()).isTrue();
        PartitionFollower.Outcome late = follower.continueCatchUp(first.read(), chunk);
        assertThat(late.needsRecords()).isFalse();
        assertThat(late.ack().status()).as("what a failed catch-up of a Hello answers").isEqualTo(Status.NEED_SNAPSHOT);
        assertThat(late.ack().term()).as("under the term held now: the old owner learns it was deposed").isEqualTo(new Term(2, "p"));
        assertThat(replica.get(0, "t/k0")).as("nothing applied").isNull();
        assertThat(follower.catchUpsRefused()).isEqualTo(1);
        // The newer owner's catch-up goes on undisturbed.
        PartitionFollower.Outcome step = newer;
        while (step.needsRecords()) step = follower.continueCatchUp(step.read(), LogCatchUp.read(source, step.read()));
        assertThat(step.ack()).isEqualTo(new ReplicaAck(0, new Term(2, "p"), -1, Status.IN_SYNC));
        assertThat(replica.checkpoint(0)).isEqualTo(RECORDS - 1);
    }

    @Test
    void aContinuationIsRefusedAfterAResetALeadOrASecondUseButNotAfterAStaleMessage() {
        follower.receive(hello(new Term(3, "o")));
        PartitionFollower.Outcome first = follower.receive(hello(new Term(3, "o"))); // the same Hello again: a new catch-up
        // A message of an older term is refused and changes nothing: the catch-up goes on.
        assertThat(follower.receive(new ReplicaMessage.Durable(0, new Term(1, "x"), 5)).ack().status()).isEqualTo(Status.STALE_TERM);
        PartitionFollower.Outcome second = follower.continueCatchUp(first.read(), LogCatchUp.read(source, first.read()));
        assertThat(second.needsRecords()).isTrue();
        assertThat(follower.continueCatchUp(first.read(), LogCatchUp.read(source, first.read())).ack().status())
                .as("a request is spent once used").isEqualTo(Status.NEED_SNAPSHOT);
        follower.reset();
        assertThat(follower.continueCatchUp(second.read(), LogCatchUp.read(source, second.read())).ack().status()).isEqualTo(Status.NEED_SNAPSHOT);
        PartitionFollower.Outcome again = follower.receive(hello(new Term(3, "o")));
        follower.lead(new Term(4, "me"));
        PartitionFollower.Outcome afterLead = follower.continueCatchUp(again.read(), LogCatchUp.read(source, again.read()));
        assertThat(afterLead.ack().status()).isEqualTo(Status.NEED_SNAPSHOT);
        assertThat(follower.mode()).isEqualTo(PartitionFollower.Mode.LEADING);
        assertThat(replica.checkpoint(0)).as("a leader's store changes only by its own commits").isEqualTo(-1);
        assertThat(follower.catchUpsRefused()).isEqualTo(3);
    }

    @Test
    void aLogThatNoLongerHoldsTheRecordsFallsBackToTheSnapshot() {
        start = 500; // retention took the first 500 records
        PartitionFollower.Outcome hello = PartitionFollower.receiveAll(follower, hello(new Term(1, "o")), source, lock);
        assertThat(hello.ack().status()).isEqualTo(Status.NEED_SNAPSHOT);
        assertThat(reads).as("not even read").isEmpty();
        assertThat(follower.mode()).isEqualTo(PartitionFollower.Mode.WAIT_SNAPSHOT);
        PartitionFollower.Outcome begin = PartitionFollower.receiveAll(follower,
                new ReplicaMessage.SnapshotBegin(0, new Term(1, "o"), 0, owner.checkpoint(0), owner.high(0)), source, lock);
        assertThat(begin.ack().status()).as("the pages follow").isEqualTo(Status.CATCHING_UP);
        assertThat(follower.mode()).isEqualTo(PartitionFollower.Mode.SNAPSHOTTING);
    }
}
