package io.ringwork.runtime.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.cluster.ProcessingMachine;
import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerCodecTest {
    private final Term term = new Term(3, "n2");
    private final PeerCodec codec = PeerCodec.CURRENT;
    private final StateWrite state = new StateWrite(5, "t/doc", new StoredState(42, "gluer", false, "{\"a\":1}".getBytes()));

    private List<ReplicaMessage> everyKind() {
        return List.of(
                new ReplicaMessage.Hello(5, term, ReplicaMessage.Role.OBSERVER, 7, 41, 39),
                ProcessingMachine.commit(5, term, 7, 40, List.of(state),
                        List.of(new Change(5, "t/doc", 42, "gluer.merge", "id-1", 99, false, "{\"a\":1}".getBytes())),
                        List.of(new DeadLetter(5, 43, "t/doc", "gluer.patch", null, 100, "bad patch"))),
                new ReplicaMessage.SnapshotBegin(5, term, 8, 40, 44),
                ProcessingMachine.page(5, term, List.of(state)),
                new ReplicaMessage.SnapshotEnd(5, term),
                new ReplicaMessage.Digest(5, term, 9, 0x1234_5678_9abc_def0L),
                new ReplicaMessage.Released(5, term, -1));
    }

    /** A test machine's body: a note, the same for a commit and a snapshot page. */
    private record Note(String text) implements io.ringwork.core.cluster.CommitBody, io.ringwork.core.cluster.SnapshotBody {
        @Override
        public int machine() {
            return 9;
        }
    }

    private static final PeerCodec.BodyCodec NOTES = new PeerCodec.BodyCodec() {
        @Override
        public byte[] encodeCommit(io.ringwork.core.cluster.CommitBody body) {
            return ((Note) body).text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public io.ringwork.core.cluster.CommitBody decodeCommit(int partition, byte[] bytes) {
            return new Note(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public byte[] encodeSnapshot(io.ringwork.core.cluster.SnapshotBody page) {
            return encodeCommit((Note) page);
        }

        @Override
        public io.ringwork.core.cluster.SnapshotBody decodeSnapshot(int partition, byte[] bytes) {
            return (Note) decodeCommit(partition, bytes);
        }
    };

    /**
     * Another machine's commits and pages travel as kinds of their own (60, 61) with its body codec;
     * the engine's stay as they were. A node without that machine's codec, and an older node that
     * knows neither kind, answer them SKIPPED: never taken for an empty commit of the engine.
     */
    @Test
    void anotherMachinesBodiesTravelAsTheirOwnKindsAndANodeWithoutItsCodecSkipsThem() throws IOException {
        PeerCodec withNotes = PeerCodec.withMachines(java.util.Map.of(9, NOTES));
        var commit = new ReplicaMessage.Commit(5, term, 3, 30, new Note("x+1"), 2);
        var page = new ReplicaMessage.SnapshotPage(5, term, new Note("x=1"));
        var engines = ProcessingMachine.commit(5, term, 4, 31, List.of(), List.of(), List.of(), 3); // no state: its bytes compare by identity
        byte[] body = withNotes.encodeBatch(List.of(commit, page, engines));
        assertThat(withNotes.decodeBatch(body).messages()).containsExactly(commit, page, engines);
        PeerCodec.Batch noCodec = codec.decodeBatch(body);
        assertThat(noCodec.messages()).containsExactly(null, null, engines);
        assertThat(noCodec.unknownKinds()).isEqualTo(2);
        PeerCodec older = new PeerCodec() {
            @Override
            protected boolean knowsKind(int kind) {
                return kind != MACHINE_COMMIT && kind != MACHINE_PAGE && super.knowsKind(kind);
            }
        };
        PeerCodec.Batch old = older.decodeBatch(body);
        assertThat(old.messages()).containsExactly(null, null, engines);
        assertThat(old.unknownKinds()).isEqualTo(2);
        assertThatThrownBy(() -> codec.encodeBatch(List.of(commit))).as("a node sends only bodies it has a codec for")
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PeerCodec.withMachines(java.util.Map.of(ProcessingMachine.KIND, NOTES)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The durable frontier rides on a commit (field 14) and alone (kind 17). A node from before
     * them skips both and counts them: it reads the commit as one that says nothing durable, and
     * answers the word SKIPPED (such a follower feeds changes as it applies them, the old way).
     */
    @Test
    void theDurableFrontierTravelsOnCommitsAndAloneAndAnOlderNodeSkipsBoth() throws IOException {
        var commit = ProcessingMachine.commit(5, term, 8, 41, List.of(), List.of(), List.of(), 7);
        var durable = new ReplicaMessage.Durable(5, term, 8);
        byte[] body = codec.encodeBatch(List.of(commit, durable));
        assertThat(codec.decodeBatch(body).messages()).containsExactly(commit, durable);
        PeerCodec older = new PeerCodec() {
            @Override
            protected boolean knowsKind(int kind) {
                return kind != DURABLE && super.knowsKind(kind);
            }

            @Override
            protected boolean knowsField(int tag) {
                return tag != DURABLE_SEQ && super.knowsField(tag);
            }
        };
        PeerCodec.Batch old = older.decodeBatch(body);
        assertThat(old.messages().get(0)).isEqualTo(ProcessingMachine.commit(5, term, 8, 41, List.of(), List.of(), List.of()));
        assertThat(((ReplicaMessage.Commit) old.messages().get(0)).durableSeq()).isEqualTo(ReplicaMessage.NOTHING_DURABLE);
        assertThat(old.messages().get(1)).isNull();
        assertThat(old.unknownKinds()).isEqualTo(1);
        assertThat(old.unknownFields()).isEqualTo(1);
        // A frontier below "nothing said" is damage, refused like any malformed body.
        var bad = new ReplicaMessage.Durable(5, term, -3);
        assertThatThrownBy(() -> codec.decodeBatch(codec.encodeBatch(List.of(bad)))).isInstanceOf(IOException.class);
    }

    @Test
    void everyMessageKindRoundTrips() throws IOException {
        List<ReplicaMessage> messages = everyKind();
        PeerCodec.Batch batch = codec.decodeBatch(codec.encodeBatch(messages));
        assertThat(batch.messages()).hasSize(7);
        assertThat(batch.unknownKinds()).isZero();
        assertThat(batch.unknownFields()).isZero();
        for (int i : new int[] {0, 2, 4, 5, 6}) assertThat(batch.messages().get(i)).isEqualTo(messages.get(i));
        var commit = (ReplicaMessage.Commit) batch.messages().get(1);
        assertThat(commit.seq()).isEqualTo(7);
        assertThat(commit.checkpoint()).isEqualTo(40);
        assertThat(((ProcessingMachine.Writes) commit.body()).states().get(0).key()).isEqualTo("t/doc");
        assertThat(((ProcessingMachine.Writes) commit.body()).states().get(0).state().version()).isEqualTo(42);
        assertThat(((ProcessingMachine.Writes) commit.body()).states().get(0).state().value()).isEqualTo("{\"a\":1}".getBytes());
        assertThat(((ProcessingMachine.Writes) commit.body()).changes().get(0).recordId()).isEqualTo("id-1");
        assertThat(((ProcessingMachine.Writes) commit.body()).deadLetters().get(0).reason()).isEqualTo("bad patch");
        var page = (ReplicaMessage.SnapshotPage) batch.messages().get(3);
        assertThat(((ProcessingMachine.Page) page.body()).states().get(0).state().processor()).isEqualTo("gluer");
        assertThat(codec.decodeBatch(codec.encodeBatch(List.of())).messages()).isEmpty();

        List<ReplicaAck> acks = Arrays.asList(new ReplicaAck(5, term, 7, ReplicaAck.Status.IN_SYNC), null,
                new ReplicaAck(6, term, -1, ReplicaAck.Status.STALE_TERM));
        PeerCodec.Answers answers = codec.decodeAnswers(codec.encodeAnswers(acks));
        assertThat(answers.acks()).isEqualTo(acks);
        assertThat(answers.unknownKinds()).isZero();
    }

    /** A record rejected for a 70,000-byte key still leaves a versioned state to replicate; keys have no length limit of their own. */
    @Test
    void aStateWithAVeryLongKeyRoundTrips() throws IOException {
        String longKey = "t/" + "k".repeat(69_998);
        StateWrite rejectedOnly = new StateWrite(5, longKey, new StoredState(43, "", false, null));
        DeadLetter letter = new DeadLetter(5, 43, longKey, "gluer.put", null, 100, "the key is 70000 bytes");
        PeerCodec.Batch batch = codec.decodeBatch(codec.encodeBatch(List.of(ProcessingMachine.commit(5, term, 8, 43,
                List.of(rejectedOnly), List.of(), List.of(letter)), ProcessingMachine.page(5, term, List.of(rejectedOnly)))));
        var commit = (ReplicaMessage.Commit) batch.messages().get(0);
        assertThat(((ProcessingMachine.Writes) commit.body()).states().get(0).key()).isEqualTo(longKey);
        assertThat(((ProcessingMachine.Writes) commit.body()).states().get(0).state().version()).isEqualTo(43);
        assertThat(((ProcessingMachine.Writes) commit.body()).deadLetters().get(0).key()).endsWith("…(70000 bytes)");
        assertThat(((ProcessingMachine.Page) ((ReplicaMessage.SnapshotPage) batch.messages().get(1)).body()).states().get(0).key()).isEqualTo(longKey);
    }

    @Test
    void aDamagedBodyIsAnErrorNotAnAllocation() {
        byte[] good = codec.encodeBatch(List.of(new ReplicaMessage.SnapshotEnd(1, term)));
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        assertThatThrownBy(() -> codec.decodeBatch(truncated)).isInstanceOf(IOException.class);
        // The message's length (after its one-byte kind) says 2^31-1 bytes: refused from the bytes left.
        byte[] hugeLength = new byte[] {11, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0};
        assertThatThrownBy(() -> codec.decodeBatch(hugeLength)).isInstanceOf(IOException.class).hasMessageContaining("passes");
        byte[] endlessVarint = new byte[12];
        Arrays.fill(endlessVarint, (byte) 0x80);
        assertThatThrownBy(() -> codec.decodeBatch(endlessVarint)).isInstanceOf(IOException.class);
        // A Hello without its role, and a long field of 3 bytes.
        byte[] noRole = new Tagged.Writer().message(PeerCodec.HELLO, new Tagged.Writer().longValue(PeerCodec.PARTITION, 1)
                .longValue(PeerCodec.EPOCH, 1).string(PeerCodec.TERM_NODE, "n1")).toByteArray();
        assertThatThrownBy(() -> codec.decodeBatch(noRole)).isInstanceOf(IOException.class).hasMessageContaining("missing");
        byte[] shortLong = new Tagged.Writer().message(PeerCodec.SNAPSHOT_END, new Tagged.Writer().bytes(PeerCodec.PARTITION, new byte[3])
                .longValue(PeerCodec.EPOCH, 1).string(PeerCodec.TERM_NODE, "n1")).toByteArray();
        assertThatThrownBy(() -> codec.decodeBatch(shortLong)).isInstanceOf(IOException.class).hasMessageContaining("not a long");
    }

    @Test
    void aTermAboveTheMaximumEpochIsRefusedWhole() throws IOException {
        Term forged = new Term(Term.MAX_EPOCH + 1, "x");
        byte[] batch = codec.encodeBatch(List.of(new ReplicaMessage.SnapshotEnd(1, term),
                new ReplicaMessage.Hello(1, forged, ReplicaMessage.Role.REPLICA, 0, -1, -1)));
        assertThatThrownBy(() -> codec.decodeBatch(batch)).isInstanceOf(PeerCodec.TermOutOfRange.class)
                .hasMessageContaining(String.valueOf(Term.MAX_EPOCH + 1));
        byte[] acks = codec.encodeAnswers(List.of(new ReplicaAck(1, new Term(Long.MAX_VALUE, "x"), 0, ReplicaAck.Status.STALE_TERM)));
        assertThatThrownBy(() -> codec.decodeAnswers(acks)).isInstanceOf(PeerCodec.TermOutOfRange.class);
        // The bound itself is in range.
        List<ReplicaMessage> atBound = List.of(new ReplicaMessage.SnapshotEnd(1, new Term(Term.MAX_EPOCH, "n1")));
        assertThat(codec.decodeBatch(codec.encodeBatch(atBound)).messages()).isEqualTo(atBound);
    }

    @Test
    void anOlderNodeSkipsAndCountsANewerNodesExtraKindAndField() throws IOException {
        NewerPeerCodec newer = new NewerPeerCodec("zone-b");
        List<ReplicaMessage> messages = everyKind();
        PeerCodec.Batch read = codec.decodeBatch(newer.encodeBatch(messages));
        // Every message the old node knows is read as it was sent; the extra kind is a null (answered SKIPPED).
        assertThat(read.messages()).hasSize(8);
        assertThat(read.messages().subList(0, 7).get(0)).isEqualTo(messages.get(0));
        assertThat(read.messages().get(5)).isEqualTo(messages.get(5));
        assertThat(((ProcessingMachine.Writes) ((ReplicaMessage.Commit) read.messages().get(1)).body()).states()).hasSize(1);
        assertThat(read.messages().get(7)).isNull();
        assertThat(read.unknownKinds()).isEqualTo(1);
        assertThat(read.unknownFields()).isEqualTo(7); // the origin on each of the seven messages

        List<ReplicaAck> acks = new ArrayList<>(List.of(new ReplicaAck(5, term, 7, ReplicaAck.Status.IN_SYNC)));
        PeerCodec.Answers answers = codec.decodeAnswers(newer.encodeAnswers(acks));
        assertThat(answers.acks()).isEqualTo(acks);
        assertThat(answers.unknownFields()).isEqualTo(1);
    }

    @Test
    void aNewerNodeReadsAnOlderNodesFramesAndItsOwn() throws IOException {
        NewerPeerCodec newer = new NewerPeerCodec("zone-a");
        List<ReplicaMessage> messages = everyKind();
        PeerCodec.Batch fromOld = newer.decodeBatch(codec.encodeBatch(messages));
        assertThat(fromOld.messages()).hasSize(7);
        assertThat(fromOld.messages().get(6)).isEqualTo(messages.get(6));
        assertThat(fromOld.unknownKinds() + fromOld.unknownFields()).isZero();
        assertThat(newer.originsRead).isEmpty();
        assertThat(newer.tracesRead).isEmpty();

        PeerCodec.Batch fromNewer = newer.decodeBatch(new NewerPeerCodec("zone-b").encodeBatch(messages));
        assertThat(fromNewer.unknownKinds() + fromNewer.unknownFields()).isZero();
        assertThat(newer.tracesRead).containsExactly("sent from zone-b");
        assertThat(newer.originsRead).hasSize(7).containsOnly("zone-b");

        List<ReplicaAck> acks = Arrays.asList(new ReplicaAck(5, term, 7, ReplicaAck.Status.IN_SYNC), null);
        assertThat(newer.decodeAnswers(codec.encodeAnswers(acks)).acks()).isEqualTo(acks);
    }

    // ---------------------------------------------------------------- relayed reads

    private static void assertSameAnswer(RelayedRead.Answer actual, RelayedRead.Answer expected) {
        assertThat(actual.outcome()).isEqualTo(expected.outcome());
        assertThat(actual.owner()).isEqualTo(expected.owner());
        assertThat(actual.detail()).isEqualTo(expected.detail());
        assertThat(actual.checkpoint()).isEqualTo(expected.checkpoint());
        assertThat(actual.durable()).isEqualTo(expected.durable());
        if (expected.state() == null) {
            assertThat(actual.state()).isNull();
        } else {
            assertThat(actual.state().version()).isEqualTo(expected.state().version());
            assertThat(actual.state().processor()).isEqualTo(expected.state().processor());
            assertThat(actual.state().tombstone()).isEqualTo(expected.state().tombstone());
            assertThat(actual.state().value()).isEqualTo(expected.state().value());
        }
    }

    @Test
    void aReadAndEveryOutcomeOfItsAnswerRoundTrip() throws IOException {
        byte[] request = codec.encodeRead(new RelayedRead.Request("t/dóc", 1));
        assertThat(codec.isRead(request)).isTrue();
        assertThat(codec.isRead(codec.encodeBatch(everyKind()))).isFalse();
        assertThat(codec.isRead(new byte[] {0x7F})).isFalse(); // damaged: left to the batch decoder to refuse
        PeerCodec.Decoded<RelayedRead.Request> read = codec.decodeRead(request);
        assertThat(read.value()).isEqualTo(new RelayedRead.Request("t/dóc", 1));
        assertThat(codec.decodeRead(codec.encodeRead(new RelayedRead.Request("t/dóc", 1, true))).value())
                .isEqualTo(new RelayedRead.Request("t/dóc", 1, true));
        assertThat(read.unknownKinds() + read.unknownFields()).isZero();

        List<RelayedRead.Answer> answers = List.of(
                RelayedRead.Answer.found(state.state()),
                RelayedRead.Answer.found(new StoredState(7, "gluer", true, null)),
                RelayedRead.Answer.found(new StoredState(8, "", false, null)),
                RelayedRead.Answer.absent(),
                RelayedRead.Answer.found(new StoredState(9, "kv", false, new byte[] {'{', '}'}), 12, 11),
                RelayedRead.Answer.absent(-1, -1),
                RelayedRead.Answer.notOwner("n3", "n2 does not own partition 5"),
                RelayedRead.Answer.unavailable("starting"),
                RelayedRead.Answer.refused("too many hops"));
        for (RelayedRead.Answer answer : answers) {
            PeerCodec.Decoded<RelayedRead.Answer> decoded = codec.decodeReadAnswer(codec.encodeReadAnswer(answer));
            assertSameAnswer(decoded.value(), answer);
        }
    }

    @Test
    void aDamagedReadOrAnswerIsAnErrorAndAnOlderNodesSkipReadsAsUnavailable() throws IOException {
        // A read carrying a replication message, two reads, or none.
        Tagged.Writer readAndCommit = new Tagged.Writer()
                .message(PeerCodec.READ, new Tagged.Writer().string(PeerCodec.READ_KEY, "k").byteValue(PeerCodec.READ_HOPS, 1));
        byte[] withCommit = concat(readAndCommit.toByteArray(), codec.encodeBatch(List.of(everyKind().get(1))));
        assertThatThrownBy(() -> codec.decodeRead(withCommit)).isInstanceOf(IOException.class).hasMessageContaining("replication");
        byte[] twice = concat(codec.encodeRead(new RelayedRead.Request("k", 1)), codec.encodeRead(new RelayedRead.Request("k", 1)));
        assertThatThrownBy(() -> codec.decodeRead(twice)).isInstanceOf(IOException.class).hasMessageContaining("two reads");
        byte[] hopless = new Tagged.Writer().message(PeerCodec.READ, new Tagged.Writer().string(PeerCodec.READ_KEY, "k")).toByteArray();
        assertThatThrownBy(() -> codec.decodeRead(hopless)).isInstanceOf(IOException.class).hasMessageContaining("missing");
        byte[] zeroHops = new Tagged.Writer().message(PeerCodec.READ, new Tagged.Writer().string(PeerCodec.READ_KEY, "k")
                .byteValue(PeerCodec.READ_HOPS, 0)).toByteArray();
        assertThatThrownBy(() -> codec.decodeRead(zeroHops)).isInstanceOf(IOException.class).hasMessageContaining("hops");

        // An answer whose state is cut short, or a state with an outcome that has none.
        byte[] cut = new Tagged.Writer().message(PeerCodec.READ_ANSWER, new Tagged.Writer().byteValue(PeerCodec.READ_OUTCOME, 0)
                .bytes(PeerCodec.READ_STATE, new byte[] {1, 0, 0})).toByteArray();
        assertThatThrownBy(() -> codec.decodeReadAnswer(cut)).isInstanceOf(IOException.class);
        byte[] absentWithState = new Tagged.Writer().message(PeerCodec.READ_ANSWER, new Tagged.Writer()
                .byteValue(PeerCodec.READ_OUTCOME, RelayedRead.Outcome.ABSENT.ordinal())
                .bytes(PeerCodec.READ_STATE, state.state().toBytes())).toByteArray();
        assertThatThrownBy(() -> codec.decodeReadAnswer(absentWithState)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> codec.decodeReadAnswer(new byte[0])).isInstanceOf(IOException.class).hasMessageContaining("no answer");

        // An older node answers a read SKIPPED; a later version's outcome is one this node cannot act on but retry.
        RelayedRead.Answer skipped = codec.decodeReadAnswer(codec.encodeAnswers(java.util.Collections.singletonList(null))).value();
        assertThat(skipped.outcome()).isEqualTo(RelayedRead.Outcome.UNAVAILABLE);
        assertThat(skipped.detail()).contains("does not serve relayed reads");
        byte[] later = new Tagged.Writer().message(PeerCodec.READ_ANSWER, new Tagged.Writer().byteValue(PeerCodec.READ_OUTCOME, 9)
                .string(PeerCodec.READ_DETAIL, "cached")).toByteArray();
        RelayedRead.Answer unknown = codec.decodeReadAnswer(later).value();
        assertThat(unknown.outcome()).isEqualTo(RelayedRead.Outcome.UNAVAILABLE);
        assertThat(unknown.detail()).contains("outcome 9").contains("cached");
    }

    @Test
    void anOlderAndANewerNodeReadEachOthersReadsAndAnswers() throws IOException {
        NewerPeerCodec newer = new NewerPeerCodec("zone-b");
        PeerCodec.Decoded<RelayedRead.Request> atOld = codec.decodeRead(newer.encodeRead(new RelayedRead.Request("k", 1)));
        assertThat(atOld.value()).isEqualTo(new RelayedRead.Request("k", 1));
        assertThat(atOld.unknownKinds()).isEqualTo(1); // the trace
        assertThat(atOld.unknownFields()).isEqualTo(1); // the origin on the read

        PeerCodec.Decoded<RelayedRead.Answer> answerAtOld = codec.decodeReadAnswer(newer.encodeReadAnswer(RelayedRead.Answer.found(state.state())));
        assertSameAnswer(answerAtOld.value(), RelayedRead.Answer.found(state.state()));
        assertThat(answerAtOld.unknownFields()).isEqualTo(1);

        PeerCodec.Decoded<RelayedRead.Request> atNewer = newer.decodeRead(new NewerPeerCodec("zone-c").encodeRead(new RelayedRead.Request("k", 1)));
        assertThat(atNewer.value().key()).isEqualTo("k");
        assertThat(atNewer.unknownKinds() + atNewer.unknownFields()).isZero();
        assertThat(newer.tracesRead).containsExactly("sent from zone-c");
        assertSameAnswer(newer.decodeReadAnswer(codec.encodeReadAnswer(RelayedRead.Answer.absent())).value(), RelayedRead.Answer.absent());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void feedFetchesAndPagesRoundTripAndAnOlderNodesSkipIsARefusal() throws IOException {
        PeerCodec codec = PeerCodec.CURRENT;
        List<io.ringwork.core.cluster.FeedRelay.Fetch> fetches = List.of(new io.ringwork.core.cluster.FeedRelay.Fetch(3, 17, -1, 256),
                new io.ringwork.core.cluster.FeedRelay.Fetch(5, 0, 42, 1));
        byte[] request = codec.encodeFetches(fetches);
        assertThat(PeerCodec.isFeedFetch(request)).isTrue();
        assertThat(PeerCodec.isFeedFetch(codec.encodeBatch(List.of(new ReplicaMessage.SnapshotEnd(1, new Term(1, "n1")))))).isFalse();
        assertThat(codec.decodeFetches(request)).isEqualTo(fetches);
        io.ringwork.core.record.Change change = new io.ringwork.core.record.Change(3, "t/k", 9, "gluer.merge", "id", 5, false, "{}".getBytes());
        List<io.ringwork.core.cluster.FeedRelay.Page> pages = List.of(
                new io.ringwork.core.cluster.FeedRelay.Page(3, true, List.of(change), 20, 9, -1, 21, true),
                new io.ringwork.core.cluster.FeedRelay.Page(5, false, List.of(), 0, -1, -1, -1));
        List<io.ringwork.core.cluster.FeedRelay.Page> decoded = codec.decodePages(codec.encodePages(pages), fetches);
        assertThat(decoded).hasSize(2);
        assertThat(decoded.get(0).changes()).singleElement().satisfies(c -> {
            assertThat(c.key()).isEqualTo("t/k");
            assertThat(c.version()).isEqualTo(9);
        });
        assertThat(decoded.get(0)).extracting(p -> p.nextPosition(), p -> p.checkpoint(), p -> p.claim(), p -> p.claimEnd(), p -> p.source(),
                p -> p.runs()).containsExactly(20L, 9L, -1L, 21L, true, true);
        assertThat(decoded.get(1)).extracting(p -> p.source(), p -> p.runs()).containsExactly(false, false);
        // A node of version 1 answers a fetch SKIPPED: taken as a refusal, so the relay asks another member.
        byte[] skipped = codec.encodeAnswers(java.util.Arrays.asList(null, null));
        assertThat(codec.decodePages(skipped, fetches)).extracting(p -> p.source()).containsExactly(false, false);
        // A page of another partition than asked, or a count that does not match, is an error.
        assertThatThrownBy(() -> codec.decodePages(codec.encodePages(List.of(pages.get(1), pages.get(0))), fetches))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> codec.decodePages(codec.encodePages(pages.subList(0, 1)), fetches)).isInstanceOf(IOException.class);
        // A fetch asking for more than a page may hold is refused whole.
        assertThatThrownBy(() -> codec.decodeFetches(codec.encodeFetches(List.of(
                new io.ringwork.core.cluster.FeedRelay.Fetch(1, 0, 0, PeerCodec.FEED_LIMIT_MAX + 1))))).isInstanceOf(IOException.class);
    }

    @org.junit.jupiter.api.Test
    void keyValueListingsRoundTrip() throws Exception {
        PeerCodec codec = new PeerCodec();
        RelayedList.Request request = new RelayedList.Request(java.util.List.of(3, 7), "kv/app/", "kv/app/é", 50);
        assertThat(codec.isList(codec.encodeList(request))).isTrue();
        assertThat(codec.isRead(codec.encodeList(request))).isFalse();
        assertThat(codec.decodeList(codec.encodeList(request)).value()).isEqualTo(request);
        RelayedList.Request fromStart = new RelayedList.Request(java.util.List.of(0), "kv/", null, 1);
        assertThat(codec.decodeList(codec.encodeList(fromStart)).value()).isEqualTo(fromStart);
        RelayedList.Answer answer = new RelayedList.Answer(java.util.List.of(3), java.util.List.of(
                new RelayedList.Entry(3, "kv/app/a", 11), new RelayedList.Entry(3, "kv/app/ü", 12)), java.util.List.of(3),
                "n2 holds no copy of partitions [7]");
        assertThat(codec.decodeListAnswer(codec.encodeListAnswer(answer)).value()).isEqualTo(answer);
        // An older member answers a listing with a batch's answers: it served nothing.
        assertThat(codec.decodeListAnswer(codec.encodeAnswers(java.util.List.of())).value().served()).isEmpty();
    }
}
