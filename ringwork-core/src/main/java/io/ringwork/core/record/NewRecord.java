package io.ringwork.core.record;

import java.util.Objects;

/**
 * A record on its way into the log: the log assigns partition, offset and timestamp.
 *
 * @param key  never null or empty
 * @param type never null or empty
 * @param id   the producer's idempotency id, or null
 * @param data JSON payload as UTF-8 bytes, never null
 */
public record NewRecord(String key, String type, String id, byte[] data) {
    public NewRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }
}
