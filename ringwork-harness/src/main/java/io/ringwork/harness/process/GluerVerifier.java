package io.ringwork.harness.process;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.VersionedState;
import io.ringwork.runtime.client.RingworkClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compares every document a node serves with the sequential fold of the pieces that were produced:
 * a key whose served document differs (or is missing, or present though the fold deleted it) is
 * divergent.
 */
public final class GluerVerifier {
    /** The comparison's outcome; {@code examples} holds up to five divergent keys with what differed. */
    public record Result(long checked, long present, long absent, long divergent, List<String> examples) {}

    private GluerVerifier() {}

    public static Result verify(RingworkClient client, SequentialFold fold) throws Exception {
        AtomicLong present = new AtomicLong();
        AtomicLong absent = new AtomicLong();
        AtomicLong divergent = new AtomicLong();
        List<String> examples = new ArrayList<>();
        List<Future<?>> pending = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Map.Entry<String, VersionedState> entry : fold.states().entrySet()) {
                pending.add(pool.submit(() -> {
                    String key = entry.getKey();
                    JsonNode expected = entry.getValue().exists() ? (JsonNode) entry.getValue().value() : null;
                    JsonNode served = client.state(key);
                    JsonNode actual = served == null ? null : served.get("value");
                    if (actual == null) absent.incrementAndGet();
                    else present.incrementAndGet();
                    boolean same = expected == null ? actual == null : expected.equals(actual);
                    if (!same) {
                        divergent.incrementAndGet();
                        synchronized (examples) {
                            if (examples.size() < 5) examples.add(key + ": expected " + expected + " but node has " + actual);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : pending) f.get();
        }
        return new Result(fold.states().size(), present.get(), absent.get(), divergent.get(), examples);
    }

    /**
     * Polls {@code /v1/cluster} until the node's store holds every record of every partition
     * ({@link #holdsAll}): its own partitions applied and its replicas of the others caught up.
     * False on timeout.
     */
    public static boolean awaitHeld(RingworkClient client, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (holdsAll(client.cluster())) return true;
            Thread.sleep(50);
        }
        return false;
    }

    /**
     * Whether a node's {@code /v1/cluster} answer shows the checkpoint at the log's end (a
     * {@code lag} of 0) on every partition it holds: those it owns or replicates. A node restarted
     * late may still be catching up its replicas when its own partitions are done: read then, they
     * look divergent. A partition outside its replica set it does not hold at all (scale-out).
     */
    static boolean holdsAll(JsonNode cluster) {
        JsonNode partitions = cluster.path("partitions");
        if (partitions.isEmpty()) return false;
        String self = cluster.path("node").asText();
        for (JsonNode p : partitions) {
            boolean holds = self.equals(p.path("owner").asText());
            for (JsonNode replica : p.path("replicas")) holds |= self.equals(replica.asText());
            if (holds && p.path("lag").asLong(-1) != 0) return false;
        }
        return true;
    }

    /** Polls {@code /v1/cluster} until no partition lags and the log holds {@code expectedRecords}; false on timeout. */
    public static boolean awaitApplied(RingworkClient client, long expectedRecords, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            JsonNode cluster = client.cluster();
            long logged = 0;
            for (JsonNode p : cluster.path("partitions")) logged += p.path("logEnd").asLong();
            if (logged >= expectedRecords && cluster.path("totals").path("lag").asLong() == 0) return true;
            Thread.sleep(50);
        }
        return false;
    }
}
