package io.ringwork.harness.chaos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ringwork.runtime.metrics.NodeMetrics;
import org.junit.jupiter.api.Test;

/** The harness reads the node's own /metrics text: the same NodeMetrics the node serves. */
class NodeScrapesTest {
    @Test
    void aNodesScrapeReadsBackItsPartitionCountersCollectionsAndRepairs() {
        NodeMetrics metrics = new NodeMetrics("n1");
        long[] starts = {3, 0, 1};
        long[] releases = {2, 0, 0};
        metrics.partitionChanges(3, p -> starts[p], p -> releases[p]);
        metrics.functionCounter("ringwork.replication.repairs", "repairs", () -> 4);
        System.gc(); // at least one collection for the counters to show

        NodeScrapes.Counters counters = NodeScrapes.parse(metrics.scrape(), 3);

        assertArrayEquals(starts, counters.starts());
        assertArrayEquals(releases, counters.releases());
        assertEquals(4, counters.repairs());
        assertTrue(counters.gcCollections() > 0, "collections: " + counters.gcCollections());
    }

    @Test
    void partitionsBeyondTheCountMalformedLinesAndAnOlderNodeAreSkipped() {
        String text = """
                # HELP ringwork_partition_starts_total times this node started the partition
                ringwork_partition_starts_total{node="n1",partition="1"} 2.0
                ringwork_partition_starts_total{node="n1",partition="9"} 5.0
                ringwork_partition_starts_total{node="n1",partition="x"} 5.0
                ringwork_jvm_gc_collections_total{collector="G1 Young Generation",node="n1"} 7.0
                ringwork_jvm_gc_collections_total{collector="G1 Concurrent GC",node="n1"} 2.0
                ringwork_jvm_gc_seconds_total{collector="G1 Young Generation",node="n1"} 0.25
                ringwork_replication_repairs_total{node="n1"} not-a-number
                """;
        NodeScrapes.Counters counters = NodeScrapes.parse(text, 2);
        assertArrayEquals(new long[] {0, 2}, counters.starts());
        assertNull(counters.releases()); // no such series: an older node, not zero
        assertEquals(9, counters.gcCollections());
        assertEquals(0.25, counters.gcSeconds());
        assertEquals(0, counters.repairs());
    }

    @Test
    void samplesBeyondTheLimitAreCountedNotKept() {
        NodeScrapes scrapes = new NodeScrapes(1);
        NodeScrapes.Counters zero = new NodeScrapes.Counters(new long[1], new long[1], 0, 0, 0);
        for (int i = 0; i < NodeScrapes.MAX_SAMPLES + 3; i++) scrapes.add(new NodeScrapes.Sample("n1", 1, i, i, zero));
        assertEquals(NodeScrapes.MAX_SAMPLES, scrapes.size());
        assertEquals(3, scrapes.dropped());
    }
}
