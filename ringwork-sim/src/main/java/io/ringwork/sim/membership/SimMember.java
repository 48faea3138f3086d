package io.ringwork.sim.membership;

import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.Membership;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.membership.MembershipEffect;
import io.ringwork.core.membership.wire.DecodeResult;
import io.ringwork.core.membership.wire.DropReason;
import io.ringwork.core.membership.wire.Packet;
import io.ringwork.core.membership.wire.PacketCodec;
import io.ringwork.core.time.RandomSource;
import io.ringwork.core.transport.Address;
import io.ringwork.core.transport.Lane;
import io.ringwork.core.transport.Transport;
import io.ringwork.sim.Scheduler;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One simulated node: the real {@link Membership} state machine behind the real codec, on a
 * simulated transport. It ticks at the machine's own deadlines (one scheduler event at a time),
 * and can crash (state lost), restart (a new life that rejoins), pause and resume.
 */
public final class SimMember {
    public enum Status { RUNNING, PAUSED, CRASHED, LEFT }

    private final String id;
    private final Address address;
    private final MembershipCluster cluster;
    private final Scheduler scheduler;
    private final Transport transport;
    private final PacketCodec codec;
    private final MembershipConfig config;
    private final RandomSource random;
    private final Map<DropReason, long[]> drops = new EnumMap<>(DropReason.class);
    private Membership membership;
    private Status status = Status.CRASHED;
    private long scheduledTickAtMs = Membership.NEVER;
    private int life;
    private boolean tickWhenResumed;
    private long everPausedUntilMs = -1;

    SimMember(String id, Address address, MembershipCluster cluster, Transport transport, PacketCodec codec,
              MembershipConfig config, RandomSource random) {
        this.id = id;
        this.address = address;
        this.cluster = cluster;
        this.scheduler = cluster.scheduler();
        this.transport = transport;
        this.codec = codec;
        this.config = config;
        this.random = random;
        for (DropReason reason : DropReason.values()) drops.put(reason, new long[1]);
        transport.setReceiver(this::onReceive);
    }

    public String id() {
        return id;
    }

    public Address address() {
        return address;
    }

    public Status status() {
        return status;
    }

    /** The running state machine; null while crashed. */
    public Membership membership() {
        return membership;
    }

    /** True if this node was ever paused (its peers may rightly have declared it dead). */
    public boolean wasEverPaused() {
        return everPausedUntilMs >= 0;
    }

    public long dropped(DropReason reason) {
        return drops.get(reason)[0];
    }

    /** Starts a new life: a fresh state machine (nothing remembered) that joins through {@code seeds}. */
    void start(List<Address> seeds, long initialIncarnation) {
        life++;
        scheduledTickAtMs = Membership.NEVER;
        cluster.network().setDown(address, false);
        membership = new Membership(config, id, address, Map.of(), initialIncarnation, RandomSource.seeded(random.nextLong()),
                scheduler.nowMs());
        status = Status.RUNNING;
        cluster.onNewLife(this);
        membership.join(seeds, scheduler.nowMs());
        flush();
    }

    /** Feeds a message as if it came from the network, bypassing it (bootstrap only). */
    void inject(Address from, io.ringwork.core.membership.MembershipMessage message) {
        membership.onMessage(from, message, scheduler.nowMs());
        flush();
    }

    /** {@link Membership#broadcastNow} on this member, as the runtime's service does it on its thread. */
    public void broadcastNow() {
        if (membership == null || status != Status.RUNNING) return;
        membership.broadcastNow(scheduler.nowMs());
        flush();
    }

    void crash() {
        life++;
        membership = null;
        status = Status.CRASHED;
        scheduledTickAtMs = Membership.NEVER;
        cluster.network().setDown(address, true);
    }

    void pause() {
        status = Status.PAUSED;
        everPausedUntilMs = Long.MAX_VALUE;
        cluster.network().pause(address);
    }

    void resume() {
        status = Status.RUNNING;
        everPausedUntilMs = scheduler.nowMs();
        cluster.network().resume(address);
        // SIGCONT: every timer that came due while stopped fires now, late.
        if (tickWhenResumed && membership != null) {
            tickWhenResumed = false;
            membership.tick(scheduler.nowMs());
            flush();
        }
    }

    void leave() {
        membership.leave(scheduler.nowMs());
        status = Status.LEFT;
        flush();
    }

    List<Member> view() {
        return membership == null ? List.of() : membership.members();
    }

    private void onReceive(Lane lane, Address from, byte[] bytes) {
        if (membership == null) return;
        int limit = lane == Lane.RELIABLE ? config.reliableBytesMax() : config.packetBytesMax();
        switch (codec.decode(bytes, limit)) {
            case DecodeResult.Dropped dropped -> drops.get(dropped.reason())[0]++;
            case DecodeResult.Decoded decoded -> {
                membership.onPacket(decoded.packet(), scheduler.nowMs());
                flush();
            }
        }
    }

    private void flush() {
        for (MembershipEffect effect : membership.drainEffects()) {
            switch (effect) {
                case MembershipEffect.Send send -> {
                    int limit = send.lane() == Lane.RELIABLE ? config.reliableBytesMax() : config.packetBytesMax();
                    transport.send(send.lane(), send.to(), codec.encode(new Packet(id, address, send.messages()), limit));
                }
                case MembershipEffect.Notify notify -> cluster.onEvent(this, notify.event());
            }
        }
        scheduleTick();
    }

    private void scheduleTick() {
        long deadlineMs = membership.nextDeadlineMs();
        if (deadlineMs >= scheduledTickAtMs) return;
        scheduledTickAtMs = deadlineMs;
        int tickLife = life;
        scheduler.at(deadlineMs, () -> fire(tickLife, deadlineMs));
    }

    private void fire(int tickLife, long deadlineMs) {
        // Superseded: a crash or restart happened, or an earlier deadline replaced this one.
        if (tickLife != life || deadlineMs != scheduledTickAtMs || membership == null) return;
        scheduledTickAtMs = Membership.NEVER;
        if (status == Status.PAUSED) {
            tickWhenResumed = true;
            return;
        }
        membership.tick(scheduler.nowMs());
        flush();
    }
}
