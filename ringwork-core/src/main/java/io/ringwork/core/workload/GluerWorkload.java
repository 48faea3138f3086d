package io.ringwork.core.workload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.util.Invariants;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A seeded stream of gluer pieces over {@code tenants × documentsPerTenant} documents: mixed
 * merge, patch, put and delete pieces, and a small fraction of invalid ones (a failing JSON Patch
 * {@code test}, a patch that is not an array, an unknown type). Patches are generated against
 * the document as it will be at that point, so most apply. The same seed gives the same stream.
 *
 * <p>Every piece is folded into {@link #fold()} as it is generated, so after generating the
 * fold holds the expected final document of every content, provided each key's pieces reach
 * the log in generation order. Memory: one document per content. Not thread-safe.
 */
public final class GluerWorkload implements Iterator<NewRecord> {
    /**
     * @param seed               the stream's seed
     * @param tenants            number of tenants ({@code t0}, {@code t1}, ...)
     * @param documentsPerTenant contents per tenant ({@code t0/c0}, ...)
     * @param pieces             total pieces in the stream
     * @param invalidFraction    share of pieces that are invalid on purpose, in [0, 1]
     */
    public record Config(long seed, int tenants, int documentsPerTenant, long pieces, double invalidFraction) {
        public Config {
            Invariants.require(tenants > 0 && documentsPerTenant > 0, "tenants and documents must be positive");
            Invariants.require(pieces >= 0, "pieces must be >= 0, got %s", pieces);
            Invariants.require(invalidFraction >= 0 && invalidFraction <= 1, "invalidFraction must be in [0, 1]");
        }

        public long documents() {
            return (long) tenants * documentsPerTenant;
        }
    }

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int FIELDS = 8;

    private final Config config;
    private final RandomSource random;
    private final SequentialFold fold;
    private long produced;

    public GluerWorkload(Config config, SequentialFold fold) {
        this.config = config;
        this.random = RandomSource.seeded(config.seed());
        this.fold = fold;
    }

    public Config config() {
        return config;
    }

    /** The expected states: the sequential fold of every piece generated so far. */
    public SequentialFold fold() {
        return fold;
    }

    @Override
    public boolean hasNext() {
        return produced < config.pieces();
    }

    @Override
    public NewRecord next() {
        if (!hasNext()) throw new NoSuchElementException();
        String key = "t" + random.nextInt(config.tenants()) + "/c" + random.nextInt(config.documentsPerTenant());
        String id = "w" + config.seed() + "-" + produced;
        JsonNode current = (JsonNode) fold.state(key).value();
        NewRecord piece = random.nextDouble() < config.invalidFraction()
                ? invalid(key, id)
                : valid(key, id, current);
        produced++;
        fold.apply(piece);
        return piece;
    }

    /** Generates the next {@code n} pieces (or fewer at the end of the stream). */
    public List<NewRecord> next(int n) {
        List<NewRecord> batch = new ArrayList<>(n);
        while (batch.size() < n && hasNext()) batch.add(next());
        return batch;
    }

    private NewRecord valid(String key, String id, JsonNode current) {
        double roll = random.nextDouble();
        if (roll < 0.50) return piece(key, GluerProcessor.MERGE, id, mergePatch());
        if (roll < 0.85) return piece(key, GluerProcessor.PATCH, id, jsonPatch(current));
        if (roll < 0.98) return piece(key, GluerProcessor.PUT, id, document());
        return piece(key, GluerProcessor.DELETE, id, JSON.nullNode());
    }

    private NewRecord invalid(String key, String id) {
        return switch (random.nextInt(3)) {
            case 0 -> piece(key, GluerProcessor.PATCH, id, JSON.arrayNode()
                    .add(op("test", "/f0").put("value", "never-this-value-" + random.nextLong())));
            case 1 -> piece(key, GluerProcessor.PATCH, id, JSON.objectNode().put("op", "not-an-array"));
            default -> piece(key, "gluer.bogus", id, JSON.objectNode());
        };
    }

    private ObjectNode mergePatch() {
        ObjectNode patch = JSON.objectNode();
        int fields = 1 + random.nextInt(3);
        for (int i = 0; i < fields; i++) {
            String field = "f" + random.nextInt(FIELDS);
            if (random.nextInt(8) == 0) patch.putNull(field);
            else patch.set(field, value());
        }
        return patch;
    }

    private ArrayNode jsonPatch(JsonNode current) {
        ArrayNode ops = JSON.arrayNode();
        List<String> existing = new ArrayList<>();
        if (current != null && current.isObject()) current.fieldNames().forEachRemaining(existing::add);
        if (existing.isEmpty()) {
            ops.add(op("add", "/f" + random.nextInt(FIELDS)).set("value", value()));
            return ops;
        }
        String field = existing.get(random.nextInt(existing.size()));
        switch (random.nextInt(5)) {
            case 0 -> ops.add(op("replace", "/" + field).set("value", value()));
            case 1 -> ops.add(op("remove", "/" + field));
            case 2 -> {
                ops.add(op("test", "/" + field).set("value", current.get(field)));
                ops.add(op("replace", "/" + field).set("value", value()));
            }
            case 3 -> ops.add(op("copy", "/f" + random.nextInt(FIELDS)).put("from", "/" + field));
            default -> {
                if (current.path("tags").isArray()) ops.add(op("add", "/tags/-").put("value", "tag" + random.nextInt(100)));
                else ops.add(op("add", "/tags").set("value", JSON.arrayNode().add("tag" + random.nextInt(100))));
            }
        }
        return ops;
    }

    private ObjectNode document() {
        ObjectNode doc = JSON.objectNode();
        doc.put("title", "title-" + random.nextInt(1_000_000));
        doc.set("f" + random.nextInt(FIELDS), value());
        return doc;
    }

    private JsonNode value() {
        return switch (random.nextInt(4)) {
            case 0 -> JSON.numberNode(random.nextInt(1_000_000));
            case 1 -> JSON.textNode("v" + random.nextInt(1_000_000));
            case 2 -> JSON.objectNode().put("a", random.nextInt(100)).put("b", "x" + random.nextInt(100));
            default -> JSON.booleanNode(random.nextInt(2) == 0);
        };
    }

    private static ObjectNode op(String name, String path) {
        return JSON.objectNode().put("op", name).put("path", path);
    }

    private static NewRecord piece(String key, String type, String id, JsonNode data) {
        return new NewRecord(key, type, id, JsonStateCodec.INSTANCE.encode(data));
    }
}
