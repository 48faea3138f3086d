package io.ringwork.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import java.util.List;
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
