package io.ringwork.runtime.node;

import io.ringwork.core.cluster.OwnershipPlan;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.membership.Member;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.cluster.ClusterService;
import io.ringwork.runtime.http.ApiError;
import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.runtime.peer.ReadRelay;
import io.ringwork.runtime.peer.RelayedList;
import io.ringwork.runtime.peer.RelayedRead;
import io.ringwork.runtime.processing.ProcessingEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads of one key's stored entry, wherever it lives: this node's store ({@link #local}), the
 * key's owner by a read relayed over the peer channel ({@link #fromOwner}), and the owner's side
 * of that relay ({@link #serve}), which reads through the same {@link #local}.
 *
 * <p>A read is relayed at most once: the owner answers from its own store or says it is not the
 * owner (naming the one its plan has), and the asking node then tries that one once more itself.
 * Every failure is an {@link ApiError} a client can act on; a read changes nothing, so each is
 * safe to retry, and those where the owner may have seen the request (unreachable, timed out)
 * say {@code "definite": false} as every such error does. Thread-safe.
 */
public final class KeyReads {
    /** What this node knows of the cluster, as reads need it; {@link #of} reads it off the node's services. */
    interface Cluster {
        /** The ownership plan as last computed, or null before the first. */
        OwnershipPlan plan();

        /** Whether this node runs {@code partition} now. */
        boolean runs(int partition);

        /** Whether this node holds {@code partition} in sync with its owner. */
        boolean inSync(int partition);

        /** The peer address (host:port) of a live {@code member}, or null. */
        String peerAddress(String member);
    }

    private final String self;
    private final Partitioner partitioner;
    private final StateStore store;
    private final Cluster cluster;
    private final ReadRelay relay;

    KeyReads(String self, int partitions, StateStore store, Cluster cluster, ReadRelay relay) {
        this.self = self;
        this.partitioner = new Partitioner(partitions);
        this.store = store;
        this.cluster = cluster;
        this.relay = relay;
    }

    /** The node's view: the plan and in-sync flags from {@code service}, runs from the engine, addresses from gossip. */
    static Cluster of(ClusterService service, Supplier<ProcessingEngine> engine, Supplier<MembershipService> membership) {
        return new Cluster() {
            @Override
            public OwnershipPlan plan() {
                return service.plan();
            }

            @Override
            public boolean runs(int partition) {
                ProcessingEngine processing = engine.get();
                return processing != null && processing.runs(partition);
            }

            @Override
            public boolean inSync(int partition) {
                return service.inSync(partition);
            }

            @Override
            public String peerAddress(String member) {
                MembershipService m = membership.get();
                if (m == null) return null;
                for (Member each : m.members()) {
                    if (each.id().equals(member)) return each.state().isActive() ? each.metadata().get(ClusterService.PEER_METADATA) : null;
                }
                return null;
            }
        };
    }

    /** This node's own entry for {@code key}, tombstones included; null when it holds none. */
    public StoredState local(String key) {
        return store.get(partitioner.partitionOf(key), key);
    }

    /**
     * The entry of {@code key} as a node holds it, who answered, and that node's checkpoint and
     * feed checkpoint of the key's partition, read before the entry ({@link RelayedRead#UNKNOWN}
     * when it did not say): every record at or below {@code checkpoint} is reflected in
     * {@code state}; on the owner, every change at or below {@code durable} is held by a quorum.
     */
    public record Read(StoredState state, String readAt, long checkpoint, long durable) {}

    /** This node's entry for {@code key} with the checkpoints it reflects (read first, lowest first). */
    private Read localRead(String key) {
        int partition = partitioner.partitionOf(key);
        long durable = store.feedCheckpoint(partition);
        long checkpoint = store.checkpoint(partition);
        return new Read(store.get(partition, key), self, Math.max(-1, checkpoint), Math.max(-1, durable));
    }

    /**
     * {@code key}'s entry in {@code member}'s copy, owner or not: read here for this node, relayed
     * otherwise. Null when the member does not hold the partition or did not answer (a quorum
     * read counts the answers it got).
     */
    public Read fromReplica(String member, String key) {
        if (member.equals(self)) return hasCopy(partitioner.partitionOf(key)) ? localRead(key) : null;
        String address = cluster.peerAddress(member);
        if (address == null) return null;
        try {
            RelayedRead.Answer answer = relay.read(member, address, key, true);
            return switch (answer.outcome()) {
                case FOUND -> new Read(answer.state(), member, answer.checkpoint(), answer.durable());
                case ABSENT -> new Read(null, member, answer.checkpoint(), answer.durable());
                default -> null;
            };
        } catch (ReadRelay.RelayFailed failed) {
            return null;
        }
    }

    /**
     * The entry of {@code key} from its owner: read here when this node runs the key's partition,
     * owns it by its plan, or has no plan yet (alone, or starting); relayed to the owner otherwise.
     *
     * @throws ApiError 503 when the owner is not known, busy, unreachable or moving; 504 when it did not answer in time
     */
    public Read fromOwner(String key) {
        int partition = partitioner.partitionOf(key);
        OwnershipPlan plan = cluster.plan();
        if (plan == null || cluster.runs(partition)) return localRead(key);
        String owner = plan.owner(partition);
        if (owner == null) {
            throw new ApiError(503, "unavailable", "partition " + partition + " of '" + key + "' has no owner now "
                    + "(too few members are ready); retry, or read a replica with ?local=true", true);
        }
        if (owner.equals(self)) return localRead(key);
        RelayedRead.Answer answer = ask(owner, key);
        if (answer.outcome() == RelayedRead.Outcome.NOT_OWNER && !answer.owner().isEmpty()
                && !answer.owner().equals(owner) && !answer.owner().equals(self)) {
            // Ownership moved and this node's plan has not caught up: ask the owner that one names, once.
            String told = answer.owner();
            answer = ask(told, key);
            owner = told;
        }
        return switch (answer.outcome()) {
            case FOUND -> new Read(answer.state(), owner, answer.checkpoint(), answer.durable());
            case ABSENT -> new Read(null, owner, answer.checkpoint(), answer.durable());
            case NOT_OWNER -> throw new ApiError(503, "owner_moved", "'" + key + "' is moving between owners: " + answer.detail()
                    + "; retry in a moment", true);
            case UNAVAILABLE -> throw new ApiError(503, "unavailable", "the owner " + owner + " of '" + key + "' cannot answer: "
                    + answer.detail() + "; retry in a moment", true);
            case REFUSED -> throw new ApiError(502, "relay_refused", "the owner " + owner + " refused the relayed read: "
                    + answer.detail(), true);
        };
    }

    private RelayedRead.Answer ask(String owner, String key) {
        String address = cluster.peerAddress(owner);
        if (address == null) {
            throw new ApiError(503, "unavailable", "the owner " + owner + " of '" + key + "' has no peer address yet; retry in a moment", true);
        }
        try {
            return relay.read(owner, address, key);
        } catch (ReadRelay.RelayFailed failed) {
            throw errorFor(key, failed);
        }
    }

    /**
     * The client's error for a relay that got no answer. Nothing was sent when busy (definite);
     * when unreachable or late the owner may have read the key, so as every such error these say
     * {@code "definite": false}, with the reminder that a read may be retried freely.
     */
    static ApiError errorFor(String key, ReadRelay.RelayFailed failed) {
        String safe = "; a read changes nothing, so retrying is safe";
        return switch (failed.failure()) {
            case BUSY -> new ApiError(503, "busy", failed.getMessage() + "; retry in a moment", true);
            case TIMEOUT -> new ApiError(504, "owner_timeout", "the owner of '" + key + "': " + failed.getMessage() + safe, false);
            case UNREACHABLE -> new ApiError(503, "owner_unreachable", "the owner of '" + key + "': " + failed.getMessage() + safe, false);
            case OVERSIZED -> new ApiError(502, "answer_too_large", failed.getMessage()
                    + "; read it on the owner itself, or on a replica with ?local=true", true);
        };
    }

    /**
     * The owner's side: answers a read relayed by another member from this node's store, when
     * this node runs the key's partition or its plan makes it the owner and it holds the
     * partition in sync; otherwise says who owns it, or that it cannot answer yet. Never relays.
     */
    public RelayedRead.Answer serve(RelayedRead.Request request) {
        int partition = partitioner.partitionOf(request.key());
        if (request.replica()) {
            // A quorum read asks each replica for its own copy, owner or not.
            if (!hasCopy(partition)) return RelayedRead.Answer.unavailable(self + " holds no copy of partition " + partition);
            return answer(localRead(request.key()));
        }
        OwnershipPlan plan = cluster.plan();
        String owner = plan == null ? null : plan.owner(partition);
        boolean runs = cluster.runs(partition);
        if (!runs && !(self.equals(owner) && cluster.inSync(partition))) {
            if (plan == null) return RelayedRead.Answer.unavailable(self + " is starting and has no ownership plan yet");
            if (owner == null) return RelayedRead.Answer.unavailable("partition " + partition + " has no owner in " + self + "'s plan");
            if (!owner.equals(self)) {
                return RelayedRead.Answer.notOwner(owner, self + " does not own partition " + partition + "; its plan gives it to " + owner);
            }
            return RelayedRead.Answer.unavailable(self + " is taking over partition " + partition + " and is not in sync yet");
        }
        return answer(localRead(request.key()));
    }

    /**
     * The owner's side of a key-value listing: for each partition asked that this node holds, its
     * live key-value keys with the prefix, after {@code after}, in the store's key order, up to the
     * limit (and whether there are more). Partitions it does not hold are left out and named.
     */
    public RelayedList.Answer serveList(RelayedList.Request request) {
        List<Integer> served = new ArrayList<>();
        List<Integer> more = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        List<RelayedList.Entry> entries = new ArrayList<>();
        for (int partition : request.partitions()) {
            if (partition < 0 || partition >= partitioner.partitionCount() || !hasCopy(partition)) {
                missing.add(partition);
                continue;
            }
            served.add(partition);
            if (listLocal(partition, request.prefix(), request.after(), request.limit(), entries)) more.add(partition);
        }
        return new RelayedList.Answer(served, entries, more,
                missing.isEmpty() ? "" : self + " holds no copy of partitions " + missing);
    }

    /**
     * Whether this node has a copy of {@code partition} to answer from: its store holds it, or it
     * runs it or holds it in sync (a partition no record reached yet is held by no store, and its
     * empty copy is an answer all the same).
     */
    private boolean hasCopy(int partition) {
        return store.holds(partition) || cluster.runs(partition) || cluster.inSync(partition);
    }

    /**
     * Adds to {@code out} up to {@code limit} live key-value keys of {@code partition} that start
     * with {@code prefix}, after {@code after} (null: from the first); true when more follow. Keys
     * with the prefix are contiguous in the store's (UTF-8 byte) order, starting at the prefix.
     */
    private boolean listLocal(int partition, String prefix, String after, int limit, List<RelayedList.Entry> out) {
        int listed = 0;
        String from = after;
        if (from == null || compareUtf8(from, prefix) < 0) {
            if (listable(store.get(partition, prefix)) >= 0) {
                out.add(new RelayedList.Entry(partition, prefix, listable(store.get(partition, prefix))));
                listed++;
            }
            from = prefix;
        }
        while (true) {
            List<io.ringwork.core.store.WriteSet.StateWrite> page = store.scan(partition, from, 256);
            if (page.isEmpty()) return false;
            for (var write : page) {
                if (!write.key().startsWith(prefix)) return false; // past the prefix's range
                long version = listable(write.state());
                if (version < 0) continue;
                if (listed == limit) return true;
                out.add(new RelayedList.Entry(partition, write.key(), version));
                listed++;
            }
            from = page.get(page.size() - 1).key();
        }
    }

    /**
     * The key-value version of a live key-value entry, or an election's stored version (elections
     * are listed by {@code GET /v1/elections}); -1 for none, a deleted key or another processor's.
     */
    private static long listable(StoredState stored) {
        if (stored != null && io.ringwork.core.coord.ElectionProcessor.NAME.equals(stored.processor()) && !stored.tombstone()
                && stored.value() != null) {
            return stored.version();
        }
        if (stored == null || !io.ringwork.core.kv.KvProcessor.NAME.equals(stored.processor()) || stored.value() == null) return -1;
        io.ringwork.core.kv.KvState state = io.ringwork.core.kv.KvCodec.INSTANCE.decode(stored.value());
        return state.present() ? state.version() : -1;
    }

    /** Compares as the stores order keys: by their UTF-8 bytes. */
    public static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * A listing over every partition: this node's own for the partitions it runs or owns, and for
     * the others one request per owner. Throws a 503 naming the partitions no one answered for.
     */
    /** What a listing over every partition found: each partition's keys, and whether any partition has more. */
    public record Listing(List<RelayedList.Entry> entries, boolean more) {}

    public Listing list(String prefix, String after, int limit) {
        OwnershipPlan plan = cluster.plan();
        java.util.Map<String, List<Integer>> byOwner = new java.util.TreeMap<>();
        for (int p = 0; p < partitioner.partitionCount(); p++) {
            String owner = plan == null || cluster.runs(p) ? self : plan.owner(p);
            if (owner == null) {
                throw new ApiError(503, "unavailable", "partition " + p + " has no owner now (too few members are ready); retry", true);
            }
            byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(p);
        }
        List<RelayedList.Entry> entries = new ArrayList<>();
        List<Integer> unanswered = new ArrayList<>();
        boolean more = false;
        List<String> why = new ArrayList<>();
        for (var entry : byOwner.entrySet()) {
            RelayedList.Request request = new RelayedList.Request(entry.getValue(), prefix, after, limit);
            RelayedList.Answer answer;
            if (entry.getKey().equals(self)) {
                answer = serveList(request);
            } else {
                String address = cluster.peerAddress(entry.getKey());
                try {
                    answer = address == null ? RelayedList.Answer.none(entry.getKey() + " has no peer address yet")
                            : relay.list(entry.getKey(), address, request);
                } catch (ReadRelay.RelayFailed failed) {
                    answer = RelayedList.Answer.none(failed.getMessage());
                }
            }
            entries.addAll(answer.entries());
            more |= !answer.more().isEmpty();
            for (int p : entry.getValue()) if (!answer.served().contains(p)) unanswered.add(p);
            if (!answer.detail().isEmpty()) why.add(answer.detail());
        }
        if (!unanswered.isEmpty()) {
            throw new ApiError(503, "unavailable", "partitions " + unanswered + " could not be listed (" + String.join("; ", why)
                    + "); a listing changes nothing, so retrying is safe", true);
        }
        return new Listing(entries, more);
    }

    private static RelayedRead.Answer answer(Read read) {
        return read.state() == null ? RelayedRead.Answer.absent(read.checkpoint(), read.durable())
                : RelayedRead.Answer.found(read.state(), read.checkpoint(), read.durable());
    }
}
