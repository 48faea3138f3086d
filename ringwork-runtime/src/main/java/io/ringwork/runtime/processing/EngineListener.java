package io.ringwork.runtime.processing;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import java.util.List;

/**
 * Told about every commit, after it is durable, on the engine's commit thread: must be quick and
 * must not block (hand work off to another thread).
 */
public interface EngineListener {
    /**
     * @param changes     changes of applied records at their feed positions, in feed order
     * @param deadLetters records rejected in this commit
     * @param skipped     records skipped as duplicates (offset at or below the key's version)
     */
    void committed(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped);

    /** The engine stopped on an unrecoverable error (a storage failure, a bug); the node must stop. */
    default void failed(Throwable cause) {}

    EngineListener NONE = (changes, deadLetters, skipped) -> {};
}
