package io.ringwork.core.record;

/**
 * A change at its position in a node's change feed. Positions start at 0 and increase by one per
 * change in commit order, across all partitions, and survive restarts: a consumer resumes from the
 * position after the last one it saw and gets no gaps and no repeats while the entries are retained.
 */
public record FeedEntry(long position, Change change) {}
