package io.ringwork.runtime.http.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of request bodies the server holds at once, reserved as they arrive and released when
 * their exchange ends: the bound that replaces "allocate what Content-Length says". A reservation
 * that would pass the limit fails at once rather than waiting. Thread-safe.
 */
final class ByteBudget {
    private final long limitBytes;
    private final AtomicLong usedBytes = new AtomicLong();

    ByteBudget(long limitBytes) {
        this.limitBytes = limitBytes;
    }

    boolean tryReserve(long bytes) {
        while (true) {
            long used = usedBytes.get();
            if (used + bytes > limitBytes) return false;
            if (usedBytes.compareAndSet(used, used + bytes)) return true;
        }
    }

    void release(long bytes) {
        usedBytes.addAndGet(-bytes);
    }

    long usedBytes() {
        return usedBytes.get();
    }

    long limitBytes() {
        return limitBytes;
    }
}
