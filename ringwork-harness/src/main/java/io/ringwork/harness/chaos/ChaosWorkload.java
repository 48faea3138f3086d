package io.ringwork.harness.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.workload.GluerWorkload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos run's seeded workload: gluer pieces from {@link GluerWorkload} mixed with resource
 * events ({@code res/rN}) that carry a per-key sequence number, so a lost or repeated event shows
 * in the resource's final {@code seq}. Everything generated is folded, in generation order, into
 * one {@link SequentialFold}; every record has a unique idempotency id. Not thread-safe.
 */
public final class ChaosWorkload {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Share of resource events among the records. */
    private static final double RESOURCE_SHARE = 0.2;

    /** One generated record and whether the fold applied it (false: rejected, a dead letter). */
    public record Generated(NewRecord record, boolean applied) {}

    private final GluerWorkload gluer;
    private final SequentialFold fold;
    private final RandomSource random;
    private final int resources;
    private final long seed;
    private final Map<String, Integer> sequenceByKey = new HashMap<>();
    private long resourceEvents;

    public ChaosWorkload(long seed, int tenants, int docs, double invalid, int resources, SequentialFold fold) {
        this.gluer = new GluerWorkload(new GluerWorkload.Config(seed, tenants, docs, Long.MAX_VALUE, invalid), fold);
        this.fold = fold;
        this.random = RandomSource.seeded(seed ^ 0x5DEECE66DL);
        this.resources = Math.max(1, resources);
        this.seed = seed;
    }

    public SequentialFold fold() {
        return fold;
    }

    /** The next {@code n} records, folded. */
    public List<Generated> next(int n) {
        List<Generated> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long rejectedBefore = fold.rejectedCount();
            NewRecord record;
            if (random.nextDouble() < RESOURCE_SHARE) {
                record = resourceEvent();
                fold.apply(record);
            } else {
                record = gluer.next(); // GluerWorkload folds its own pieces
            }
            batch.add(new Generated(record, fold.rejectedCount() == rejectedBefore));
        }
        return batch;
    }

    /** The folded value of {@code key}: null when absent, deleted or never valid. */
    public JsonNode expectedValue(String key) {
        VersionedState state = fold.state(key);
        return state.exists() ? (JsonNode) state.value() : null;
    }

    private NewRecord resourceEvent() {
        String key = "res/r" + random.nextInt(resources);
        int seq = sequenceByKey.merge(key, 1, Integer::sum);
        String id = "r" + seed + "-" + resourceEvents++;
        double roll = random.nextDouble();
        String type;
        ObjectNode data = JSON.objectNode().put("seq", seq);
        if (seq == 1 || roll < 0.15) {
            type = seq == 1 ? "resource.create" : "resource.update";
            data.put("name", "name-" + random.nextInt(1000)).put("size", random.nextInt(1_000_000));
        } else if (roll < 0.97) {
            type = "resource.patch";
            data.put("f" + random.nextInt(4), random.nextInt(1000));
        } else {
            return new NewRecord(key, "resource.delete", id, JsonStateCodec.INSTANCE.encode(JSON.nullNode()));
        }
        return new NewRecord(key, type, id, JsonStateCodec.INSTANCE.encode(data));
    }
}
