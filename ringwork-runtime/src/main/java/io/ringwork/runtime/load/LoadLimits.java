package io.ringwork.runtime.load;

/**
 * The limits past which a node refuses new work with {@code 503 busy} (issue 21, item 7).
 *
 * @param inFlightMax       requests that add work (every method but GET, HEAD and OPTIONS) being
 *                          served at once; one more is refused
 * @param heapPercentMax    heap held after the last collection, in percent of the maximum heap;
 *                          at or above it new work is refused
 * @param queuedMessagesMax messages waiting in this node's subscriber queues, all together; at or
 *                          above it new work and new subscriptions are refused
 */
public record LoadLimits(int inFlightMax, int heapPercentMax, long queuedMessagesMax) {
    /** 1,024 requests, 90 % of the heap, 100,000 queued messages. */
    public static final LoadLimits DEFAULTS = new LoadLimits(1024, 90, 100_000);

    public LoadLimits {
        if (inFlightMax < 1) throw new IllegalArgumentException("max-inflight-requests must be at least 1, got " + inFlightMax);
        if (heapPercentMax < 1 || heapPercentMax > 100) {
            throw new IllegalArgumentException("max-heap-percent must be in [1, 100], got " + heapPercentMax);
        }
        if (queuedMessagesMax < 1) throw new IllegalArgumentException("max-queued-messages must be at least 1, got " + queuedMessagesMax);
    }

    public LoadLimits withInFlightMax(int v) { return new LoadLimits(v, heapPercentMax, queuedMessagesMax); }
    public LoadLimits withHeapPercentMax(int v) { return new LoadLimits(inFlightMax, v, queuedMessagesMax); }
    public LoadLimits withQueuedMessagesMax(long v) { return new LoadLimits(inFlightMax, heapPercentMax, v); }
}
