package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.ReplicaAck.Status;
import io.ringwork.core.cluster.ReplicaMessage.Commit;
import io.ringwork.core.cluster.ReplicaMessage.Digest;
import io.ringwork.core.cluster.ReplicaMessage.Hello;
import io.ringwork.core.cluster.ReplicaMessage.Role;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotBegin;
import io.ringwork.core.record.Change;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A commit a replica takes while it catches up by snapshot brings states ahead of its feed, as a
 * page does, so its feed jumps there even if no page ever comes (simulator seed 986); a repair's
 * commits do not, its feed is whole.
 */
class SnapshotCommitFeedJumpTest {
    private static final Term T1 = new Term(1, "a");
    private final MemoryStateStore store = new MemoryStateStore();
    private final PartitionFollower follower = new PartitionFollower(ProcessingMachine.of(0, store));

    private static Change change(String key, long version) {
        return new Change(0, key, version, "t", null, 0, false, ("{\"v\":" + version + "}").getBytes());
    }

    private static StateWrite state(String key, long version) {
        return new StateWrite(0, key, new StoredState(version, "p", false, ("v" + version).getBytes()));
    }

    private static Commit commit(long seq, long checkpoint, List<StateWrite> states, List<Change> changes) {
        return new Commit(0, T1, seq, checkpoint, new ProcessingMachine.Writes(states, changes, List.of()));
    }

    private Status receive(ReplicaMessage message) {
        return follower.receive(message).ack().status();
    }

    @Test
    void a_commit_taken_before_the_first_page_marks_the_feed_gap() {
        assertThat(receive(new Hello(0, T1, Role.REPLICA, 3, 10, 10))).isEqualTo(Status.NEED_SNAPSHOT);
        assertThat(receive(new SnapshotBegin(0, T1, 3, 10, 10))).isEqualTo(Status.CATCHING_UP);
        assertThat(store.feedGap(0)).as("nothing written yet").isEqualTo(-1);

        // A keepalive: a new version of the session's state, and no change.
        assertThat(receive(commit(3, 12, List.of(state("session/s", 12)), List.of()))).isEqualTo(Status.CATCHING_UP);

        assertThat(store.get(0, "session/s").version()).isEqualTo(12);
        assertThat(store.feedGap(0)).as("the feed jumped to the commit's checkpoint").isEqualTo(12);
        // So this node claims nothing to a relay below the jump: its feed lacks the session's
        // earlier changes (the relay skips them too, by the state held).
        FeedRelay.Page page = FeedRelay.serve(store, new FeedRelay.Fetch(0, 0, 5, 100), true, 100);
        assertThat(page.claim()).isEqualTo(-1);
        assertThat(store.relayed(0, List.of(change("session/s", 8)), -1)).isEmpty();
    }

    @Test
    void a_repair_keeps_the_feed_whole() {
        assertThat(receive(new Hello(0, T1, Role.REPLICA, 0, -1, -1))).isEqualTo(Status.IN_SYNC);
        assertThat(receive(commit(0, 5, List.of(state("k", 5)), List.of(change("k", 5))))).isEqualTo(Status.IN_SYNC);
        assertThat(receive(new Digest(0, T1, 0, store.digest(0) + 1))).as("states differ").isEqualTo(Status.NEED_SNAPSHOT);
        assertThat(receive(new SnapshotBegin(0, T1, 1, 5, 5))).isEqualTo(Status.CATCHING_UP);
        assertThat(follower.repairing()).isTrue();

        assertThat(receive(commit(1, 7, List.of(state("k", 7)), List.of(change("k", 7))))).isEqualTo(Status.CATCHING_UP);

        assertThat(store.get(0, "k").version()).isEqualTo(7);
        assertThat(store.feedGap(0)).as("a repair's commits follow in order those this feed has").isEqualTo(-1);
    }
}
