package io.ringwork.core.id;

import io.ringwork.core.util.Invariants;
import java.nio.charset.StandardCharsets;

/**
 * Key to partition: {@code toPositive(murmur2(utf8(key))) % partitionCount}, the function of
 * Kafka's default partitioner for keyed records. Immutable and thread-safe.
 */
public final class Partitioner {
    private final int partitionCount;

    public Partitioner(int partitionCount) {
        Invariants.require(partitionCount > 0, "partition count must be positive, got %s", partitionCount);
        this.partitionCount = partitionCount;
    }

    public int partitionCount() {
        return partitionCount;
    }

    public int partitionOf(String key) {
        return partitionOf(key.getBytes(StandardCharsets.UTF_8));
    }

    public int partitionOf(byte[] utf8Key) {
        return Murmur2.toPositive(Murmur2.hash(utf8Key)) % partitionCount;
    }
}
