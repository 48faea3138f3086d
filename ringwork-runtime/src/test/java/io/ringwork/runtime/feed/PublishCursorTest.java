package io.ringwork.runtime.feed;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The publisher's resume logic: what a takeover, a lost partition and a failed send make it send. */
class PublishCursorTest {
    /** A feed of 3 partitions: position i belongs to partition i % 3. */
    private static final List<FeedEntry> FEED = feed(30);

    private static List<FeedEntry> feed(int n) {
        List<FeedEntry> feed = new ArrayList<>();
        for (int i = 0; i < n; i++) feed.add(new FeedEntry(i, new Change(i % 3, "k" + i, i, "t", null, 0, false, null)));
        return feed;
    }

    /** Scans the feed from the cursor to {@code until} (exclusive); returns the positions sent. */
    private static List<Long> scan(PublishCursor cursor, long until) {
        List<Long> sent = new ArrayList<>();
        for (FeedEntry entry : FEED.subList((int) cursor.next(), (int) until)) {
            if (cursor.accept(entry)) sent.add(entry.position());
            cursor.advance(entry.position());
        }
        return sent;
    }

    /** Runs the replay to its end over the feed; returns the positions it re-sent. */
    private static List<Long> replay(PublishCursor cursor) {
        List<Long> sent = new ArrayList<>();
        while (cursor.replaying()) {
            FeedEntry entry = FEED.get((int) cursor.replayNext());
            if (cursor.acceptReplay(entry)) sent.add(entry.position());
            cursor.advanceReplay(entry.position());
        }
        return sent;
    }

    @Test
    void a_node_sends_only_the_partitions_it_runs() {
        PublishCursor cursor = new PublishCursor(3);
        assertThat(cursor.owners(Set.of(0)::contains)).containsExactly(0);
        assertThat(scan(cursor, 9)).containsExactly(0L, 3L, 6L);
        assertThat(cursor.owners(Set.of(0)::contains)).isEmpty();
        assertThat(scan(cursor, 12)).containsExactly(9L);
    }

    @Test
    void a_gained_partition_is_resent_from_the_start_of_the_feed_and_the_others_are_not_repeated() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0)::contains);
        scan(cursor, 12);
        // Takeover of partition 1 (its owner died): all of its retained feed again, partition 0 from where it was.
        assertThat(cursor.owners(Set.of(0, 1)::contains)).containsExactly(1);
        assertThat(cursor.next()).as("the main cursor stays").isEqualTo(12);
        assertThat(cursor.replaying()).isTrue();
        // Partition 0's new entry goes out beside the replay; partition 1's joins its replay, so
        // partition 1's changes still go out in feed order.
        assertThat(scan(cursor, 15)).containsExactly(12L);
        assertThat(replay(cursor)).as("partition 1's history, then its new entry").containsExactly(1L, 4L, 7L, 10L, 13L);
        assertThat(scan(cursor, 18)).as("after its replay, partition 1 is the main cursor's").containsExactly(15L, 16L);
    }

    @Test
    void a_second_takeover_during_a_replay_repeats_nothing_of_the_first() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0)::contains);
        scan(cursor, 12);
        cursor.owners(Set.of(0, 1)::contains);
        List<Long> replayed = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // the replay is at 6 when partition 2 is gained too
            FeedEntry entry = FEED.get((int) cursor.replayNext());
            if (cursor.acceptReplay(entry)) replayed.add(entry.position());
            cursor.advanceReplay(entry.position());
        }
        scan(cursor, 15);
        assertThat(cursor.owners(Set.of(0, 1, 2)::contains)).containsExactly(2);
        assertThat(cursor.replayNext()).isZero();
        replayed.addAll(replay(cursor));
        assertThat(replayed).as("1 below 14 once, 2 below 15 once").containsExactlyInAnyOrder(1L, 4L, 7L, 10L, 13L, 2L, 5L, 8L, 11L, 14L);
        assertThat(scan(cursor, 18)).containsExactly(15L, 16L, 17L);
    }

    @Test
    void a_failed_replayed_send_takes_the_replay_back_not_the_main_cursor() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0)::contains);
        scan(cursor, 12);
        cursor.owners(Set.of(0, 1)::contains);
        assertThat(scan(cursor, 15)).containsExactly(12L);
        assertThat(replay(cursor)).containsExactly(1L, 4L, 7L, 10L, 13L);
        cursor.failed(4, 1);
        assertThat(cursor.next()).isEqualTo(15);
        assertThat(replay(cursor)).containsExactly(4L, 7L, 10L, 13L);
        assertThat(scan(cursor, 18)).containsExactly(15L, 16L);
        cursor.failed(16, 1); // a send of the main cursor
        assertThat(cursor.replaying()).isFalse();
        assertThat(scan(cursor, 18)).containsExactly(16L);
    }

    @Test
    void losing_a_partition_stops_its_replay() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0)::contains);
        scan(cursor, 12);
        cursor.owners(Set.of(0, 1)::contains);
        assertThat(cursor.owners(Set.of(0)::contains)).isEmpty();
        assertThat(cursor.replaying()).isFalse();
        assertThat(replay(cursor)).isEmpty();
    }

    @Test
    void a_lost_partition_stops_and_a_regained_one_is_resent_whole() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0, 2)::contains);
        scan(cursor, 6);
        assertThat(cursor.owners(Set.of(0)::contains)).isEmpty();
        assertThat(scan(cursor, 12)).containsExactly(6L, 9L);
        // It comes back (the new owner left): whoever ran it meanwhile may not have sent everything.
        assertThat(cursor.owners(Set.of(0, 2)::contains)).containsExactly(2);
        assertThat(scan(cursor, 15)).containsExactly(12L);
        assertThat(replay(cursor)).containsExactly(2L, 5L, 8L, 11L, 14L);
    }

    @Test
    void a_failed_send_is_sent_again_with_what_follows_it() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0, 1)::contains);
        scan(cursor, 12);
        cursor.failed(4, 1);
        assertThat(cursor.next()).isEqualTo(4);
        assertThat(scan(cursor, 12)).containsExactly(4L, 6L, 7L, 9L, 10L);
    }

    @Test
    void a_failure_reported_after_a_takeover_still_goes_back_for_its_partition() {
        PublishCursor cursor = new PublishCursor(3);
        cursor.owners(Set.of(0)::contains);
        scan(cursor, 12);
        cursor.owners(Set.of(0, 1)::contains); // partition 0's place moves up to 12
        cursor.failed(6, 0); // a send of partition 0 made before the takeover failed
        assertThat(scan(cursor, 15)).contains(6L, 9L, 12L).doesNotContain(0L, 3L);
    }

    @Test
    void a_restarted_node_resends_every_partition_it_runs_from_the_start() {
        PublishCursor cursor = new PublishCursor(3);
        assertThat(cursor.owners(p -> true)).containsExactly(0, 1, 2);
        assertThat(scan(cursor, 6)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }
}
