package io.ringwork.runtime.processing;

import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import java.util.ArrayDeque;

/**
 * One key's pending records and its cached state. The reader appends under the monitor; at most
 * one worker drains it at a time ({@code scheduled}), which is what keeps a key's records in order
 * while other keys run in parallel. {@code state} is touched only by the draining worker; the
 * hand-over between workers goes through the monitor.
 */
final class KeyQueue {
    final String key;
    final ArrayDeque<Record> pending = new ArrayDeque<>(4);
    /** True while a worker owns the drain (or a drain task is queued). Guarded by this. */
    boolean scheduled;
    /** True once evicted from the partition's map; the reader must then make a new queue. Guarded by this. */
    boolean evicted;
    /** The key's state as of the last applied record; owned by the draining worker. */
    VersionedState state;
    /** Version of the last state written to the store; set by the commit thread. */
    volatile long committedVersion = Long.MIN_VALUE;

    KeyQueue(String key) {
        this.key = key;
    }
}
