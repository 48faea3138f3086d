package io.ringwork.runtime.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The publisher's thread over a fake feed and a fake sink: failures, takeovers and states. */
class ChangesPublisherTest {
    private static final int PARTITIONS = 4;

    /** A feed in memory; the partitions "run" here are a mutable set. */
    private static final class FakeSource implements ChangesPublisher.Source {
        final List<FeedEntry> feed = new CopyOnWriteArrayList<>();
        final Set<Integer> runs = ConcurrentHashMap.newKeySet();
        final Set<Integer> incomplete = ConcurrentHashMap.newKeySet();
        final Map<String, Change> states = new ConcurrentHashMap<>();

        synchronized void append(int partition, String key, long version) {
            Change change = new Change(partition, key, version, "t", null, 0, false, ("{\"v\":" + version + "}").getBytes());
            feed.add(new FeedEntry(feed.size(), change));
            states.put(key, change);
        }

        @Override public int partitions() { return PARTITIONS; }
        @Override public List<FeedEntry> changes(long from, int limit) {
            return List.copyOf(feed.subList((int) Math.min(from, feed.size()), (int) Math.min(feed.size(), from + limit)));
        }
        @Override public long feedEnd() { return feed.size(); }
        @Override public boolean runs(int partition) { return runs.contains(partition); }
        @Override public boolean feedIncomplete(int partition) { return incomplete.contains(partition); }
        @Override public List<Change> states(int partition, String afterKey, int limit) {
            return states.values().stream().filter(c -> c.partition() == partition)
                    .filter(c -> afterKey == null || c.key().compareTo(afterKey) > 0)
                    .sorted(java.util.Comparator.comparing(Change::key)).limit(limit)
                    .map(c -> new Change(c.partition(), c.key(), c.version(), ChangesPublisher.STATE_TYPE, null, 0, false, c.valueJson()))
                    .toList();
        }
    }

    /** Acknowledges at once, except the sends it is told to fail; keeps every acknowledged change. */
    private static final class FakeSink implements ChangesPublisher.Sink {
        final List<Change> acked = new CopyOnWriteArrayList<>();
        final AtomicInteger failNext = new AtomicInteger();

        @Override public void send(Change change, Consumer<Exception> done) {
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                done.accept(new RuntimeException("broker away"));
                return;
            }
            acked.add(change);
            done.accept(null);
        }
        @Override public void close(long timeoutMs) {}

        Map<String, Long> maxVersions() {
            Map<String, Long> max = new ConcurrentHashMap<>();
            for (Change change : acked) max.merge(change.key(), change.version(), Math::max);
            return max;
        }
    }

    private static Map<String, Long> finalVersions(FakeSource source, int... partitions) {
        Set<Integer> wanted = new java.util.HashSet<>();
        for (int p : partitions) wanted.add(p);
        Map<String, Long> versions = new java.util.HashMap<>();
        source.states.values().stream().filter(c -> wanted.contains(c.partition())).forEach(c -> versions.put(c.key(), c.version()));
        return versions;
    }

    @Test
    void failed_sends_are_sent_again_and_every_key_ends_at_its_last_version() {
        FakeSource source = new FakeSource();
        source.runs.addAll(List.of(0, 1, 2, 3));
        FakeSink sink = new FakeSink();
        try (ChangesPublisher publisher = new ChangesPublisher(source, sink, "test")) {
            for (int i = 0; i < 2_000; i++) source.append(i % PARTITIONS, "k" + (i % 97), i);
            sink.failNext.set(50);
            for (int i = 2_000; i < 4_000; i++) source.append(i % PARTITIONS, "k" + (i % 97), i);
            publisher.wake();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(sink.maxVersions()).isEqualTo(finalVersions(source, 0, 1, 2, 3)));
            assertThat(publisher.failures()).isEqualTo(50);
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.lag() == 0);
        }
    }

    @Test
    void only_the_partitions_run_here_are_sent_and_a_takeover_resends_the_gained_ones() {
        FakeSource source = new FakeSource();
        source.runs.add(0);
        FakeSink sink = new FakeSink();
        try (ChangesPublisher publisher = new ChangesPublisher(source, sink, "test")) {
            for (int i = 0; i < 400; i++) source.append(i % 2, "k" + i % 40, i);
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.lag() == 0 && sink.acked.size() == 200);
            assertThat(sink.acked).allMatch(c -> c.partition() == 0);
            // Partition 1's owner died without publishing anything: this node takes it over.
            source.runs.add(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(sink.maxVersions()).isEqualTo(finalVersions(source, 0, 1)));
            assertThat(sink.acked).hasSize(400); // partition 0 was not sent again
            assertThat(publisher.rescans()).isEqualTo(2);
        }
    }

    @Test
    void a_takeovers_resend_is_counted_and_does_not_hold_the_new_changes_of_partitions_run_already() {
        FakeSource source = new FakeSource();
        for (int i = 0; i < 30_000; i++) source.append(i % 3, "k" + i % 30, i);
        source.runs.add(0);
        FakeSink sink = new FakeSink();
        try (ChangesPublisher publisher = new ChangesPublisher(source, sink, "test")) {
            // At the start the feed is read from its start anyway: nothing is re-sent.
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.lag() == 0 && sink.acked.size() == 10_000);
            assertThat(publisher.rescanChanges()).isZero();
            // A takeover of partition 2 with 10,000 changes retained (30 pages of the feed), and
            // a new change of partition 0 right after it: the new one is sent beside the re-send.
            source.runs.add(2);
            source.append(0, "new", 30_000);
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.lag() == 0 && publisher.rescanChanges() == 10_000);
            assertThat(sink.acked).as("partition 0 once, partition 2 once, partition 1 never").hasSize(20_001);
            int newAt = sink.acked.indexOf(sink.acked.stream().filter(c -> c.key().equals("new")).findFirst().orElseThrow());
            assertThat(newAt).as("partition 0's new change went out before the re-send of partition 2 was over").isLessThan(20_000);
            assertThat(sink.maxVersions()).isEqualTo(finalVersions(source, 0, 2));
        }
    }

    @Test
    void a_gained_partition_whose_feed_may_lack_changes_sends_its_states_too() {
        FakeSource source = new FakeSource();
        FakeSink sink = new FakeSink();
        for (int i = 0; i < 300; i++) source.append(0, "k" + i % 30, i);
        // As after a catch-up by snapshot: the feed has only the last changes, the states have everything.
        List<FeedEntry> tail = new ArrayList<>(source.feed.subList(290, 300));
        source.feed.clear();
        source.feed.addAll(tail.stream().map(e -> new FeedEntry(e.position() - 290, e.change())).toList());
        source.incomplete.add(0);
        source.runs.add(0);
        try (ChangesPublisher publisher = new ChangesPublisher(source, sink, "test")) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(sink.maxVersions()).isEqualTo(finalVersions(source, 0)));
            assertThat(publisher.statesPublished()).isEqualTo(30);
            assertThat(sink.acked).filteredOn(c -> c.type().equals(ChangesPublisher.STATE_TYPE)).hasSize(30);
        }
    }
}
