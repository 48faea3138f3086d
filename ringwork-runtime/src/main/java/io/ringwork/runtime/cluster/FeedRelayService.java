package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.FeedRelay;
import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.store.StateStore;
import io.ringwork.runtime.peer.PeerClient;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scale-out on a node: the runtime edge of {@link FeedRelay}, plus the drop of partitions this
 * node no longer replicates. One thread ({@code ringwork-feed-relay}) every {@value #STEP_MS} ms:
 * <ol>
 *   <li>relays the feed of every partition this node neither runs nor is on the replica set of,
 *       from a member that runs it (else a ready replica), over that member's peer port (its own
 *       connection, apart from the replication links, so a fetch never waits behind commits);</li>
 *   <li>every {@value #DROP_CHECK_MS} ms, drops the state of such a partition once the plan's owner
 *       runs it, every replica on the list is ready, the owner said (in a relay page) it holds at
 *       least this node's checkpoint, and no replication message of it arrived for
 *       {@value #QUIET_MS} ms (an owner still sending counts on this node; see {@link ClusterService#dropIfUnreplicated}).</li>
 * </ol>
 * Bounded: one fetch in flight per partition, at most {@value #FETCHES_PER_FRAME} fetches per
 * frame, a page of at most {@value #PAGE_LIMIT} changes read from at most {@value #SCAN_MAX}
 * feed entries, and one connection per member.
 */
final class FeedRelayService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedRelayService.class);
    static final long STEP_MS = 50;
    static final long DROP_CHECK_MS = 1_000;
    static final long QUIET_MS = 5_000;
    static final int FETCHES_PER_FRAME = 4;
    static final int PAGE_LIMIT = 256;
    static final int SCAN_MAX = 16_384;
    private static final int ANSWER_TIMEOUT_MS = 5_000;

    private final ClusterService cluster;
    private final FeedRelay relay;
    private final Map<String, PeerClient> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread;
    private final LongAdder drops = new LongAdder();
    private volatile PeerIdentity identity;
    private volatile PeerCounters counters;
    private long nextDropCheckMs;

    FeedRelayService(ClusterService cluster, StateStore store) {
        this.cluster = cluster;
        this.relay = new FeedRelay(store, new FeedRelay.Config(PAGE_LIMIT, SCAN_MAX, 100, 2 * ANSWER_TIMEOUT_MS, 1_000));
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

    /** Answers fetches from other members' relays (a peer server thread; reads the store only). */
    static List<FeedRelay.Page> serve(StateStore store, List<FeedRelay.Fetch> fetches, java.util.function.IntPredicate holdsInSync,
                                      int partitions) {
        List<FeedRelay.Page> pages = new ArrayList<>(fetches.size());
        for (FeedRelay.Fetch fetch : fetches) {
            if (fetch == null || fetch.partition() >= partitions) {
                int p = fetch == null ? 0 : fetch.partition();
                pages.add(new FeedRelay.Page(p, false, List.of(), 0, -1, -1, -1));
                continue;
            }
            pages.add(FeedRelay.serve(store, new FeedRelay.Fetch(fetch.partition(), fetch.fromPosition(), fetch.afterVersion(),
                    Math.min(fetch.limit(), PAGE_LIMIT)), holdsInSync.test(fetch.partition()), SCAN_MAX));
        }
        return pages;
    }

    private void stepQuietly() {
        try {
            step();
        } catch (RuntimeException e) {
            LOG.warn("feed relay step failed", e);
        }
    }

    private void step() {
        OwnershipPlan plan = cluster.plan();
        if (plan == null || cluster.isLeaving() || identity == null) return;
        long now = System.currentTimeMillis();
        Map<String, BitSet> owned = cluster.ownedByMember();
        BitSet relayed = new BitSet();
        for (int p = 0; p < cluster.partitions(); p++) {
            if (!cluster.runs(p) && !plan.replicas(p).contains(cluster.self())) relayed.set(p);
        }
        Map<String, List<FeedRelay.Fetch>> byMember = new LinkedHashMap<>();
        for (FeedRelay.Request request : relay.tick(now, relayed, p -> sources(plan, owned, p))) {
            byMember.computeIfAbsent(request.to(), x -> new ArrayList<>()).add(request.fetch());
        }
        byMember.forEach(this::fetch);
        if (now >= nextDropCheckMs) {
            nextDropCheckMs = now + DROP_CHECK_MS;
            for (int p = relayed.nextSetBit(0); p >= 0; p = relayed.nextSetBit(p + 1)) {
                String owner = plan.owner(p);
                if (owner == null || owner.equals(cluster.self())) continue;
                if (cluster.dropIfUnreplicated(p, plan, relay.claimedBy(p, owner), QUIET_MS)) drops.increment();
            }
        }
    }

    /** Members to relay {@code p}'s feed from, best first: those running it, then its ready replicas. */
    private List<String> sources(OwnershipPlan plan, Map<String, BitSet> owned, int p) {
        List<String> sources = new ArrayList<>();
        owned.forEach((member, bits) -> {
            if (bits.get(p)) sources.add(member);
        });
        for (String replica : plan.replicas(p)) {
            if (!replica.equals(cluster.self()) && !sources.contains(replica) && plan.isReady(replica, p)) sources.add(replica);
        }
        return sources;
    }

    private void fetch(String member, List<FeedRelay.Fetch> fetches) {
        String address = cluster.peerAddressOf(member);
        long now = System.currentTimeMillis();
        if (address == null) {
            relay.linkFailed(member, now);
            return;
        }
        PeerClient client;
        try {
            client = clients.computeIfAbsent(member, id -> new PeerClient(id, address, identity, PeerCodec.CURRENT, counters));
            client.address(address);
        } catch (IllegalArgumentException e) {
            relay.linkFailed(member, now);
            return;
        }
        for (int from = 0; from < fetches.size(); from += FETCHES_PER_FRAME) {
            List<FeedRelay.Fetch> frame = fetches.subList(from, Math.min(fetches.size(), from + FETCHES_PER_FRAME));
            try {
                List<FeedRelay.Page> pages = client.fetch(frame, ANSWER_TIMEOUT_MS);
                long at = System.currentTimeMillis();
                for (FeedRelay.Page page : pages) relay.onPage(member, page, at);
            } catch (IOException e) {
                LOG.debug("feed fetch from {} failed: {}", member, e.toString());
                relay.linkFailed(member, System.currentTimeMillis());
                return;
            }
        }
    }

    /** Changes relayed to this node's feed. */
    long relayedChanges() {
        return relay.relayedChanges();
    }

    /** Partitions this node dropped because it left their replica sets. */
    long drops() {
        return drops.sum();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        clients.values().forEach(PeerClient::close);
    }
}
