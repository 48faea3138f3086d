package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.health.HealthProcessor;
import io.ringwork.core.health.HealthResult;
import io.ringwork.core.health.HealthTarget;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.record.NewRecord;
import io.ringwork.runtime.health.HealthService;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The health checker's API. Writes ({@code PUT}/{@code DELETE /v1/health/targets/{id}} and the
 * NDJSON bulk {@code POST /v1/health/targets}) validate every definition first (a 400 whose
 * detail starts with the field at fault, nothing appended) and then append {@code health.put} or
 * {@code health.delete} records of key {@code health/ID}: the answer says the definition is in the
 * log, from which the partition's owner applies it and starts checking within about a second.
 * Reads ({@code GET /v1/health}, {@code GET /v1/health/targets/{id}}) answer from this node's
 * memory ({@link HealthService}), on any node. Thread-safe.
 */
final class HealthHandlers {
    /** Records appended per log call in a bulk registration. */
    static final int BULK_BATCH = 1_000;

    private final RingworkNode node;

    HealthHandlers(RingworkNode node) {
        this.node = node;
    }

    /** {@code /v1/health/targets/{id}}: PUT, DELETE, GET. */
    void target(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "GET", "PUT", "DELETE");
        String id = Exchanges.pathAfter(exchange, "/v1/health/targets/");
        try {
            HealthTarget.checkId(id);
        } catch (HealthTarget.Invalid e) {
            throw invalid(e, null);
        }
        switch (exchange.getRequestMethod()) {
            case "PUT" -> put(exchange, id);
            case "DELETE" -> {
                Exchanges.requireWrite(exchange, HealthTarget.key(id));
                AppendResult appended = append(List.of(new NewRecord(HealthTarget.key(id), HealthProcessor.DELETE, null,
                        "{}".getBytes(StandardCharsets.UTF_8)))).getFirst();
                Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("id", id).put("deleted", true)
                        .put("partition", appended.partition()).put("offset", appended.offset()));
            }
            default -> show(exchange, id);
        }
    }

    private void put(HttpExchange exchange, String id) throws IOException {
        Exchanges.requireWrite(exchange, HealthTarget.key(id));
        byte[] body = Exchanges.body(exchange, node.config().maxRequestBytes());
        if (body.length == 0) throw ApiError.badRequest("body: PUT /v1/health/targets/{id} needs the target as JSON");
        HealthTarget target;
        try {
            target = HealthTarget.parse(id, EnvelopeParser.readTree(body, "body"));
        } catch (HealthTarget.Invalid e) {
            throw invalid(e, null);
        }
        AppendResult appended = append(List.of(record(target))).getFirst();
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("id", id)
                .put("partition", appended.partition()).put("offset", appended.offset());
        answer.set("target", target.toJson());
        Exchanges.json(exchange, 200, answer);
    }

    /** {@code POST /v1/health/targets}: one target per line (each with its "id"); all valid, or nothing appended. */
    void bulk(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "POST");
        byte[] body = Exchanges.body(exchange, node.config().maxRequestBytes());
        List<NewRecord> records = new ArrayList<>();
        int line = 0;
        for (String text : new String(body, StandardCharsets.UTF_8).split("\n")) {
            line++;
            if (text.isBlank()) continue;
            HealthTarget target;
            try {
                target = HealthTarget.parse(null, EnvelopeParser.readTree(text.getBytes(StandardCharsets.UTF_8), "line " + line));
            } catch (HealthTarget.Invalid e) {
                throw invalid(e, line);
            } catch (ApiError e) {
                throw new ApiError(400, "invalid_target", "line " + line + ": " + e.getMessage() + "; nothing was registered", true)
                        .with("line", line);
            }
            Exchanges.requireWrite(exchange, HealthTarget.key(target.id()));
            records.add(record(target));
        }
        if (records.isEmpty()) throw ApiError.badRequest("body: no targets (NDJSON, one target with its \"id\" per line)");
        int appended = 0;
        for (int from = 0; from < records.size(); from += BULK_BATCH) {
            List<NewRecord> batch = records.subList(from, Math.min(records.size(), from + BULK_BATCH));
            try {
                append(batch);
            } catch (ApiError e) {
                // Earlier batches are in the log: say how many, so a client can resume.
                throw new ApiError(e.status(), e.code(), e.getMessage() + "; the first " + appended + " targets were registered",
                        false).with("registered", appended);
            }
            appended += batch.size();
        }
        Exchanges.json(exchange, 200, Exchanges.JSON.createObjectNode().put("registered", appended));
    }

    /** {@code GET /v1/health?status=&label=k:v}: every target this node knows, from memory. */
    void list(HttpExchange exchange) throws IOException {
        Exchanges.requireRead(exchange, HealthTarget.KEY_PREFIX); // every target: read-all or the health scope
        Map<String, String> query = Exchanges.query(exchange);
        HealthResult.Status wanted = null;
        if (query.containsKey("status")) {
            try {
                wanted = HealthResult.Status.valueOf(query.get("status").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                wanted = null;
            }
            if (wanted == null || wanted == HealthResult.Status.REMOVED) {
                throw ApiError.badRequest("status: healthy, unhealthy or unknown, got '" + query.get("status") + "'");
            }
        }
        String label = query.get("label");
        String labelKey = null, labelValue = null;
        if (label != null) {
            int colon = label.indexOf(':');
            if (colon <= 0) throw ApiError.badRequest("label: KEY:VALUE, got '" + label + "'");
            labelKey = label.substring(0, colon);
            labelValue = label.substring(colon + 1);
        }
        long nowMs = System.currentTimeMillis();
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("node", node.config().nodeId());
        ObjectNode counts = answer.putObject("counts").put("healthy", 0).put("unhealthy", 0).put("unknown", 0);
        ArrayNode targets = answer.putArray("targets");
        for (HealthService.View view : node.health().list(nowMs)) {
            if (labelKey != null && !labelValue.equals(view.result().labels().get(labelKey))) continue;
            String status = view.status().name().toLowerCase(Locale.ROOT);
            counts.put(status, counts.get(status).asLong() + 1);
            if (wanted != null && view.status() != wanted) continue;
            targets.add(json(view, nowMs));
        }
        Exchanges.json(exchange, 200, answer);
    }

    private void show(HttpExchange exchange, String id) throws IOException {
        Exchanges.requireRead(exchange, HealthTarget.key(id));
        long nowMs = System.currentTimeMillis();
        HealthService.View view = node.health().get(id, nowMs);
        if (view == null) throw ApiError.notFound("no results for target '" + id + "' on this node (not registered, removed, or not checked yet)");
        ObjectNode answer = json(view, nowMs);
        ArrayNode transitions = answer.putArray("transitions");
        for (HealthService.Transition t : view.history()) {
            transitions.addObject().put("status", t.status().name().toLowerCase(Locale.ROOT)).put("sinceMs", t.sinceMs())
                    .put("checker", t.checker()).put("error", t.error()).put("learnedAtMs", t.learnedAtMs());
        }
        ObjectNode uptime = answer.putObject("uptime");
        putShare(uptime, "hour", HealthService.uptime(view.history(), nowMs, 3_600_000L));
        putShare(uptime, "day", HealthService.uptime(view.history(), nowMs, 86_400_000L));
        Exchanges.json(exchange, 200, answer);
    }

    private static void putShare(ObjectNode node, String name, double share) {
        if (share < 0) node.putNull(name);
        else node.put(name, Math.round(share * 10_000) / 100.0);
    }

    private static ObjectNode json(HealthService.View view, long nowMs) {
        HealthResult r = view.result();
        ObjectNode json = Exchanges.JSON.createObjectNode().put("id", view.id())
                .put("status", view.status().name().toLowerCase(Locale.ROOT))
                .put("reported", r.status().name().toLowerCase(Locale.ROOT))
                .put("sinceMs", r.sinceMs()).put("checkedAtMs", r.checkedAtMs()).put("ageMs", nowMs - r.checkedAtMs())
                .put("latencyMs", r.latencyMs()).put("error", r.error()).put("checker", r.stamp().checker())
                .put("epoch", r.stamp().epoch()).put("intervalMs", r.intervalMs()).put("flapping", r.flapping());
        ObjectNode labels = json.putObject("labels");
        r.labels().forEach(labels::put);
        return json;
    }

    private static NewRecord record(HealthTarget target) {
        try {
            return new NewRecord(HealthTarget.key(target.id()), HealthProcessor.PUT, null, Exchanges.JSON.writeValueAsBytes(target.toJson()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a target", e);
        }
    }

    private static ApiError invalid(HealthTarget.Invalid e, Integer line) {
        String where = line == null ? "" : "line " + line + ": ";
        ApiError error = new ApiError(400, "invalid_target", where + e.getMessage() + "; nothing was registered", true);
        return line == null ? error : error.with("line", line);
    }

    private List<AppendResult> append(List<NewRecord> records) {
        try {
            List<AppendResult> results = node.log().append(records);
            node.metrics().ingested(results.size(), 0);
            return results;
        } catch (IllegalArgumentException e) {
            throw new ApiError(413, "record_rejected", "nothing was written: " + e.getMessage(), true);
        } catch (LogException e) {
            throw new ApiError(503, "log_unavailable", "the write may or may not be in the log: " + e.getMessage()
                    + "; retry it (a target's definition is idempotent)", false);
        }
    }
}
