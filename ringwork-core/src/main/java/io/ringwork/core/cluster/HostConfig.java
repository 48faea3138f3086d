package io.ringwork.core.cluster;

import io.ringwork.core.util.Invariants;

/**
 * The timings and sizes of a {@link PartitionHost}. {@link #DEFAULTS} are the node's; the
 * simulator runs them too, scaled only where its small data needs it ({@link #withSnapshots},
 * {@link #withDigestInterval}, each documented where the simulator calls it).
 *
 * @param reconcileMs      how often ownership is reconciled without a membership change
 * @param handoffWaitMs    a new owner waits at most this for the old one to release a partition;
 *                         release notices and sightings count for it (sightings for half of it)
 * @param handoffLagMs     the handoff gate: the new owner answers "now" when it owes nothing older...
 * @param handoffGateMs    ...and a moved partition's stop waits for that at most this (below the handoff wait)
 * @param restartBackoffMs a deposed owner does not start the partition again for this long
 * @param catchUpQuietMs   catch-ups count as over when none ran for this long...
 * @param readyHoldMaxMs   ...and newly in-sync partitions wait for that at most this before they are announced ready
 * @param joinWaitMs       a node given seeds runs nothing alone for this long after it starts (it joins first)
 * @param linkRetryMs      an owner waits this after a failed link before it says Hello again
 * @param snapshotPageSize states per snapshot page
 * @param pagesPerTick     snapshot pages an owner sends per tick and member at most
 * @param digestIntervalMs anti-entropy: how often an idle owner checks each in-sync replica's digest
 * @param stopDrainMs      a graceful stop waits at most this for its last commits to become durable
 * @param leaveWaitMs      a graceful leave waits at most this for the owners to hold what this node holds
 * @param dropQuietMs      a partition this node no longer replicates is dropped only after no replication
 *                         message of it arrived for this long
 * @param relay            the feed relay of the partitions this node does not replicate
 */
public record HostConfig(long reconcileMs, long handoffWaitMs, long handoffLagMs, long handoffGateMs, long restartBackoffMs,
                         long catchUpQuietMs, long readyHoldMaxMs, long joinWaitMs, long linkRetryMs, int snapshotPageSize,
                         int pagesPerTick, long digestIntervalMs, long stopDrainMs, long leaveWaitMs, long dropQuietMs,
                         FeedRelay.Config relay) {
    /** The node's timings. */
    public static final HostConfig DEFAULTS = new HostConfig(100, 5_000, 250, 4_000, 1_000, 300, 10_000, 3_000, 500, 256, 8,
            10_000, 5_000, 30_000, 5_000, new FeedRelay.Config(256, 16_384, 100, 10_000, 1_000));

    public HostConfig {
        Invariants.require(handoffGateMs < handoffWaitMs, "the handoff gate must be shorter than the handoff wait");
        Invariants.require(snapshotPageSize > 0 && pagesPerTick > 0, "snapshot pages must be positive");
        Invariants.require(relay != null, "relay config required");
    }

    /** Smaller snapshot pages, for data small enough that node-sized pages would never make a second one. */
    public HostConfig withSnapshots(int pageSize, int perTick) {
        return new HostConfig(reconcileMs, handoffWaitMs, handoffLagMs, handoffGateMs, restartBackoffMs, catchUpQuietMs,
                readyHoldMaxMs, joinWaitMs, linkRetryMs, pageSize, perTick, digestIntervalMs, stopDrainMs, leaveWaitMs,
                dropQuietMs, relay);
    }

    /** Another anti-entropy interval, for runs too short for the node's to come round. */
    public HostConfig withDigestInterval(long intervalMs) {
        return new HostConfig(reconcileMs, handoffWaitMs, handoffLagMs, handoffGateMs, restartBackoffMs, catchUpQuietMs,
                readyHoldMaxMs, joinWaitMs, linkRetryMs, snapshotPageSize, pagesPerTick, intervalMs, stopDrainMs, leaveWaitMs,
                dropQuietMs, relay);
    }

    /** Another feed relay configuration. */
    public HostConfig withRelay(FeedRelay.Config relayConfig) {
        return new HostConfig(reconcileMs, handoffWaitMs, handoffLagMs, handoffGateMs, restartBackoffMs, catchUpQuietMs,
                readyHoldMaxMs, joinWaitMs, linkRetryMs, snapshotPageSize, pagesPerTick, digestIntervalMs, stopDrainMs,
                leaveWaitMs, dropQuietMs, relayConfig);
    }
}
