package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.node.Processors;
import io.ringwork.harness.process.GluerVerifier;
import io.ringwork.harness.process.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node process is killed with SIGKILL twice, once while a producer is sending and once
 * while it is catching up. The producer retries an unanswered batch with the same ids (the log
 * drops the copies), as a client of an at-least-once API must. After the last restart every
 * document must equal the sequential fold: nothing lost, nothing applied twice in effect (the
 * workload appends to arrays, so a double application would show).
 */
class NodeCrashTest {
    private static final int PIECES = 30_000;
    private static final int BATCH = 500;
    @TempDir Path dir;

    @Test
    @Timeout(240)
    void sigkillWhileProducingAndWhileCatchingUpLosesAndDuplicatesNothing() throws Exception {
        SequentialFold fold = new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load())));
        GluerWorkload workload = new GluerWorkload(new GluerWorkload.Config(99, 5, 200, PIECES, 0.01), fold);
        Path data = dir.resolve("node"), log = dir.resolve("log");
        NodeProcess node = NodeProcess.start("crash-1", data, log, List.of("--partitions", "16"));
        try {
            RingworkClient client = new RingworkClient(node.awaitReady(60_000));
            int sent = 0;
            int kills = 0;
            while (workload.hasNext()) {
                List<NewRecord> batch = workload.next(BATCH);
                if (sent >= PIECES / 3 && kills == 0) {
                    // Kill while a request is on its way: the batch may or may not be in the log.
                    NodeProcess victim = node;
                    Thread killer = Thread.ofVirtual().start(() -> killQuietly(victim));
                    sendQuietly(client, batch);
                    killer.join();
                    kills++;
                    node = NodeProcess.start("crash-1", data, log, List.of());
                    client = new RingworkClient(node.awaitReady(60_000));
                }
                send(client, batch);
                sent += batch.size();
            }
            // Second kill: right after the last batch, while the node is still applying.
            node.kill();
            node = NodeProcess.start("crash-1", data, log, List.of());
            client = new RingworkClient(node.awaitReady(60_000));

            assertThat(GluerVerifier.awaitApplied(client, PIECES, 120_000)).as("all applied after restarts").isTrue();
            JsonNode cluster = client.cluster();
            long logged = 0;
            for (JsonNode p : cluster.path("partitions")) logged += p.path("logEnd").asLong();
            assertThat(logged).as("each piece in the log exactly once despite the retried batch").isEqualTo(PIECES);
            GluerVerifier.Result check = GluerVerifier.verify(client, fold);
            assertThat(check.divergent()).as("divergent documents: %s", check.examples()).isZero();
            assertThat(check.checked()).isEqualTo(1000);
            assertThat(client.get("/v1/dead-letters?limit=10000").path("count").asLong()).isEqualTo(fold.rejectedCount());
        } finally {
            node.close();
        }
    }

    private static void killQuietly(NodeProcess node) {
        try {
            node.kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sendQuietly(RingworkClient client, List<NewRecord> batch) {
        try {
            client.produce(batch);
        } catch (IOException | InterruptedException e) {
            // Indefinite: the node may have appended it before dying. The caller re-sends it.
        }
    }

    /** Sends a batch, retrying briefly on connection errors; duplicates are dropped by id. */
    private static void send(RingworkClient client, List<NewRecord> batch) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                client.produce(batch);
                return;
            } catch (IOException e) {
                if (attempt == 20) throw e;
                Thread.sleep(100);
            }
        }
    }
}
