package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.ReplicatedWrite;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The feed relay: one source, a switch of source, a source whose feed jumped, answers it must ignore. */
class FeedRelayTest {
    private static final int P = 3;
    private static final FeedRelay.Config CONFIG = new FeedRelay.Config(2, 4, 100, 1_000, 500);

    private static Change change(String key, long version) {
        return new Change(P, key, version, "t", null, 0, false, ("{\"v\":" + version + "}").getBytes());
    }

    /** A replica's store that took commits {@code (checkpoint, changes...)} of partition P, plus noise of another partition. */
    private static MemoryStateStore replica(Object... commits) {
        MemoryStateStore store = new MemoryStateStore();
        for (int i = 0; i < commits.length; i += 2) {
            long checkpoint = (Long) commits[i];
            List<Change> changes = new ArrayList<>();
            List<StateWrite> states = new ArrayList<>();
            for (String kv : ((String) commits[i + 1]).split(" ")) {
                String[] parts = kv.split("@");
                Change change = change(parts[0], Long.parseLong(parts[1]));
                changes.add(change);
                states.add(new StateWrite(P, change.key(), new StoredState(change.version(), "p", false, change.valueJson())));
            }
            store.applyReplicated(new ReplicatedWrite(P, states, changes, List.of(), checkpoint, true));
            store.applyReplicated(new ReplicatedWrite(P + 1, List.of(), List.of(new Change(P + 1, "other", checkpoint, "t", null, 0,
                    false, new byte[0])), List.of(), -1, false));
        }
        return store;
    }

    /** Runs the relay against {@code sources} (name to store) until it sends nothing more. */
    private static void pump(FeedRelay relay, Map<String, StateStore> sources, List<String> order, long[] nowMs) {
        pump(relay, sources, order, nowMs, java.util.Set.of());
    }

    /** As above; the sources in {@code running} say they run the partition. */
    private static void pump(FeedRelay relay, Map<String, StateStore> sources, List<String> order, long[] nowMs,
                             java.util.Set<String> running) {
        BitSet relayed = new BitSet();
        relayed.set(P);
        for (int round = 0; round < 100; round++) {
            List<FeedRelay.Request> requests = relay.tick(nowMs[0], relayed, p -> order);
            nowMs[0] += CONFIG.pollMs() + 1;
            if (requests.isEmpty()) continue;
            for (FeedRelay.Request request : requests) {
                FeedRelay.Page page = FeedRelay.serve(sources.get(request.to()), request.fetch(), true, running.contains(request.to()),
                        CONFIG.scanMax());
                relay.onPage(request.to(), page, nowMs[0]);
            }
        }
    }

    private static List<String> fed(StateStore store, int partition) {
        List<String> result = new ArrayList<>();
        for (FeedEntry entry : store.changes(0, 1_000)) {
            if (entry.change().partition() == partition) result.add(entry.change().key() + "@" + entry.change().version());
        }
        return result;
    }

    @Test
    void relaysOneSourcesFeedOfThePartitionInPagesAndRaisesTheFloorToItsClaim() {
        MemoryStateStore source = replica(1L, "a@0 b@1", 3L, "a@2 c@3", 4L, "b@4");
        MemoryStateStore mine = new MemoryStateStore();
        FeedRelay relay = new FeedRelay(mine, CONFIG);
        pump(relay, Map.of("n1", source), List.of("n1"), new long[] {0});
        assertThat(fed(mine, P)).containsExactly("a@0", "b@1", "a@2", "c@3", "b@4");
        assertThat(fed(mine, P + 1)).as("only the partition asked for").isEmpty();
        assertThat(mine.fedFloor(P)).isEqualTo(4);
        assertThat(relay.caughtUpTo(P, 4)).isTrue();
        assertThat(relay.claimedBy(P, "n1")).isEqualTo(4);
        assertThat(relay.relayedChanges()).isEqualTo(5);
        assertThat(mine.holds(P)).as("a relay holds no state").isFalse();
    }

    @Test
    void aNewSourceWithOtherPositionsAndOtherCommitsGivesNoGapAndNoRepeat() {
        // n1 fed up to 3; n2 holds the same history and more, at other positions (it got noise first).
        MemoryStateStore n1 = replica(1L, "a@0 b@1", 3L, "a@2 c@3");
        MemoryStateStore n2 = new MemoryStateStore();
        n2.applyReplicated(new ReplicatedWrite(P + 1, List.of(), List.of(new Change(P + 1, "x", 0, "t", null, 0, false, new byte[0]),
                new Change(P + 1, "y", 1, "t", null, 0, false, new byte[0])), List.of(), -1, false));
        MemoryStateStore n2History = replica(1L, "a@0 b@1", 3L, "a@2 c@3", 6L, "b@5 c@6", 8L, "a@8");
        for (FeedEntry e : n2History.changes(0, 100)) {
            n2.applyReplicated(new ReplicatedWrite(e.change().partition(), List.of(), List.of(e.change()), List.of(), -1, false));
        }
        MemoryStateStore mine = new MemoryStateStore();
        FeedRelay relay = new FeedRelay(mine, CONFIG);
        long[] now = {0};
        pump(relay, Map.of("n1", n1), List.of("n1"), now);
        assertThat(mine.fedFloor(P)).isEqualTo(3);
        // n1 went away; n2 is the source now: its whole feed is scanned, only what is new is fed.
        pump(relay, Map.of("n2", n2), List.of("n2"), now);
        assertThat(fed(mine, P)).containsExactly("a@0", "b@1", "a@2", "c@3", "b@5", "c@6", "a@8");
        assertThat(relay.switches()).isEqualTo(2);
    }

