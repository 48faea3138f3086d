package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.id.Partitioner;
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
    private final Partitioner partitioner;

    ReadHandlers(RingworkNode node) {
        this.node = node;
        this.partitioner = new Partitioner(node.log().partitionCount());
    }

    /**
     * {@code GET /v1/state/{key}}: {@code {"key","version","value"}}, 404 when absent or deleted.
     * Served by the key's owner (forwarded there); {@code ?local=true} reads this node's replica.
     */
    void state(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        String key = Exchanges.checkKey(Exchanges.pathAfter(exchange, "/v1/state/"), "GET /v1/state/{key}");
        if (forwarded(exchange, key)) return;
        VersionedState state = read(key);
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("key", key).put("version", state.version());
        answer.set("value", node.applier().toJson(state));
        Exchanges.json(exchange, 200, answer);
    }

    /** {@code GET /v1/gluer/{tenant}/{content}} (the document) or {@code GET /v1/gluer/{tenant}} (its counters). */
    void gluerDocument(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "POST");
        String key = Exchanges.checkKey(Exchanges.pathAfter(exchange, "/v1/gluer/"), "GET /v1/gluer/{tenant}/{content} or /v1/gluer/{tenant}");
        if (key.indexOf('/') < 0 || key.endsWith("/")) {
            tenantCounters(exchange, key.endsWith("/") ? key.substring(0, key.length() - 1) : key);
            return;
        }
        if (forwarded(exchange, key)) return;
        VersionedState state = read(key);
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
     * Relays the request to the key's owner unless this node is the owner or {@code local=true}
     * was asked; true when it was relayed. The owner reads its own replica (the relay adds
     * {@code local=true}), so a request is relayed at most once.
     */
    private boolean forwarded(HttpExchange exchange, String key) throws IOException {
        var cluster = node.cluster();
        var plan = cluster.plan();
        if ("true".equals(Exchanges.query(exchange).get("local"))) {
            // Scale-out: only the key's replica set (and its owner) holds its state; a node outside
            // it says so rather than answer "no state" for a key that exists.
            int partition = partitioner.partitionOf(key);
            if (plan != null && !plan.replicas(partition).contains(cluster.self()) && !cluster.self().equals(plan.owner(partition))
                    && !cluster.runs(partition)) {
                throw new ApiError(404, "not_a_replica", "this node (" + cluster.self() + ") holds no copy of '" + key
                        + "' (partition " + partition + "): its replicas are " + String.join(",", plan.replicas(partition)), true);
            }
            return false;
        }
        if (plan == null) return false;
        String owner = plan.owner(partitioner.partitionOf(key));
        if (owner == null || owner.equals(cluster.self())) return false;
        String address = cluster.httpAddressOf(owner);
        if (address == null) throw new ApiError(503, "unavailable", "the owner " + owner + " of '" + key + "' has no HTTP address yet", true);
        String query = exchange.getRequestURI().getRawQuery();
        java.net.URI target = java.net.URI.create("http://" + address + exchange.getRequestURI().getRawPath()
                + "?" + (query == null || query.isEmpty() ? "" : query + "&") + "local=true");
        try {
            java.net.http.HttpResponse<byte[]> response = FORWARDER.send(java.net.http.HttpRequest.newBuilder(target)
                    .timeout(java.time.Duration.ofSeconds(5)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            Exchanges.send(exchange, response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse("application/json"), response.body());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "unavailable", "interrupted while asking the owner " + owner, true);
        } catch (IOException e) {
            throw new ApiError(503, "unavailable", "the owner " + owner + " of '" + key + "' did not answer: " + e.getMessage(), true);
        }
    }

    private static final java.net.http.HttpClient FORWARDER = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(1)).build();

    private VersionedState read(String key) {
        int partition = partitioner.partitionOf(key);
        StoredState stored = node.store().get(partition, key);
        if (stored == null || stored.tombstone() || stored.value() == null) {
            String why = stored == null ? "no state for key '" + key + "'"
                    : stored.tombstone() ? "key '" + key + "' was deleted at version " + stored.version()
                    : "key '" + key + "' has no value: every record up to version " + stored.version()
                            + " was rejected (see /v1/dead-letters?key=" + key + ")";
            throw ApiError.notFound(why);
        }
        return node.applier().decode(stored.version(), stored.processor(), false, stored.value());
    }

    /** {@code GET /v1/dead-letters?key=&prefix=&limit=}: rejected records with their reasons. */
    void deadLetters(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET");
        Map<String, String> query = Exchanges.query(exchange);
        int limit = intParam(query, "limit", 100, 1, 10_000);
        String key = query.get("key");
        String prefix = query.getOrDefault("prefix", "");
        Predicate<DeadLetter> filter = letter -> (key == null || key.equals(letter.key())) && letter.key().startsWith(prefix);
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
                    .put("address", node.config().bind()).put("http", node.httpAddress());
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
            long lag = Math.max(0, end - 1 - checkpoint);
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
                .put("rejected", node.engine().rejectedCount()).put("skipped", node.engine().skippedCount());
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
