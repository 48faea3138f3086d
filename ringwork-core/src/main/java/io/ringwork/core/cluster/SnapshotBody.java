package io.ringwork.core.cluster;

/** One page of a snapshot, as its {@link PartitionMachine} defines it; opaque to replication. */
public interface SnapshotBody {
    /** The kind of machine the page belongs to ({@link ProcessingMachine#KIND} for the engine's). */
    int machine();
}
