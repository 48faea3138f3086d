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
    final LongAdder connectionsRefusedPerSource = new LongAdder();
    final LongAdder idleClosed = new LongAdder();
    final LongAdder slowFrameClosed = new LongAdder();
    final LongAdder bufferBudgetClosed = new LongAdder();
    final LongAdder badHelloClosed = new LongAdder();
    final LongAdder receiveErrors = new LongAdder();

    /** A consistent-enough copy for metrics (each counter read once); the gauges come from the transport. */
    Snapshot snapshot(int inboundConnections, long inboundBufferedBytes, long inboundBufferedBytesPeak) {
        return new Snapshot(datagramBytesSent.sum(), datagramBytesReceived.sum(), streamBytesSent.sum(),
                streamBytesReceived.sum(), oversizedDropped.sum(), queueFullDropped.sum(), sendFailures.sum(),
                connectionsRefused.sum(), connectionsRefusedPerSource.sum(), idleClosed.sum(), slowFrameClosed.sum(),
                bufferBudgetClosed.sum(), badHelloClosed.sum(), receiveErrors.sum(), inboundConnections,
                inboundBufferedBytes, inboundBufferedBytesPeak);
    }

    /**
     * Counters are totals since the transport started; the last three are gauges.
     *
     * @param oversizedDropped            messages over the lane's size limit, either direction; an
     *                                    inbound frame header over the limit also closes its connection
     * @param queueFullDropped            reliable frames dropped because the peer's send queue was full
     * @param sendFailures                datagrams the OS refused, frames lost to connect or write errors
     * @param connectionsRefused          inbound TCP connections closed at accept: too many open
     * @param connectionsRefusedPerSource inbound TCP connections closed at accept: too many from that IP
     * @param idleClosed                  inbound connections closed because no frame began in the idle timeout
     * @param slowFrameClosed             inbound connections closed because a frame (or the hello) took
     *                                    longer than the frame timeout
     * @param bufferBudgetClosed          inbound connections closed because their frame would exceed the
     *                                    bytes all partly read frames may hold together
     * @param badHelloClosed              inbound connections whose first frame was not a host:port
     * @param receiveErrors               unexpected errors in a receive loop (counted, the loop goes on)
     * @param inboundConnections          inbound connections open now
     * @param inboundBufferedBytes        bytes of partly read inbound frames held now
     * @param inboundBufferedBytesPeak    the highest {@code inboundBufferedBytes} since start
     */
    public record Snapshot(long datagramBytesSent, long datagramBytesReceived, long streamBytesSent,
                           long streamBytesReceived, long oversizedDropped, long queueFullDropped, long sendFailures,
                           long connectionsRefused, long connectionsRefusedPerSource, long idleClosed,
                           long slowFrameClosed, long bufferBudgetClosed, long badHelloClosed, long receiveErrors,
                           int inboundConnections, long inboundBufferedBytes, long inboundBufferedBytesPeak) {}
}
