package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Record;
import io.ringwork.core.store.MemoryStateStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A replica catching up by applying the log: same states as the owner, every change fed once. */
class LogCatchUpTest {
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(new GluerProcessor())));
    private final List<Record> log = new ArrayList<>();
    private long start;

    private final LogCatchUp.Source source = new LogCatchUp.Source() {
        @Override
        public List<Record> read(int partition, long fromOffset, int max) {
            List<Record> out = new ArrayList<>();
            for (Record r : log) if (r.offset() >= fromOffset && out.size() < max) out.add(r);
            return out;
        }

        @Override
        public long startOffset(int partition) {
            return start;
        }
    };

    LogCatchUpTest() {
        for (int i = 0; i < 100; i++) {
            String body = i % 10 == 7 ? "not json" : "{\"n\":" + i + "}";
            log.add(new Record(0, i, "t/k" + (i % 5), "gluer.merge", "id-" + i, 1000 + i, body.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void catchingUpInTwoStepsEndsLikeOneAndFeedsEachChangeOnce() {
        MemoryStateStore whole = new MemoryStateStore();
        List<FeedEntry> all = LogCatchUp.replay(source, new ProcessingMachine(0, whole, applier), -1, 99, 1000, null);
        MemoryStateStore stepwise = new MemoryStateStore();
        ProcessingMachine machine = new ProcessingMachine(0, stepwise, applier);
        List<FeedEntry> first = LogCatchUp.replay(source, machine, -1, 39, 1000, null);
        assertThat(stepwise.checkpoint(0)).isEqualTo(39);
        List<FeedEntry> second = LogCatchUp.replay(source, machine, 39, 99, 1000, null);
        assertThat(all).hasSize(90); // one in ten is not JSON: a dead letter, not a change
        assertThat(first.size() + second.size()).isEqualTo(90);
        assertThat(stepwise.checkpoint(0)).isEqualTo(99);
        assertThat(stepwise.deadLetters(d -> true, 100)).hasSize(10);
        whole.states().forEach((key, state) -> {
            assertThat(stepwise.states().get(key).version()).isEqualTo(state.version());
            assertThat(stepwise.states().get(key).value()).isEqualTo(state.value());
        });
        // Again: everything is held, nothing is fed twice.
        assertThat(LogCatchUp.replay(source, machine, 50, 99, 1000, null)).isEmpty();
    }

    @Test
    void itDeclinesWhatTheLogNoLongerHoldsOrWhatIsTooLong() {
        MemoryStateStore store = new MemoryStateStore();
        assertThat(LogCatchUp.replay(source, new ProcessingMachine(0, store, applier), -1, 99, 50, null)).as("over the limit").isNull();
        assertThat(LogCatchUp.replay(source, new ProcessingMachine(0, store, applier), -1, 150, 1000, null)).as("past the log's end").isNull();
        start = 20;
        assertThat(LogCatchUp.replay(source, new ProcessingMachine(0, store, applier), 10, 99, 1000, null)).as("trimmed by retention").isNull();
        assertThat(store.checkpoint(0)).isEqualTo(-1);
    }

    @Test
    void aReplicaBehindTheOwnerCatchesUpFromTheLogInsteadOfASnapshot() {
        MemoryStateStore owner = new MemoryStateStore();
        LogCatchUp.replay(source, new ProcessingMachine(0, owner, applier), -1, 99, 1000, null);
        MemoryStateStore replica = new MemoryStateStore();
        LogCatchUp.replay(source, new ProcessingMachine(0, replica, applier), -1, 30, 1000, null);
        PartitionFollower follower = new PartitionFollower(new ProcessingMachine(0, replica, applier), 1000);
        PartitionFollower.Outcome outcome = PartitionFollower.receiveAll(follower, new ReplicaMessage.Hello(0, new Term(1, "o"),
                ReplicaMessage.Role.REPLICA, 0, owner.high(0), owner.checkpoint(0)), source, this);
        assertThat(outcome.ack().status()).isEqualTo(ReplicaAck.Status.IN_SYNC);
        assertThat(outcome.fed()).as("staged until a quorum holds the owner's state").isEmpty();
        assertThat(replica.stagedCount(0)).isPositive();
        // The owner says a quorum holds the state it started from (its checkpoint 99): the catch-up's changes go on the feed.
        PartitionFollower.Outcome told = follower.receive(new ReplicaMessage.Durable(0, new Term(1, "o"), -1));
        assertThat(told.fed()).isNotEmpty().allMatch(e -> e.change().version() > 30);
        assertThat(replica.stagedCount(0)).isZero();
        assertThat(replica.checkpoint(0)).isEqualTo(owner.high(0));
        assertThat(follower.ownerCheckpoint()).isEqualTo(99);
    }

    @Test
    void aReplicaThatCaughtUpFromTheLogTakesTheSnapshotPagesStillInFlightAsDone() {
        MemoryStateStore owner = new MemoryStateStore();
        LogCatchUp.replay(source, new ProcessingMachine(0, owner, applier), -1, 99, 1000, null);
        MemoryStateStore replica = new MemoryStateStore();
        PartitionFollower follower = new PartitionFollower(new ProcessingMachine(0, replica, applier), 1000);
        Term term = new Term(2, "o");
        var begin = PartitionFollower.receiveAll(follower, new ReplicaMessage.SnapshotBegin(0, term, 5, owner.checkpoint(0), owner.high(0)),
                source, this);
        assertThat(begin.ack().status()).isEqualTo(ReplicaAck.Status.IN_SYNC);
        // The owner had already sent pages and the end before it read that answer.
        var page = follower.receive(ProcessingMachine.page(0, term, owner.scan(0, null, 2)));
        var end = follower.receive(new ReplicaMessage.SnapshotEnd(0, term));
        assertThat(page.ack().status()).isEqualTo(ReplicaAck.Status.IN_SYNC);
        assertThat(end.ack().status()).isEqualTo(ReplicaAck.Status.IN_SYNC);
        assertThat(follower.inSync()).isTrue();
    }

    @Test
    void aCommitThatArrivesBeforeTheCatchUpDoesNotPutALaterChangeAheadOnTheFeed() {
        // Found by a chaos run: a replica that had just stopped running the partition took a
        // commit's change (feed only) before catching up; the catch-up then dropped the older
        // changes of that key as already fed, leaving a gap on the feed.
        MemoryStateStore owner = new MemoryStateStore();
        LogCatchUp.replay(source, new ProcessingMachine(0, owner, applier), -1, 99, 1000, null);
        MemoryStateStore replica = new MemoryStateStore();
        LogCatchUp.replay(source, new ProcessingMachine(0, replica, applier), -1, 30, 1000, null);
        PartitionFollower follower = new PartitionFollower(new ProcessingMachine(0, replica, applier), 1000);
        Term term = new Term(3, "o");
        var late = owner.changes(0, 1000).stream().map(e -> e.change()).filter(c -> c.version() == 95).toList();
        var commit = follower.receive(ProcessingMachine.commit(0, term, 7, 95, List.of(), late, List.of()));
        assertThat(commit.ack().status()).isEqualTo(ReplicaAck.Status.NEED_SNAPSHOT);
        PartitionFollower.receiveAll(follower, new ReplicaMessage.SnapshotBegin(0, term, 8, owner.checkpoint(0), owner.high(0)), source, this);
        follower.receive(new ReplicaMessage.Durable(0, term, 7)); // what the owner held at the Begin is durable
        // Every key's versions on the replica's feed are exactly the owner's, in order, no gap.
        for (int k = 0; k < 5; k++) {
            String key = "t/k" + k;
            var mine = replica.changes(0, 1000).stream().filter(e -> e.change().key().equals(key)).map(e -> e.change().version()).toList();
            var theirs = owner.changes(0, 1000).stream().filter(e -> e.change().key().equals(key)).map(e -> e.change().version()).toList();
            assertThat(mine).as(key).isEqualTo(theirs);
        }
    }

    @Test
    void offsetsThatSkipAreCaughtUpOverEvenToAnOffsetWithNoRecord() {
        // Kafka's offsets skip transaction markers: records at every third offset only.
        log.clear();
        for (int i = 0; i < 40; i++) {
            log.add(new Record(0, 3L * i, "t/k" + (i % 4), "gluer.merge", null, 1000 + i,
                    ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        MemoryStateStore whole = new MemoryStateStore();
        LogCatchUp.replay(source, new ProcessingMachine(0, whole, applier), -1, 117, 1000, null);
        MemoryStateStore stepwise = new MemoryStateStore();
        ProcessingMachine machine = new ProcessingMachine(0, stepwise, applier);
        // 61 and 62 hold no record (the owner's checkpoint may sit on such an offset).
        assertThat(LogCatchUp.replay(source, machine, -1, 61, 1000, null)).isNotNull();
        assertThat(stepwise.checkpoint(0)).isEqualTo(61);
        assertThat(LogCatchUp.replay(source, machine, 61, 62, 1000, null)).as("nothing in (61, 62]: still caught up").isNotNull();
        assertThat(stepwise.checkpoint(0)).isEqualTo(62);
        assertThat(LogCatchUp.replay(source, machine, 62, 117, 1000, null)).isNotNull();
        assertThat(stepwise.checkpoint(0)).isEqualTo(117);
        whole.states().forEach((key, state) -> assertThat(stepwise.states().get(key).version()).isEqualTo(state.version()));
    }

    @Test
    void retentionDuringTheReadIsCaughtByCheckingTheStartAfterIt() {
        LogCatchUp.Source trimmedWhileReading = new LogCatchUp.Source() {
            private int asked;

            @Override
            public List<Record> read(int partition, long fromOffset, int max) {
                // Retention took 10..19 between the start check and the fetch: the read begins at 20.
                return source.read(partition, 20, max);
            }

            @Override
            public long startOffset(int partition) {
                return asked++ == 0 ? 0 : 20;
            }
        };
        assertThat(LogCatchUp.read(trimmedWhileReading, new PartitionFollower.LogRead(0, 0, 10, 50, null))).isEmpty();
    }
}
