package io.ringwork.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.membership.MemberState;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.transport.Address;
import io.ringwork.runtime.membership.MembershipService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NodeMetricsTest {
    private static FeedEntry change(long position, String type, String key) {
        return new FeedEntry(position, new Change(0, key, 1, type, "id-" + position, 1_000, false, null));
    }

    @Test
    void replicatedChangesRegisterTheirNamespacesAtZeroAndOnlyCommitsCount() {
        NodeMetrics metrics = new NodeMetrics("n1");
        metrics.prepare(List.of(change(0, "gluer.piece", "acme/doc-1"), change(1, "resource.update", "res/r1")));

        assertThat(metrics.existingNamespace("gluer", "acme")).isNotNull();
        assertThat(metrics.existingNamespace("gluer", "acme").applied().count()).isZero();
        assertThat(metrics.existingNamespace("resource", "res").applied().count()).isZero();
        assertThat(metrics.scrape()).contains("namespace=\"acme\"");

        metrics.committed(List.of(change(2, "gluer.piece", "acme/doc-2")), List.of(), 0, 2_000);
        assertThat(metrics.existingNamespace("gluer", "acme").applied().count()).isEqualTo(1.0);
        assertThat(metrics.existingNamespace("resource", "res").applied().count()).isZero();
    }

    @Test
    void aCommitsChangesAreCountedPerNamespaceHoweverTheyInterleave() {
        NodeMetrics metrics = new NodeMetrics("n1");
        List<FeedEntry> changes = List.of(change(0, "gluer.piece", "acme/a"), change(1, "gluer.merge", "acme/b"),
                change(2, "gluer.piece", "beta/a"), change(3, "resource.update", "acme/c"), change(4, "gluer.piece", "acme"),
                change(5, "gluer.piece", "acme/d"), change(6, "nodot", "x/1"), change(7, "other", "x/2"), change(8, "gluer.piece", "acmex/e"),
                change(9, "gluerx.piece", "acme/f"), change(10, "gluer.piece", "/lead"), change(11, "gluer.piece", "/lead"));
        metrics.committed(changes, List.of(), 0, 2_000);
        assertThat(metrics.existingNamespace("gluer", "acme").applied().count()).isEqualTo(4.0); // acme/a, acme/b, acme, acme/d
        assertThat(metrics.existingNamespace("gluer", "beta").applied().count()).isEqualTo(1.0);
        assertThat(metrics.existingNamespace("resource", "acme").applied().count()).isEqualTo(1.0);
        assertThat(metrics.existingNamespace("unknown", "x").applied().count()).isEqualTo(2.0);
        assertThat(metrics.existingNamespace("gluer", "acmex").applied().count()).isEqualTo(1.0);
        assertThat(metrics.existingNamespace("gluerx", "acme").applied().count()).isEqualTo(1.0);
        assertThat(metrics.existingNamespace("gluer", "/lead").applied().count()).isEqualTo(2.0); // a leading '/' is no namespace
        // Every change counted once, whatever the grouping did.
        assertThat(sum(metrics.scrape(), "ringwork_records_applied_total")).isEqualTo(changes.size());
    }

    /**
     * Micrometer holds the object a FunctionCounter or Gauge reads through a weak reference: a
     * supplier that only the meters referenced was collected at the first full GC, after which the
     * counters froze and the gauges read NaN. The GCs below make that happen on purpose.
     */
    @Test
    void membershipCountersKeepCountingAfterGarbageCollection() throws Exception {
        MembershipConfig config = MembershipConfig.fast("metrics-test");
        try (MembershipService a = MembershipService.bind(new MembershipService.Settings("a", config, List.of(), Map.of(), null),
                     "127.0.0.1", 0).start();
             MembershipService b = MembershipService.bind(new MembershipService.Settings("b", config,
                     List.of(a.localAddress()), Map.of(), null), "127.0.0.1", 0).start()) {
            NodeMetrics metrics = new NodeMetrics("a");
            metrics.membership(() -> a);
            for (int i = 0; i < 3; i++) System.gc();

            await().atMost(Duration.ofSeconds(10)).until(() -> a.members().stream()
                    .anyMatch(m -> m.id().equals("b") && m.state() == MemberState.ALIVE) && a.metrics().protocol().acksReceived() > 2);
            for (int i = 0; i < 3; i++) System.gc();
            String scrape = metrics.scrape();

            assertThat(sample(scrape, "ringwork_membership_probes_total")).isPositive();
            assertThat(sample(scrape, "ringwork_membership_acks_total")).isPositive();
            assertThat(sample(scrape, "ringwork_membership_gossip_bytes_received_total")).isPositive();
            assertThat(sample(scrape, "ringwork_membership_sync_bytes_received_total")).isPositive();
            assertThat(sample(scrape, "ringwork_membership_members_active")).isEqualTo(2.0);
            assertThat(sample(scrape, "ringwork_membership_local_health")).isNotNaN();
            assertThat(sample(scrape, "ringwork_membership_transport_receive_errors_total")).isZero();
            assertThat(sample(scrape, "ringwork_membership_transport_inbound_connections")).isNotNaN();
        }
    }

    /** The value of the first sample of {@code name} in a Prometheus scrape; fails if absent. */
    static double sample(String scrape, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        assertThat(matcher.find()).as("%s in the scrape", name).isTrue();
        return Double.parseDouble(matcher.group(2));
    }

    /** Partition starts and releases, one series each per partition from the start, read at each scrape. */
    @Test
    void partitionStartsAndReleasesArePerPartitionCounters() {
        NodeMetrics metrics = new NodeMetrics("n1");
        long[] starts = {2, 0, 5};
        long[] releases = {1, 0, 4};
        metrics.partitionChanges(3, p -> starts[p], p -> releases[p]);
        for (int i = 0; i < 3; i++) System.gc();
        String scrape = metrics.scrape();
        assertThat(scrape).contains("ringwork_partition_starts_total{node=\"n1\",partition=\"0\"} 2.0")
                .contains("ringwork_partition_starts_total{node=\"n1\",partition=\"1\"} 0.0")
                .contains("ringwork_partition_releases_total{node=\"n1\",partition=\"2\"} 4.0");
        starts[1] = 7;
        assertThat(metrics.scrape()).contains("ringwork_partition_starts_total{node=\"n1\",partition=\"1\"} 7.0");
    }

    /** Collections counted by the JVM's own beans: a System.gc() is one more collection of some collector. */
    @Test
    void garbageCollectionsAreCountedPerCollector() {
        NodeMetrics metrics = new NodeMetrics("n1");
        double before = sum(metrics.scrape(), "ringwork_jvm_gc_collections_total");
        System.gc();
        String scrape = metrics.scrape();
        assertThat(sum(scrape, "ringwork_jvm_gc_collections_total")).isGreaterThan(before);
        assertThat(scrape).contains("ringwork_jvm_gc_seconds_total{collector=");
    }

    private static double sum(String scrape, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*\\} (\\S+)$").matcher(scrape);
        double sum = 0;
        while (matcher.find()) sum += Double.parseDouble(matcher.group(1));
        return sum;
    }

    /** Micrometer holds a function counter's object weakly: a method reference held by no one else ended the series at the first GC. */
    @Test
    void aFunctionCounterOutlivesAGarbageCollection() {
        NodeMetrics metrics = new NodeMetrics("n1");
        java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong(42);
        metrics.functionCounter("ringwork.test.events", "test events", total::get);
        metrics.functionCounter("ringwork.test.drops", "test drops", "reason", "x", total::get);
        for (int i = 0; i < 3; i++) System.gc();
        assertThat(metrics.scrape()).contains("ringwork_test_events_total{node=\"n1\"} 42.0")
                .contains("ringwork_test_drops_total{node=\"n1\",reason=\"x\"} 42.0");
    }
}
