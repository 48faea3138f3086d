package io.ringwork.runtime.http;

import io.ringwork.core.store.StateStore;
import io.ringwork.runtime.store.RocksStateStore;

/**
 * The waits between two asks of a key's owner (or its replicas) while a write's answer or a
 * read's checkpoint is pending: until this node's store moves (a commit or a replicated write
 * here, so a local owner is asked again at once) or 1 ms, doubling up to {@link #POLL_MAX_MS}
 * while nothing moves, until a deadline. Call {@link #mark} before each ask. One per request;
 * not thread-safe.
 */
final class OwnerWait {
    /** The longest pause between two asks when nothing moves here; the first is 1 ms. */
    static final long POLL_MAX_MS = 8;

    private final StateStore store;
    private final long deadlineNs;
    private long pauseMs = 1;
    private long seen;

    OwnerWait(StateStore store, long timeoutMs) {
        this.store = store;
        this.deadlineNs = System.nanoTime() + timeoutMs * 1_000_000;
        mark();
    }

    /** Notes this node's store's writes before an ask: a write after it ends the next pause. */
    void mark() {
        seen = store instanceof RocksStateStore rocks ? rocks.progressCount() : 0;
    }

    boolean expired() {
        return System.nanoTime() > deadlineNs;
    }

    /** Waits as the class says; an interrupt (the node stopping) is an indefinite 503. */
    void pause() {
        try {
            boolean moved;
            if (store instanceof RocksStateStore rocks) {
                moved = rocks.awaitProgress(seen, pauseMs);
            } else {
                Thread.sleep(pauseMs);
                moved = false;
            }
            if (!moved) pauseMs = Math.min(POLL_MAX_MS, pauseMs * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "interrupted", "the node is stopping", false);
        }
    }
}
