package io.ringwork.core.cluster;

/**
 * What one commit changes, as its {@link PartitionMachine} defines it: replication numbers, sends,
 * counts and fences commits without reading their bodies. The peer codec encodes a body by its
 * {@link #machine} kind.
 */
public interface CommitBody {
    /** The kind of machine the body belongs to ({@link ProcessingMachine#KIND} for the engine's). */
    int machine();
}
