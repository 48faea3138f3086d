package io.ringwork.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.ReplicatedWrite;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The RocksDB store and the in-memory one (used by the simulator) apply replicated writes alike. */
class ReplicatedWriteContractTest {
    @TempDir static Path dir;
    private static int opened;

    static Stream<String> stores() {
        return Stream.of("memory", "rocks");
    }

    private static StateStore open(String kind) {
        return kind.equals("memory") ? new MemoryStateStore()
                : new RocksStateStore(dir.resolve("s" + opened++), 4, 1000, 1000);
    }

    private static StateWrite state(String key, long version) {
        return new StateWrite(1, key, new StoredState(version, "p", false, ("v" + version).getBytes()));
    }

    private static Change change(String key, long version) {
        return new Change(1, key, version, "t", null, 0, false, ("{\"v\":" + version + "}").getBytes());
    }

    private static ReplicatedWrite replica(List<StateWrite> states, List<Change> changes, long checkpoint) {
        return new ReplicatedWrite(1, states, changes, List.of(), checkpoint, true);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void statesOnlyMoveForwardAndEachChangeIsFedOnce(String kind) {
        try (StateStore store = open(kind)) {
            assertThat(store.applyReplicated(replica(List.of(state("k", 5)), List.of(change("k", 5)), 5))).hasSize(1);
            // Older and equal versions change nothing and feed nothing.
            assertThat(store.applyReplicated(replica(List.of(state("k", 3)), List.of(change("k", 3)), 3))).isEmpty();
            assertThat(store.applyReplicated(replica(List.of(state("k", 5)), List.of(change("k", 5)), 5))).isEmpty();
            assertThat(store.get(1, "k").version()).isEqualTo(5);
            assertThat(store.checkpoint(1)).isEqualTo(5);
            assertThat(store.high(1)).isEqualTo(5);
            // Two changes of one key in one write: both fed, in order; the state is the newer.
            var fed = store.applyReplicated(replica(List.of(state("k", 9)), List.of(change("k", 7), change("k", 9)), -1));
            assertThat(fed).extracting(e -> e.change().version()).containsExactly(7L, 9L);
            assertThat(fed).extracting(e -> e.position()).containsExactly(1L, 2L);
            assertThat(store.checkpoint(1)).as("-1 leaves the checkpoint").isEqualTo(5);
            assertThat(store.feedEnd()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void anObserverKeepsNoStateButFeedsEachVersionOnce(String kind) {
        try (StateStore store = open(kind)) {
            ReplicatedWrite observed = new ReplicatedWrite(1, List.of(state("k", 4)), List.of(change("k", 4)), List.of(), 4, false);
            assertThat(store.applyReplicated(observed)).hasSize(1);
            assertThat(store.applyReplicated(observed)).isEmpty();
            assertThat(store.get(1, "k")).isNull();
            assertThat(store.high(1)).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void scanPagesThroughOnePartitionInKeyOrder(String kind) {
        try (StateStore store = open(kind)) {
            List<StateWrite> writes = new ArrayList<>();
            for (int i = 0; i < 7; i++) writes.add(state("key-" + i, i + 1));
            store.applyReplicated(replica(writes, List.of(), -1));
            store.applyReplicated(new ReplicatedWrite(2, List.of(new StateWrite(2, "other", new StoredState(1, "p", false, null))),
                    List.of(), List.of(), -1, true));
            List<String> seen = new ArrayList<>();
            String after = null;
            while (true) {
                List<StateWrite> page = store.scan(1, after, 3);
                page.forEach(w -> seen.add(w.key()));
                if (page.size() < 3) break;
                after = page.get(page.size() - 1).key();
            }
            assertThat(seen).containsExactly("key-0", "key-1", "key-2", "key-3", "key-4", "key-5", "key-6");
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aRepairReplacesAStateOfTheSameVersionThatDiffersAndNothingElse(String kind) {
        try (StateStore store = open(kind)) {
            StateWrite rotten = new StateWrite(1, "k", new StoredState(5, "p", false, "rotten".getBytes()));
            store.applyReplicated(replica(List.of(rotten), List.of(), -1));
            StateWrite good = state("k", 5);
            store.applyReplicated(replica(List.of(good), List.of(), -1));
            assertThat(store.get(1, "k").value()).as("by version alone, equal versions stay").isEqualTo("rotten".getBytes());
            store.applyReplicated(new ReplicatedWrite(1, List.of(good), List.of(), List.of(), -1, true, true));
            assertThat(store.get(1, "k").value()).isEqualTo("v5".getBytes());
            store.applyReplicated(new ReplicatedWrite(1, List.of(state("k", 4)), List.of(), List.of(), -1, true, true));
            assertThat(store.get(1, "k").version()).as("a repair never goes back").isEqualTo(5);
        }
    }

    private static io.ringwork.core.store.Stage stage(long epoch, long seq) {
        return new io.ringwork.core.store.Stage(new io.ringwork.core.store.StoredTerm(epoch, "o"), seq);
    }

    private static ReplicatedWrite staged(List<StateWrite> states, List<Change> changes, io.ringwork.core.store.Stage stage) {
        return new ReplicatedWrite(1, states, changes, List.of(), -1, true, false, stage);
    }

    @ParameterizedTest
    @MethodSource("stores")
    void stagedChangesReachTheFeedOnlyWhenPromotedInStagingOrderAtContiguousPositions(String kind) {
        try (StateStore store = open(kind)) {
            // One change fed at once (a commit durable as written), so positions continue from it.
            store.applyReplicated(replica(List.of(state("x", 1)), List.of(change("x", 1)), 1));
            assertThat(store.applyReplicated(staged(List.of(state("k", 5)), List.of(change("k", 5)), stage(1, 0)))).isEmpty();
            store.applyReplicated(staged(List.of(state("j", 6)), List.of(change("j", 6)), stage(1, 1)));
            store.applyReplicated(staged(List.of(state("k", 7)), List.of(change("k", 7)), stage(1, 2)));
            assertThat(store.get(1, "k").version()).as("states are written at once").isEqualTo(7);
            assertThat(store.feedEnd()).isEqualTo(1);
            assertThat(store.stagedCount(1)).isEqualTo(3);
            assertThat(store.staged(1)).extracting(e -> e.change().version()).containsExactly(5L, 6L, 7L);
            // A copy of a staged version is a duplicate, as of a fed one.
            store.applyReplicated(staged(List.of(state("k", 7)), List.of(change("k", 7)), stage(1, 3)));
            assertThat(store.stagedCount(1)).isEqualTo(3);
            // Commits up to 1 durable: k@5 and j@6, in staging order, from position 1.
            var first = store.promote(1, new io.ringwork.core.store.StoredTerm(1, "o"), 1, -1);
            assertThat(first).extracting(e -> e.change().version()).containsExactly(5L, 6L);
            assertThat(first).extracting(e -> e.position()).containsExactly(1L, 2L);
            assertThat(store.promote(1, new io.ringwork.core.store.StoredTerm(1, "o"), 1, -1)).as("promoted once").isEmpty();
            var second = store.promote(1, new io.ringwork.core.store.StoredTerm(1, "o"), 2, -1);
            assertThat(second).extracting(e -> e.position()).containsExactly(3L);
            assertThat(store.changes(0, 10)).extracting(e -> e.change().version()).containsExactly(1L, 5L, 6L, 7L);
            assertThat(store.feedEnd()).isEqualTo(4);
            assertThat(store.stagedCount(1)).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aNewerTermPromotesAnEndedTermsChangesByCheckpointAndAKeysOlderChangesWithItsNewer(String kind) {
        try (StateStore store = open(kind)) {
            store.applyReplicated(staged(List.of(state("k", 5)), List.of(change("k", 5)), stage(1, 0)));
            store.applyReplicated(staged(List.of(state("j", 8)), List.of(change("j", 8)), stage(1, 1)));
            store.applyReplicated(staged(List.of(state("k", 9)), List.of(change("k", 9)), stage(2, 0)));
            var term2 = new io.ringwork.core.store.StoredTerm(2, "o");
            // Term 2's starting state (checkpoint 4) covers none of term 1's; its word says nothing of term 1's numbers.
            assertThat(store.promote(1, term2, -1, 4)).isEmpty();
            // Term 2's commit 0 (k@9) durable at checkpoint 6: k@5 by checkpoint and before k@9; j@8 waits.
            assertThat(store.promote(1, term2, 0, 6)).extracting(e -> e.change().version()).containsExactly(5L, 9L);
            assertThat(store.promote(1, term2, 0, 8)).extracting(e -> e.change().version()).containsExactly(8L);
        }
    }

    @ParameterizedTest
    @MethodSource("stores")
    void aDroppedPartitionHoldsNothingAndIsNeverFedAgain(String kind) {
        try (StateStore store = open(kind)) {
            store.applyReplicated(replica(List.of(state("a", 4), state("b", 6)), List.of(change("a", 4), change("b", 6)), 4));
            store.applyReplicated(new ReplicatedWrite(1, List.of(), List.of(), List.of(
                    new io.ringwork.core.record.DeadLetter(1, 3, "a", "t", null, 0, "bad")), -1, true));
            store.writeTerm(1, new io.ringwork.core.store.StoredTerm(2, "n1"));
            assertThat(store.holds(1)).isTrue();
            store.dropPartition(1);
            assertThat(store.holds(1)).isFalse();
            assertThat(store.get(1, "a")).isNull();
            assertThat(store.checkpoint(1)).isEqualTo(-1);
            assertThat(store.high(1)).isEqualTo(-1);
            assertThat(store.deadLetters(d -> true, 10)).isEmpty();
            assertThat(store.term(1)).as("the term is a promise: it stays").isEqualTo(new io.ringwork.core.store.StoredTerm(2, "n1"));
            // The floor is the old checkpoint; b's state above it is remembered as fed.
            assertThat(store.fedFloor(1)).isEqualTo(4);
            assertThat(store.fedVersion(1, "b")).isEqualTo(6);
            assertThat(store.relayed(1, List.of(change("a", 3), change("b", 6), change("b", 7), change("c", 5)), -1))
                    .extracting(e -> e.change().key() + "@" + e.change().version()).containsExactly("b@7", "c@5");
            // A higher floor forgets the fed versions it covers, and still drops what is below it.
            assertThat(store.relayed(1, List.of(), 8)).isEmpty();
            assertThat(store.fedFloor(1)).isEqualTo(8);
            assertThat(store.fedVersion(1, "b")).isEqualTo(8);
            assertThat(store.relayed(1, List.of(change("b", 8), change("b", 9)), 8))
                    .extracting(e -> e.change().version()).containsExactly(9L);
            // Held again later (a replica once more): its catch-up does not feed what was fed.
            assertThat(store.applyReplicated(replica(List.of(state("b", 9)), List.of(change("b", 9)), 9))).isEmpty();
            assertThat(store.holds(1)).isTrue();
            assertThat(store.holds(2)).isFalse();
        }
    }

    @Test
    void theFloorAndTheFeedGapSurviveAReopen() {
        Path path = dir.resolve("reopened");
        try (StateStore store = new RocksStateStore(path, 4, 1000, 1000)) {
            store.relayed(2, List.of(new Change(2, "k", 5, "t", null, 0, false, "{}".getBytes())), 3);
            store.markFeedGap(2, 7);
            store.markFeedGap(2, 6);
        }
        try (StateStore store = new RocksStateStore(path, 4, 1000, 1000)) {
            assertThat(store.fedFloor(2)).isEqualTo(3);
            assertThat(store.fedVersion(2, "k")).isEqualTo(5);
            assertThat(store.feedGap(2)).as("never lowered").isEqualTo(7);
            assertThat(store.fedFloor(1)).isEqualTo(-1);
            assertThat(store.feedGap(1)).isEqualTo(-1);
        }
    }
}
