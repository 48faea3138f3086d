package io.ringwork.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.store.WriteSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksStateStoreTest {
    @TempDir Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Change change(int partition, String key, long version) {
        return new Change(partition, key, version, "gluer.merge", "id-" + version, 1000, false, utf8("{\"v\":" + version + "}"));
    }

    @Test
    void statesChangesDeadLettersAndCheckpointsSurviveAReopen() {
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            assertThat(store.checkpoint(3)).isEqualTo(-1);
            assertThat(store.feedEnd()).isZero();
            WriteSet set = new WriteSet();
            set.putState(3, "t/c", new StoredState(7, "gluer", false, utf8("{\"v\":7}")));
            set.putState(3, "t/gone", new StoredState(8, "gluer", true, null));
            set.addChange(new FeedEntry(0, change(3, "t/c", 7)));
            set.addChange(new FeedEntry(1, change(3, "t/gone", 8)));
            set.addDeadLetter(new DeadLetter(3, 6, "t/c", "gluer.patch", null, 999, "JSON Patch failed: test"));
            set.putCheckpoint(3, 8);
            store.write(set);
        }
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            assertThat(store.get(3, "t/c").version()).isEqualTo(7);
            assertThat(new String(store.get(3, "t/c").value(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":7}");
            assertThat(store.get(3, "t/gone").tombstone()).isTrue();
            assertThat(store.get(2, "t/c")).as("keys are partition-prefixed").isNull();
            assertThat(store.checkpoint(3)).isEqualTo(8);
            assertThat(store.feedEnd()).isEqualTo(2);
            assertThat(store.changes(0, 10)).extracting(FeedEntry::position).containsExactly(0L, 1L);
            assertThat(store.changes(1, 10).get(0).change().key()).isEqualTo("t/gone");
            assertThat(store.deadLetters(d -> true, 10)).singleElement()
                    .satisfies(d -> assertThat(d.reason()).isEqualTo("JSON Patch failed: test"));
        }
    }

    @Test
    void stagedChangesSurviveAReopenAndArePromotedAfterIt() {
        var term = new StoredTerm(3, "n1");
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            WriteSet set = new WriteSet();
            set.putState(2, "t/a", new StoredState(4, "gluer", false, utf8("{\"v\":4}")));
            set.putState(5, "t/b", new StoredState(6, "gluer", false, utf8("{\"v\":6}")));
            set.stage(2, new io.ringwork.core.store.Stage(term, 0));
            set.stage(5, new io.ringwork.core.store.Stage(term, 7));
            set.addStagedChange(change(2, "t/a", 4));
            set.addStagedChange(change(5, "t/b", 6));
            set.putCheckpoint(2, 4);
            store.write(set);
            assertThat(store.feedEnd()).isZero();
        }
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            assertThat(store.stagedCount(2)).isEqualTo(1);
            assertThat(store.staged(5)).singleElement().satisfies(e -> {
                assertThat(e.stage()).isEqualTo(new io.ringwork.core.store.Stage(term, 7));
                assertThat(e.change().recordId()).isEqualTo("id-6");
                assertThat(new String(e.change().valueJson(), StandardCharsets.UTF_8)).isEqualTo("{\"v\":6}");
            });
            assertThat(store.promote(5, term, 7, -1)).extracting(FeedEntry::position).containsExactly(0L);
            assertThat(store.promote(2, term, 0, -1)).extracting(FeedEntry::position).containsExactly(1L);
            // Written on top of what was staged before the reopen: the staging ids go on rising.
            WriteSet more = new WriteSet();
            more.stage(2, new io.ringwork.core.store.Stage(term, 1));
            more.addStagedChange(change(2, "t/a", 9));
            store.write(more);
            assertThat(store.staged(2)).extracting(e -> e.id()).containsExactly(1L);
        }
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            assertThat(store.feedEnd()).isEqualTo(2);
            assertThat(store.changes(0, 10)).extracting(e -> e.change().key()).containsExactly("t/b", "t/a");
            assertThat(store.stagedCount(5)).isZero();
            assertThat(store.stagedCount(2)).isEqualTo(1);
        }
    }

    @Test
    void theHighestTermSeenSurvivesAReopenAndNeverGoesDown() {
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            assertThat(store.term(5)).isEqualTo(StoredTerm.NONE);
            store.writeTerm(5, new StoredTerm(1, "n4"));
            store.writeTerm(5, new StoredTerm(3, "n-\u00e9")); // node ids are utf-8
            store.writeTerm(5, new StoredTerm(3, "n-a")); // below 3/n-é: ignored
            store.writeTerm(2, new StoredTerm(1L << 53, "n1"));
        }
        try (RocksStateStore store = new RocksStateStore(dir, 8, 100, 100)) {
            assertThat(store.term(5)).isEqualTo(new StoredTerm(3, "n-\u00e9"));
            assertThat(store.term(2)).isEqualTo(new StoredTerm(1L << 53, "n1"));
            assertThat(store.term(4)).isEqualTo(StoredTerm.NONE);
            store.writeTerm(5, new StoredTerm(2, "n9"));
            assertThat(store.term(5)).isEqualTo(new StoredTerm(3, "n-\u00e9"));
            // The node's followers are made on the reopened store, as ClusterService makes them.
            assertThat(new io.ringwork.core.cluster.PartitionFollower(io.ringwork.core.cluster.ProcessingMachine.of(5, store)).term())
                    .isEqualTo(new io.ringwork.core.cluster.Term(3, "n-\u00e9"));
        }
    }

    @Test
    void retentionTrimsOldChangesAndKeepsRecentOnes() {
        try (RocksStateStore store = new RocksStateStore(dir, 1, 1000, 1000)) {
            long position = 0;
            for (int batch = 0; batch < 10; batch++) {
                WriteSet set = new WriteSet();
                for (int i = 0; i < 1000; i++, position++) set.addChange(new FeedEntry(position, change(0, "k/" + i, position)));
                set.putCheckpoint(0, position - 1);
                store.write(set);
            }
            assertThat(store.feedEnd()).isEqualTo(10_000);
            long firstRetained = store.changes(0, 1).get(0).position();
            // Trimming happens in steps of 4096 below feedEnd - retained, so between 1000 and ~5100 remain.
            assertThat(firstRetained).isGreaterThan(0).isLessThanOrEqualTo(9000);
            assertThat(store.changes(9999, 10)).hasSize(1);
        }
    }
}
