package io.ringwork.core.record;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One event in the log. {@code (partition, offset)} orders all records of a key. The payload is
 * kept as the UTF-8 JSON bytes it arrived as; processors parse it, so a malformed payload is a
 * processor's rejection (dead letter), never a reader failure.
 *
 * @param partition   the partition of {@code key}
 * @param offset      position in the partition, starting at 0, strictly increasing
 * @param key         the resource the event is about; never null or empty
 * @param type        namespaced event type, e.g. {@code gluer.merge}; never null
 * @param id          the producer's idempotency id, or null
 * @param timestampMs when the log appended it (ms since the epoch)
 * @param data        the JSON payload as UTF-8 bytes; never null (may be empty)
 */
public record Record(int partition, long offset, String key, String type, String id,
                     long timestampMs, byte[] data) {
    public Record {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Record[" + partition + "@" + offset + " " + key + " " + type + (id == null ? "" : " id=" + id) + "]";
    }
}
