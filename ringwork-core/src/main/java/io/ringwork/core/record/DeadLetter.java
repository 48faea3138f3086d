package io.ringwork.core.record;

/**
 * A record its processor rejected. It was applied as a no-op (the key's version moved past it),
 * so the key never stalls on it.
 */
public record DeadLetter(int partition, long offset, String key, String type, String recordId,
                         long timestampMs, String reason) {}
