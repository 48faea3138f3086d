package io.ringwork.core.transport;

/**
 * The two ways a node talks to another (STYLE 3). Logic chooses the lane; the runtime maps
 * {@link #BEST_EFFORT} to UDP and {@link #RELIABLE} to TCP, the simulator to its own links.
 */
public enum Lane {
    /** Datagrams: may be lost, duplicated or reordered; small (bounded by the packet size). */
    BEST_EFFORT,
    /** Ordered and complete if delivered at all; larger messages (full-state sync, later replication). */
    RELIABLE
}
