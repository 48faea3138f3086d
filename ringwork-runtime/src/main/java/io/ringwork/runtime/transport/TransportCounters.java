package io.ringwork.runtime.transport;

import java.util.concurrent.atomic.LongAdder;

/** Byte and drop counters of a transport; thread-safe, monotonic. */
public final class TransportCounters {
    final LongAdder datagramBytesSent = new LongAdder();
    final LongAdder datagramBytesReceived = new LongAdder();
    final LongAdder streamBytesSent = new LongAdder();
    final LongAdder streamBytesReceived = new LongAdder();
    final LongAdder oversizedDropped = new LongAdder();
    final LongAdder queueFullDropped = new LongAdder();
    final LongAdder sendFailures = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();

    /** A consistent-enough copy for metrics (each counter read once). */
    public Snapshot snapshot() {
        return new Snapshot(datagramBytesSent.sum(), datagramBytesReceived.sum(), streamBytesSent.sum(),
                streamBytesReceived.sum(), oversizedDropped.sum(), queueFullDropped.sum(), sendFailures.sum(),
                connectionsRefused.sum());
    }

    /**
     * @param oversizedDropped   messages over the lane's size limit, either direction
     * @param queueFullDropped   reliable frames dropped because the peer's send queue was full
     * @param sendFailures       datagrams the OS refused, frames lost to connect or write errors
     * @param connectionsRefused inbound TCP connections closed because too many were open
     */
    public record Snapshot(long datagramBytesSent, long datagramBytesReceived, long streamBytesSent,
                           long streamBytesReceived, long oversizedDropped, long queueFullDropped, long sendFailures,
                           long connectionsRefused) {}
}
