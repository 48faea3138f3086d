package io.ringwork.runtime.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaCodecTest {
    private final Term term = new Term(3, "n2");

    @Test
    void everyMessageKindRoundTrips() throws IOException {
        StateWrite state = new StateWrite(5, "t/doc", new StoredState(42, "gluer", false, "{\"a\":1}".getBytes()));
        List<ReplicaMessage> messages = List.of(
                new ReplicaMessage.Hello(5, term, ReplicaMessage.Role.OBSERVER, 7, 41, 39),
                new ReplicaMessage.Commit(5, term, 7, 40, List.of(state),
                        List.of(new Change(5, "t/doc", 42, "gluer.merge", "id-1", 99, false, "{\"a\":1}".getBytes())),
                        List.of(new DeadLetter(5, 43, "t/doc", "gluer.patch", null, 100, "bad patch"))),
                new ReplicaMessage.SnapshotBegin(5, term, 8, 40, 44),
                new ReplicaMessage.SnapshotPage(5, term, List.of(state)),
                new ReplicaMessage.SnapshotEnd(5, term),
                new ReplicaMessage.Digest(5, term, 9, 0x1234_5678_9abc_def0L),
                new ReplicaMessage.Released(5, term, 40));
        ReplicaCodec.Batch batch = ReplicaCodec.decodeBatch(ReplicaCodec.encodeBatch("n2", messages));
        assertThat(batch.from()).isEqualTo("n2");
        assertThat(batch.messages()).hasSize(7);
        assertThat(batch.messages().get(5)).isEqualTo(messages.get(5));
        assertThat(batch.messages().get(6)).isEqualTo(messages.get(6));
        assertThat(batch.messages().get(0)).isEqualTo(messages.get(0));
        var commit = (ReplicaMessage.Commit) batch.messages().get(1);
        assertThat(commit.seq()).isEqualTo(7);
        assertThat(commit.states().get(0).state().version()).isEqualTo(42);
        assertThat(commit.states().get(0).state().value()).isEqualTo("{\"a\":1}".getBytes());
        assertThat(commit.changes().get(0).recordId()).isEqualTo("id-1");
        assertThat(commit.deadLetters().get(0).reason()).isEqualTo("bad patch");
        assertThat(batch.messages().get(2)).isEqualTo(messages.get(2));
        assertThat(batch.messages().get(4)).isEqualTo(messages.get(4));

        List<ReplicaAck> acks = List.of(new ReplicaAck(5, term, 7, ReplicaAck.Status.IN_SYNC),
                new ReplicaAck(6, term, -1, ReplicaAck.Status.STALE_TERM));
        assertThat(ReplicaCodec.decodeAcks(ReplicaCodec.encodeAcks(acks))).isEqualTo(acks);
    }

    /**
     * A record rejected for a 70,000-byte key still leaves a versioned state to replicate: a batch
     * holding one is written in the wide format instead of throwing; others stay in format 1.
     */
    @Test
    void aStateWithAKeyTooLongForWriteUtfIsReplicatedInTheWideFormat() throws IOException {
        String longKey = "t/" + "k".repeat(69_998);
        StateWrite rejectedOnly = new StateWrite(5, longKey, new StoredState(43, "", false, null));
        DeadLetter letter = new DeadLetter(5, 43, longKey, "gluer.put", null, 100, "the key is 70000 bytes");
        byte[] body = ReplicaCodec.encodeBatch("n2", List.of(new ReplicaMessage.Commit(5, term, 8, 43,
                List.of(rejectedOnly), List.of(), List.of(letter)), new ReplicaMessage.SnapshotPage(5, term, List.of(rejectedOnly))));
        assertThat(body[0]).isEqualTo((byte) 2);
        ReplicaCodec.Batch batch = ReplicaCodec.decodeBatch(body);
        var commit = (ReplicaMessage.Commit) batch.messages().get(0);
        assertThat(commit.states().get(0).key()).isEqualTo(longKey);
        assertThat(commit.states().get(0).state().version()).isEqualTo(43);
        assertThat(commit.deadLetters().get(0).key()).endsWith("…(70000 bytes)");
        assertThat(((ReplicaMessage.SnapshotPage) batch.messages().get(1)).states().get(0).key()).isEqualTo(longKey);

        byte[] ordinary = ReplicaCodec.encodeBatch("n2", List.of(new ReplicaMessage.SnapshotPage(5, term,
                List.of(new StateWrite(5, "t/doc", new StoredState(1, "", false, null))))));
        assertThat(ordinary[0]).isEqualTo((byte) 1);
    }

    @Test
    void aDamagedBatchIsAnErrorNotAnAllocation() {
        byte[] good = ReplicaCodec.encodeBatch("n1", List.of(new ReplicaMessage.SnapshotEnd(1, term)));
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        assertThatThrownBy(() -> ReplicaCodec.decodeBatch(truncated)).isInstanceOf(IOException.class);
        byte[] hugeCount = good.clone();
        int countAt = 1 + 2 + "n1".length();
        hugeCount[countAt] = 0x7f;
        assertThatThrownBy(() -> ReplicaCodec.decodeBatch(hugeCount)).isInstanceOf(IOException.class);
    }

    @Test
    void aTermAboveTheMaximumEpochIsRefusedWhole() throws IOException {
        Term forged = new Term(Term.MAX_EPOCH + 1, "x");
        byte[] batch = ReplicaCodec.encodeBatch("x", List.of(new ReplicaMessage.SnapshotEnd(1, term),
                new ReplicaMessage.Hello(1, forged, ReplicaMessage.Role.REPLICA, 0, -1, -1)));
        assertThatThrownBy(() -> ReplicaCodec.decodeBatch(batch)).isInstanceOf(ReplicaCodec.TermOutOfRange.class)
                .hasMessageContaining(String.valueOf(Term.MAX_EPOCH + 1));
        byte[] acks = ReplicaCodec.encodeAcks(List.of(new ReplicaAck(1, new Term(Long.MAX_VALUE, "x"), 0, ReplicaAck.Status.STALE_TERM)));
        assertThatThrownBy(() -> ReplicaCodec.decodeAcks(acks)).isInstanceOf(ReplicaCodec.TermOutOfRange.class);
        // The bound itself is in range.
        Term highest = new Term(Term.MAX_EPOCH, "n1");
        List<ReplicaMessage> atBound = List.of(new ReplicaMessage.SnapshotEnd(1, highest));
        assertThat(ReplicaCodec.decodeBatch(ReplicaCodec.encodeBatch("n1", atBound)).messages()).isEqualTo(atBound);
    }
}
