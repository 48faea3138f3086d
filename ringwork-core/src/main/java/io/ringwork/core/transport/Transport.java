package io.ringwork.core.transport;

/**
 * Moves encoded bytes between nodes on two lanes. Implemented by the runtime (UDP + TCP) and by
 * the simulator's network, so logic above it runs unchanged in both.
 *
 * <p>Contract: {@link #send} never blocks for long and never throws for network trouble — an
 * undeliverable message is dropped (best-effort) or its connection fails (reliable), and the
 * protocol above recovers by its own timeouts. Messages larger than the lane's limit are dropped
 * and counted by the implementation. Implementations are thread-safe.
 */
public interface Transport extends AutoCloseable {

    /** The address peers use to reach this node. */
    Address localAddress();

    /** Sends one message; returns at once. The bytes must not be modified afterwards. */
    void send(Lane lane, Address to, byte[] bytes);

    /**
     * Sets the single receiver of incoming messages. It is called from transport threads, one
     * message at a time per lane; it must hand the bytes off quickly (e.g. to a queue).
     */
    void setReceiver(Receiver receiver);

    @Override
    void close();

    /** Callback for incoming messages. {@code from} is the network source, not necessarily the sender's listening address. */
    @FunctionalInterface
    interface Receiver {
        void onReceive(Lane lane, Address from, byte[] bytes);
    }
}
