package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.log.kafka.KafkaTestBroker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records per second through {@code POST /v1/events} into one in-process node, on the embedded log
 * and on Kafka (the test JVM's in-process broker), median of three runs each: ingest (acknowledged)
 * and applied (lag 0). A measurement, not a target: run with {@code -Pslow}; it prints its table.
 */
@Tag("slow")
class KafkaIngestThroughputTest {
    private static final int RECORDS = 60_000;
    private static final int BATCH = 500;
    private static final int CLIENTS = 4;
    @TempDir Path dir;

    @Test
    void postEventsOnKafkaAgainstTheEmbeddedLog() throws Exception {
        KafkaTestBroker broker = KafkaTestBroker.shared();
        double[][] embedded = new double[3][], kafka = new double[3][];
        for (int run = 0; run < 3; run++) {
            embedded[run] = measure(NodeConfig.defaults().withLogDir(dir.resolve("log-" + run)).withPartitions(16), "e" + run);
            kafka[run] = measure(NodeConfig.defaults().withKafka(broker.bootstrap()).withTopic(broker.newTopic("ingest", 16)), "k" + run);
        }
        System.out.printf("POST /v1/events, one node, %d gluer pieces in batches of %d from %d clients, median of 3:%n", RECORDS, BATCH, CLIENTS);
        System.out.printf("  embedded log (fsync interval): %,.0f records/s acknowledged, %,.0f records/s applied%n", median(embedded, 0), median(embedded, 1));
        System.out.printf("  Kafka (in-process broker):     %,.0f records/s acknowledged, %,.0f records/s applied%n", median(kafka, 0), median(kafka, 1));
    }

    private double[] measure(NodeConfig base, String id) throws Exception {
        RingworkNode node = RingworkNode.start(base.withNodeId("tp-" + id).withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data-" + id)).withReplicationFactor(1));
        try {
            RingworkClient client = new RingworkClient("http://" + node.httpAddress());
            GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(5, 10, 500, RECORDS, 0.0),
                    new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load()))));
            List<List<NewRecord>> batches = new ArrayList<>();
            while (workload.hasNext()) batches.add(workload.next(BATCH));
            long startNs = System.nanoTime();
            try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> sent = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int first = c;
                    sent.add(clients.submit(() -> {
                        for (int b = first; b < batches.size(); b += CLIENTS) client.produce(batches.get(b));
                        return null;
                    }));
                }
                for (Future<?> f : sent) f.get();
            }
            double ackedSeconds = (System.nanoTime() - startNs) / 1e9;
            long deadline = System.currentTimeMillis() + 120_000;
            // Every record is acknowledged, so in the log: a lag of 0 means all of them are applied.
            while (node.totalLag() > 0) {
                assertThat(System.currentTimeMillis()).as("applied within 2 minutes").isLessThan(deadline);
                Thread.sleep(5);
            }
            double appliedSeconds = (System.nanoTime() - startNs) / 1e9;
            return new double[] {RECORDS / ackedSeconds, RECORDS / appliedSeconds};
        } finally {
            node.close();
        }
    }

    private static double median(double[][] runs, int column) {
        double[] values = Arrays.stream(runs).mapToDouble(r -> r[column]).sorted().toArray();
        return values[values.length / 2];
    }
}