    @Test
    void aSourceWhoseFeedJumpedBySnapshotClaimsNothingAndTheOwnerFillsTheGap() {
        MemoryStateStore owner = replica(1L, "a@0", 2L, "b@2", 5L, "a@5");
        // A replica that caught up by snapshot to 5: it holds the states, its feed lacks b@2 and a@5.
        MemoryStateStore jumped = replica(1L, "a@0");
        jumped.markFeedGap(P, 5);
        jumped.applyReplicated(new ReplicatedWrite(P, List.of(), List.of(), List.of(), 5, true));
        MemoryStateStore mine = new MemoryStateStore();
        FeedRelay relay = new FeedRelay(mine, CONFIG);
        long[] now = {0};
        pump(relay, Map.of("n2", jumped), List.of("n2"), now);
        assertThat(mine.fedFloor(P)).as("no claim from a feed that jumped above the floor").isEqualTo(-1);
        assertThat(relay.claimedBy(P, "n2")).as("it still says what it holds").isEqualTo(5);
        // Seed 973: read to its end, a replica's jumped feed is not "caught up": the owner's may be whole.
        assertThat(relay.caughtUpTo(P, 5)).isFalse();
        assertThat(relay.claimedByRunner(P)).as("it does not run the partition").isEqualTo(-1);
        pump(relay, Map.of("owner", owner), List.of("owner"), now);
        assertThat(fed(mine, P)).containsExactly("a@0", "b@2", "a@5");
        assertThat(mine.fedFloor(P)).isEqualTo(5);
    }

    @Test
    void anOwnersFeedThatJumpedIsAllThereIsAndItsClaimEndsALeave() {
        MemoryStateStore owner = replica(1L, "a@0");
        owner.markFeedGap(P, 5);
        owner.applyReplicated(new ReplicatedWrite(P, List.of(), List.of(), List.of(), 5, true));
        MemoryStateStore mine = new MemoryStateStore();
        FeedRelay relay = new FeedRelay(mine, CONFIG);
        pump(relay, Map.of("owner", owner), List.of("owner"), new long[] {0}, java.util.Set.of("owner"));
        assertThat(mine.fedFloor(P)).isEqualTo(-1);
        assertThat(relay.caughtUpTo(P, 5)).isTrue();
        assertThat(relay.claimedByRunner(P)).isEqualTo(5);
    }

    @Test
    void answersFromAnotherMemberOrNotAwaitedAreIgnoredAndARefusalSwitchesSource() {
        MemoryStateStore mine = new MemoryStateStore();
        FeedRelay relay = new FeedRelay(mine, CONFIG);
        BitSet relayed = new BitSet();
        relayed.set(P);
        List<FeedRelay.Request> first = relay.tick(0, relayed, p -> List.of("n1", "n2"));
        assertThat(first).singleElement().satisfies(r -> assertThat(r.to()).isEqualTo("n1"));
        FeedRelay.Page forged = new FeedRelay.Page(P, true, List.of(change("a", 9)), 10, 9, 9, 10);
        assertThat(relay.onPage("n2", forged, 1)).as("not the source asked").isEmpty();
        // n1 does not hold the partition: the next fetch goes to n2.
        relay.onPage("n1", new FeedRelay.Page(P, false, List.of(), 0, -1, -1, -1), 1);
        assertThat(relay.onPage("n1", forged, 1)).as("no longer awaited").isEmpty();
        assertThat(relay.tick(2, relayed, p -> List.of("n1", "n2"))).singleElement()
                .satisfies(r -> assertThat(r.to()).isEqualTo("n2"));
        // No answer in time: another source after the timeout; a lost link does the same at once.
        assertThat(relay.tick(3, relayed, p -> List.of("n1", "n2"))).isEmpty();
        relay.linkFailed("n2", 4);
        assertThat(relay.tick(600, relayed, p -> List.of("n1", "n2"))).singleElement()
                .satisfies(r -> assertThat(r.to()).isEqualTo("n1"));
        assertThat(fed(mine, P)).isEmpty();
        // A partition no longer relayed is forgotten.
        assertThat(relay.tick(700, new BitSet(), p -> List.of("n1"))).isEmpty();
        assertThat(relay.relayed().isEmpty()).isTrue();
    }

    @Test
    void aServedPageIsBoundedByTheScanAndTheLimit() {
        MemoryStateStore source = replica(1L, "a@0 b@1", 3L, "a@2 c@3", 4L, "b@4");
        FeedRelay.Page page = FeedRelay.serve(source, new FeedRelay.Fetch(P, 0, 0, 10), true, 3);
        assertThat(page.changes()).extracting(Change::version).containsExactly(1L); // a@0 is not above 0; the scan ends at 3 entries
        assertThat(page.nextPosition()).isEqualTo(3);
        assertThat(page.checkpoint()).isEqualTo(4);
        assertThat(page.claim()).isEqualTo(4);
        assertThat(page.claimEnd()).isEqualTo(source.feedEnd());
        FeedRelay.Page limited = FeedRelay.serve(source, new FeedRelay.Fetch(P, 0, -1, 2), true, 100);
        assertThat(limited.changes()).extracting(Change::version).containsExactly(0L, 1L);
        assertThat(limited.nextPosition()).isEqualTo(2);
        assertThat(FeedRelay.serve(source, new FeedRelay.Fetch(P, 0, -1, 2), false, 100).source()).isFalse();
    }
}
