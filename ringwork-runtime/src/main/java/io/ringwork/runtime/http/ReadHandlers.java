package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.membership.Member;
import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.metrics.NodeMetrics;
import io.ringwork.runtime.node.RingworkNode;
import io.ringwork.runtime.processing.ProcessingEngine;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The read endpoints: state, gluer documents and tenant counters, dead letters, cluster. */
final class ReadHandlers {
    private final RingworkNode node;
    private final io.ringwork.core.id.Partitioner partitioner;

    ReadHandlers(RingworkNode node) {
        this.node = node;
        this.partitioner = new io.ringwork.core.id.Partitioner(node.log().partitionCount());
    }

    /**
     * {@code GET /v1/state/{key}}: {@code {"key","version","value"}}, 404 when absent or deleted.
     * Served by the key's owner (relayed there over the peer channel); {@code ?local=true} reads
     * this node's replica.
     */
    void state(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        String key = Exchanges.checkKey(Exchanges.pathAfter(exchange, "/v1/state/"), "GET /v1/state/{key}");
        Exchanges.requireRead(exchange, key);
        VersionedState state = read(exchange, key);
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("key", key).put("version", state.version());
        answer.set("value", node.applier().toJson(state));
        Exchanges.json(exchange, 200, answer);
    }

    /** {@code GET /v1/gluer/{tenant}/{content}} (the document) or {@code GET /v1/gluer/{tenant}} (its counters). */
    void gluerDocument(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "POST");
        String key = Exchanges.checkKey(Exchanges.pathAfter(exchange, "/v1/gluer/"), "GET /v1/gluer/{tenant}/{content} or /v1/gluer/{tenant}");
        if (key.indexOf('/') < 0 || key.endsWith("/")) {
            String tenant = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
            Exchanges.requireRead(exchange, tenant + "/"); // the tenant's counters: its own keys' scope
            tenantCounters(exchange, tenant);
            return;
        }
        Exchanges.requireRead(exchange, key);
        VersionedState state = read(exchange, key);
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("key", key).put("version", state.version());
        answer.set("document", node.applier().toJson(state));
        Exchanges.json(exchange, 200, answer);
    }

    private void tenantCounters(HttpExchange exchange, String tenant) throws IOException {
        NodeMetrics.NamespaceCounters counters = node.metrics().existingNamespace(GluerProcessor.NAME, tenant);
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("tenant", tenant)
                .put("piecesApplied", counters == null ? 0 : (long) counters.applied().count())
                .put("piecesRejected", counters == null ? 0 : (long) counters.rejected().count());
        Exchanges.json(exchange, 200, answer);
    }

    /**
     * Scale-out: only the key's replica set (and its owner) holds its state; a local read on a
     * node outside it says so (404 {@code not_a_replica}) rather than answer "no state" for a key
     * that exists.
     */
    void requireReplica(String key) {
        var cluster = node.cluster();
        var plan = cluster.plan();
        int partition = partitioner.partitionOf(key);
        if (plan != null && !plan.replicas(partition).contains(cluster.self()) && !cluster.self().equals(plan.owner(partition))
                && !cluster.runs(partition)) {
            throw new ApiError(404, "not_a_replica", "this node (" + cluster.self() + ") holds no copy of '" + key
                    + "' (partition " + partition + "): its replicas are " + String.join(",", plan.replicas(partition)), true);
        }
    }

    /**
     * The key's state as its owner holds it ({@link io.ringwork.runtime.node.KeyReads#fromOwner},
     * relayed over the peer channel when another node owns it), or as this node holds it with
     * {@code ?local=true}. Absent, deleted or without a value: a 404 that says which.
     */
    private VersionedState read(HttpExchange exchange, String key) {
        var reads = node.reads();
        StoredState stored;
        String where = "";
        if ("true".equals(Exchanges.query(exchange).get("local"))) {
            requireReplica(key);
            stored = reads.local(key);
        } else {
            var read = reads.fromOwner(key);
            stored = read.state();
            if (!read.readAt().equals(node.config().nodeId())) where = " (read at its owner " + read.readAt() + ")";
        }
        if (stored == null || stored.tombstone() || stored.value() == null) {
            String why = stored == null ? "no state for key '" + key + "'"
                    : stored.tombstone() ? "key '" + key + "' was deleted at version " + stored.version()
                    : "key '" + key + "' has no value: every record up to version " + stored.version()
                            + " was rejected (see /v1/dead-letters?key=" + key + ")";
            throw ApiError.notFound(why + where);
        }
        return node.applier().decode(stored.version(), stored.processor(), false, stored.value(), stored.ids());
    }

    /** {@code GET /v1/dead-letters?key=&prefix=&limit=}: rejected records with their reasons. */
    void deadLetters(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        Map<String, String> query = Exchanges.query(exchange);
        int limit = intParam(query, "limit", 100, 1, 10_000);
        String key = query.get("key");
        String prefix = query.getOrDefault("prefix", "");
        Predicate<String> readable = Exchanges.principal(exchange).readableKeys();
        Predicate<DeadLetter> filter = letter -> (key == null || key.equals(letter.key())) && letter.key().startsWith(prefix)
                && readable.test(letter.key());
        List<DeadLetter> letters = node.store().deadLetters(filter, limit);
        ObjectNode answer = Exchanges.JSON.createObjectNode();
        ArrayNode list = answer.putArray("deadLetters");
        for (DeadLetter letter : letters) {
            list.addObject().put("key", letter.key()).put("partition", letter.partition()).put("offset", letter.offset())
                    .put("type", letter.type()).put("id", letter.recordId()).put("timestampMs", letter.timestampMs())
                    .put("reason", letter.reason());
        }
        answer.put("count", letters.size());
        Exchanges.json(exchange, 200, answer);
    }

    /** {@code GET /v1/cluster}: members and partitions with owner, replicas and progress. */
    void cluster(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        String self = node.config().nodeId();
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("node", self)
                .put("partitionCount", node.log().partitionCount());
        ArrayNode members = answer.putArray("members");
        MembershipService membership = node.membership();
        if (membership == null) {
            members.addObject().put("id", self).put("state", "alive").put("self", true)
                    .put("address", node.config().bind())
                    .put("http", node.serverTls() != null ? node.httpUrl() : node.httpAddress()); // as gossiped
        } else {
            for (Member member : membership.members()) {
                ObjectNode item = members.addObject().put("id", member.id())
                        .put("state", member.state().name().toLowerCase()).put("incarnation", member.incarnation())
                        .put("address", member.address().host() + ":" + member.address().port())
                        .put("http", member.metadata().getOrDefault("http", ""));
                if (member.id().equals(self)) item.put("self", true);
                ObjectNode metadata = item.putObject("metadata");
                member.metadata().forEach(metadata::put);
            }
        }
        answer.put("startedAtMs", node.startedAtMs());
        ArrayNode partitions = answer.putArray("partitions");
        var cluster = node.cluster();
        var plan = cluster.plan();
        ObjectNode ownership = answer.putObject("ownership").put("replicationFactor", cluster.replicationFactor());
        ArrayNode planned = ownership.putArray("partitions");
        long lagTotal = 0;
        for (int p = 0; p < node.log().partitionCount(); p++) {
            ProcessingEngine.PartitionStatus status = node.engine().status(p);
            long checkpoint = status == null ? node.store().checkpoint(p) : status.checkpoint();
            long end = node.log().endOffset(p);
            long lag = status == null ? Math.max(0, end - 1 - checkpoint) : status.lag(end); // offsets: an upper bound on records
            if (status != null) lagTotal += lag; // what this node has still to apply: its own partitions
            String owner = plan == null ? (status == null ? null : self) : plan.owner(p);
            ObjectNode item = partitions.addObject().put("partition", p).put("owner", owner).put("running", status != null);
            ArrayNode replicas = item.putArray("replicas");
            if (plan == null) replicas.add(self);
            else plan.replicas(p).forEach(replicas::add);
            var term = cluster.leading(p);
            item.put("term", term == null ? null : term.toString()).put("inSync", status != null || cluster.inSync(p));
            item.put("checkpoint", checkpoint).put("logEnd", end).put("lag", lag)
                    .put("inFlight", status == null ? 0 : status.inFlight());
            ObjectNode entry = planned.addObject().put("partition", p).put("owner", owner)
                    .put("target", plan == null ? owner : plan.target(p)).put("checkpoint", checkpoint);
            entry.set("replicas", replicas.deepCopy());
            ArrayNode ready = entry.putArray("ready");
            if (plan != null) for (String member : plan.members()) if (plan.isReady(member, p)) ready.add(member);
        }
        ObjectNode totals = answer.putObject("totals").put("lag", lagTotal).put("applied", node.engine().appliedCount())
                .put("rejected", node.engine().rejectedCount()).put("skipped", node.engine().skippedCount())
                .put("duplicates", node.engine().duplicateCount());
        // Recent append-to-durable-commit percentiles (Micrometer's decaying window of about two minutes).
        ObjectNode latency = totals.putObject("endToEndLatencyMs");
        for (var percentile : node.metrics().endToEnd().takeSnapshot().percentileValues()) {
            latency.put("p" + Math.round(percentile.percentile() * 100), percentile.value(java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        Exchanges.json(exchange, 200, answer);
    }

    static int intParam(Map<String, String> query, String name, int fallback, int min, int max) {
        String raw = query.get(name);
        if (raw == null || raw.isEmpty()) return fallback;
        try {
            int value = Integer.parseInt(raw);
            if (value < min || value > max) throw new NumberFormatException();
            return value;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be an integer in [" + min + ", " + max + "], got '" + raw + "'");
        }
    }

}
