package io.ringwork.runtime.transport;

import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import io.ringwork.core.transport.Transport;
import io.ringwork.core.util.Invariants;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wraps a transport with faults that chaos tests change while it runs: per peer and direction,
 * drop a fraction of messages (1.0 = cut) and/or delay them. Peers are matched by listening
 * address, which both lanes of {@link UdpTcpTransport} report as {@code from}.
 *
 * <p>Delayed messages wait on one scheduler thread; at most {@link #DELAYED_MAX} can wait, more
 * are dropped and counted. With no rules it adds one map lookup per message. Thread-safe.
 */
public final class FaultInjectingTransport implements Transport {
    public static final int DELAYED_MAX = 10_000;

    /** Which traffic a rule affects, seen from this node. */
    public enum Direction { OUTBOUND, INBOUND, BOTH }

    /** A fault on one peer and direction: {@code dropRate} in [0, 1], {@code delayMs} >= 0. */
    public record Fault(double dropRate, long delayMs) {
        public Fault {
            Invariants.require(dropRate >= 0 && dropRate <= 1 && delayMs >= 0, "bad fault %s/%s", dropRate, delayMs);
        }
    }

    private final Transport delegate;
    private final Map<Address, Fault> outbound = new ConcurrentHashMap<>();
    private final Map<Address, Fault> inbound = new ConcurrentHashMap<>();
    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "ringwork-fault-delay");
        thread.setDaemon(true);
        return thread;
    });
    private final SplittableRandom random = new SplittableRandom();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delayedPending = new LongAdder();

    public FaultInjectingTransport(Transport delegate) {
        this.delegate = delegate;
    }

    /** Drops every message to and/or from {@code peer} (a cut; one-way with OUTBOUND or INBOUND). */
    public void drop(Address peer, Direction direction) {
        set(peer, direction, new Fault(1.0, 0));
    }

    /** Sets a fault for {@code peer}, replacing earlier ones in that direction. */
    public void set(Address peer, Direction direction, Fault fault) {
        if (direction != Direction.INBOUND) outbound.put(peer, fault);
        if (direction != Direction.OUTBOUND) inbound.put(peer, fault);
    }

    public void clear(Address peer) {
        outbound.remove(peer);
        inbound.remove(peer);
    }

    public void clearAll() {
        outbound.clear();
        inbound.clear();
    }

    /** Messages dropped by injected faults (including the delay queue's limit). */
    public long dropped() {
        return dropped.sum();
    }

    public Transport delegate() {
        return delegate;
    }

    @Override
    public Address localAddress() {
        return delegate.localAddress();
    }

    @Override
    public void send(Lane lane, Address to, byte[] bytes) {
        apply(outbound.get(to), () -> delegate.send(lane, to, bytes));
    }

    @Override
    public void setReceiver(Receiver receiver) {
        delegate.setReceiver((lane, from, bytes) -> apply(inbound.get(from), () -> receiver.onReceive(lane, from, bytes)));
    }

    private void apply(Fault fault, Runnable action) {
        if (fault == null) {
            action.run();
            return;
        }
        boolean drop;
        synchronized (random) {
            drop = fault.dropRate() > 0 && random.nextDouble() < fault.dropRate();
        }
        if (drop) {
            dropped.increment();
        } else if (fault.delayMs() == 0) {
            action.run();
        } else if (delayedPending.sum() >= DELAYED_MAX) {
            dropped.increment();
        } else {
            delayedPending.increment();
            delayer.schedule(() -> {
                delayedPending.decrement();
                action.run();
            }, fault.delayMs(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        delayer.shutdownNow();
        delegate.close();
    }
}
