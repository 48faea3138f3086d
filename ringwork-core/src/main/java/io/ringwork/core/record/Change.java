package io.ringwork.core.record;

/**
 * One entry of the change feed: the state of {@code key} after the record at {@code version}.
 * A consumer that keeps the highest version per key never sees a key go backwards.
 *
 * @param valueJson   the new state as UTF-8 JSON; null for a tombstone
 * @param recordId    the idempotency id of the record that caused it, or null
 * @param timestampMs when the causing record was appended to the log
 */
public record Change(int partition, String key, long version, String type, String recordId,
                     long timestampMs, boolean tombstone, byte[] valueJson) {}
