package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.FeedRelay;
import io.ringwork.core.cluster.PartitionHost;
import io.ringwork.runtime.peer.PeerClient;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale-out on a node: the fetches of the {@link PartitionHost}'s feed relay
 * ({@link PartitionHost#relayTick}), which also drops the partitions this node no longer
 * replicates. One thread ({@code ringwork-feed-relay}) every {@value #STEP_MS} ms asks the host
 * for the fetches due and sends them to each member's peer port (its own connection, apart from
 * the replication links, so a fetch never waits behind commits); the pages go back to the host.
 * Bounded: one fetch in flight per partition (the host's relay), at most
 * {@value #FETCHES_PER_FRAME} fetches per frame, and one connection per member.
 */
final class FeedRelayService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedRelayService.class);
    static final long STEP_MS = 50;
    static final int FETCHES_PER_FRAME = 4;
    private static final int ANSWER_TIMEOUT_MS = 5_000;

    private final ClusterService cluster;
    private final PartitionHost host;
    private final Map<String, PeerClient> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private volatile PeerIdentity identity;
    private volatile PeerCounters counters;

    FeedRelayService(ClusterService cluster, PartitionHost host) {
        this.cluster = cluster;
        this.host = host;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ringwork-feed-relay");
            t.setDaemon(true);
            return t;
        });
    }

    void start(PeerIdentity identity, PeerCounters counters) {
        this.identity = identity;
        this.counters = counters;
        thread.scheduleWithFixedDelay(this::stepQuietly, STEP_MS, STEP_MS, TimeUnit.MILLISECONDS);
    }

    private void stepQuietly() {
        try {
            step();
        } catch (RuntimeException e) {
            LOG.warn("feed relay step failed", e);
        }
    }

    private void step() {
        if (cluster.closed() || identity == null) return;
        Map<String, List<FeedRelay.Fetch>> byMember = new LinkedHashMap<>();
        for (FeedRelay.Request request : host.relayTick(System.currentTimeMillis())) {
            byMember.computeIfAbsent(request.to(), x -> new ArrayList<>()).add(request.fetch());
        }
        byMember.forEach(this::fetch);
    }

    private void fetch(String member, List<FeedRelay.Fetch> fetches) {
        String address = cluster.peerAddressOf(member);
        long now = System.currentTimeMillis();
        if (address == null) {
            host.relayFailed(member, now);
            return;
        }
        PeerClient client;
        try {
            client = clients.computeIfAbsent(member, id -> new PeerClient(id, address, identity, PeerCodec.CURRENT, counters));
            client.address(address);
        } catch (IllegalArgumentException e) {
            host.relayFailed(member, now);
            return;
        }
        for (int from = 0; from < fetches.size(); from += FETCHES_PER_FRAME) {
            List<FeedRelay.Fetch> frame = fetches.subList(from, Math.min(fetches.size(), from + FETCHES_PER_FRAME));
            try {
                List<FeedRelay.Page> pages = client.fetch(frame, ANSWER_TIMEOUT_MS);
                long at = System.currentTimeMillis();
                for (FeedRelay.Page page : pages) host.onFeedPage(member, page, at);
            } catch (IOException e) {
                LOG.debug("feed fetch from {} failed: {}", member, e.toString());
                host.relayFailed(member, System.currentTimeMillis());
                return;
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        clients.values().forEach(PeerClient::close);
    }
}
