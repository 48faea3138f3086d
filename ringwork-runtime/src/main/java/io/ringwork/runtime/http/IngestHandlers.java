package io.ringwork.runtime.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.coord.ProducerProcessor;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.log.AppendResult;
import io.ringwork.core.log.LogException;
import io.ringwork.core.record.NewRecord;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /v1/events} and {@code POST /v1/gluer/{tenant}/{content}}. A 2xx means every record
 * of the request is in the log with the configured durability (or was already, for a duplicate id).
 */
final class IngestHandlers {
    /**
     * Ingest requests parsed and appended at once. The body is read before a slot is taken (its
     * memory is bounded by the server's body budget, its time by the body timeout), so a client
     * that sends slowly holds a connection, never a slot; beyond the slots a request gets a
     * definite 503 (nothing appended, retry later or elsewhere) rather than queueing without limit.
     */
    static final int MAX_CONCURRENT = 32;
    private static final long ADMISSION_WAIT_MS = 200;

    private final RingworkNode node;
    private final CoordLog coordLog;
    private final Semaphore admission = new Semaphore(MAX_CONCURRENT);

    IngestHandlers(RingworkNode node, CoordLog coordLog) {
        this.node = node;
        this.coordLog = coordLog;
    }

    void events(HttpExchange exchange) throws IOException {
        Exchanges.requireMethod(exchange, "POST");
        byte[] body = Exchanges.body(exchange, node.config().maxRequestBytes());
        admitted(exchange, ignored -> appendEvents(exchange, body));
    }

    /** Runs {@code handler} if a slot frees up within a short wait; otherwise answers 503 busy. */
    private void admitted(HttpExchange exchange, HttpApi.Handler handler) throws IOException {
        boolean admitted;
        try {
            admitted = admission.tryAcquire(ADMISSION_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            throw new ApiError(503, "busy", "this node is handling " + MAX_CONCURRENT
                    + " ingest requests already; nothing was appended, retry shortly", true);
        }
        try {
            handler.handle(exchange);
        } finally {
            admission.release();
        }
    }

    private void appendEvents(HttpExchange exchange, byte[] body) throws IOException {
        List<EnvelopeParser.Envelope> envelopes = EnvelopeParser.parseEnvelopes(Exchanges.mediaType(exchange), body);
        if (envelopes.stream().anyMatch(e -> e.producerId() != null)) {
            appendProduced(exchange, envelopes);
            return;
        }
        List<NewRecord> records = new java.util.ArrayList<>(envelopes.size());
        for (EnvelopeParser.Envelope envelope : envelopes) records.add(envelope.record());
        // All or nothing: one record the token may not write refuses the whole request, before any append.
        for (NewRecord record : records) Exchanges.requireWrite(exchange, record.key());
        List<AppendResult> results = append(records);
        ObjectNode answer = Exchanges.JSON.createObjectNode();
        ArrayNode list = answer.putArray("results");
        int duplicates = 0;
        for (AppendResult result : results) {
            ObjectNode item = list.addObject().put("partition", result.partition()).put("offset", result.offset());
            if (result.duplicate()) {
                item.put("duplicate", true);
                duplicates++;
            }
        }
        answer.put("appended", results.size() - duplicates).put("duplicates", duplicates);
        Exchanges.json(exchange, 200, answer);
    }

    /**
     * Envelopes with a {@code producerId} and {@code seq} (seed 003): the producer's state
     * ({@link ProducerProcessor}, record key {@code producer/ID}) is read linearizably; envelopes
     * at or below its last acknowledged sequence number are answered without a second append (with
     * their first position while it is kept), the others are appended and then acknowledged in the
     * producer's state before the answer, so a retry after a restart or an owner change finds them.
     * A sequence number above the next expected one is appended and reported as a gap. One
     * producer per request, its sequence numbers increasing. A node that dies between the append
     * and the acknowledgement leaves the envelopes unacknowledged: a retry appends them again, and
     * the copies carry the same id ({@code producerId#seq} unless the envelope has its own), so
     * each key applies them once ({@code RecentIds}).
     */
    private void appendProduced(HttpExchange exchange, List<EnvelopeParser.Envelope> envelopes) throws IOException {
        String producer = envelopes.get(0).producerId();
        // The acknowledgement lists every new envelope in one record: bounded, and refused before
        // anything is appended (a too-large ack after the append could only fail indefinitely).
        if (envelopes.size() > ProducerProcessor.ACKS_MAX) {
            throw ApiError.badRequest("a request with \"producerId\" holds at most " + ProducerProcessor.ACKS_MAX
                    + " envelopes, got " + envelopes.size() + "; split it");
        }
        for (int i = 0; i < envelopes.size(); i++) {
            EnvelopeParser.Envelope envelope = envelopes.get(i);
            if (!producer.equals(envelope.producerId())) {
                throw ApiError.badRequest("envelope " + i + ": every envelope of a request carries the same \"producerId\" (one producer"
                        + " per request), or none does");
            }
            if (i > 0 && envelope.seq() <= envelopes.get(i - 1).seq()) {
                throw ApiError.badRequest("envelope " + i + ": \"seq\" " + envelope.seq() + " is not above the one before ("
                        + envelopes.get(i - 1).seq() + "); a producer's sequence numbers increase");
            }
            Exchanges.requireWrite(exchange, envelope.record().key());
        }
        String stateKey = ProducerProcessor.KEY_PREFIX + producer;
        com.fasterxml.jackson.databind.JsonNode state = coordLog.linearizable(stateKey);
        long last = ProducerProcessor.seq(state);
        List<NewRecord> fresh = new java.util.ArrayList<>();
        List<EnvelopeParser.Envelope> freshEnvelopes = new java.util.ArrayList<>();
        ObjectNode answer = Exchanges.JSON.createObjectNode();
        ArrayNode list = answer.putArray("results");
        ArrayNode gaps = Exchanges.JSON.createArrayNode();
        long expected = last + 1;
        int duplicates = 0;
        for (EnvelopeParser.Envelope envelope : envelopes) {
            if (envelope.seq() <= last) {
                ObjectNode item = list.addObject().put("seq", envelope.seq()).put("duplicate", true);
                long[] at = ProducerProcessor.position(state, envelope.seq());
                if (at != null) item.put("partition", at[0]).put("offset", at[1]);
                else item.put("detail", "at or below the producer's last acknowledged seq " + last + "; not appended again");
                duplicates++;
                continue;
            }
            if (envelope.seq() > expected) gaps.addObject().put("expected", expected).put("got", envelope.seq());
            expected = envelope.seq() + 1;
            NewRecord record = envelope.record();
            String id = record.id() != null ? record.id() : producer + "#" + envelope.seq();
            fresh.add(new NewRecord(record.key(), record.type(), id, record.data()));
            freshEnvelopes.add(envelope);
            list.addNull(); // filled in below, in the request's order
        }
        if (!fresh.isEmpty()) {
            List<AppendResult> results = append(fresh);
            ObjectNode ack = Exchanges.JSON.createObjectNode();
            ArrayNode entries = ack.putArray("entries");
            int next = 0;
            for (int i = 0; i < list.size(); i++) {
                if (!list.get(i).isNull()) continue;
                AppendResult result = results.get(next);
                long seq = freshEnvelopes.get(next).seq();
                list.set(i, Exchanges.JSON.createObjectNode().put("seq", seq).put("partition", result.partition())
                        .put("offset", result.offset()));
                entries.addArray().add(seq).add(result.partition()).add(result.offset());
                next++;
            }
            // Acknowledged in the producer's state before the answer: a retry from now on is found there.
            coordLog.write(stateKey, ProducerProcessor.ACK, ack);
        }
        answer.put("appended", fresh.size()).put("duplicates", duplicates);
        ObjectNode producerAnswer = answer.putObject("producer").put("id", producer).put("seq", Math.max(last, expected - 1));
        if (!gaps.isEmpty()) producerAnswer.set("gaps", gaps);
        Exchanges.json(exchange, 200, answer);
    }

    /**
     * A gluer piece: the body is the piece's data; the operation comes from {@code ?op=} or from
     * the content type ({@code application/merge-patch+json} is a merge, {@code application/json-patch+json}
     * a patch). {@code ?id=} sets the idempotency id.
     */
    void gluerPiece(HttpExchange exchange) throws IOException {
        // What the path and query say is checked before the body is read, so a bad request costs nothing.
        String key = Exchanges.checkKey(Exchanges.pathAfter(exchange, "/v1/gluer/"), "POST /v1/gluer/{tenant}/{content}");
        String problem = GluerProcessor.checkKey(key);
        if (problem != null) throw ApiError.badRequest(problem + " (POST /v1/gluer/{tenant}/{content})");
        Exchanges.requireWrite(exchange, key);
        Map<String, String> query = Exchanges.query(exchange);
        String op = operation(query.get("op"), Exchanges.mediaType(exchange));
        String id = query.get("id");
        if (id != null && (id.isEmpty() || id.getBytes(StandardCharsets.UTF_8).length > EnvelopeParser.MAX_ID_BYTES)) {
            throw ApiError.badRequest("id must be 1 to " + EnvelopeParser.MAX_ID_BYTES + " bytes");
        }
        byte[] body = Exchanges.body(exchange, node.config().maxRequestBytes());
        admitted(exchange, ignored -> appendPiece(exchange, new Piece(key, op, id), body));
    }

    private record Piece(String key, String op, String id) {}

    private void appendPiece(HttpExchange exchange, Piece piece, byte[] body) throws IOException {
        String key = piece.key(), op = piece.op(), id = piece.id();
        byte[] data;
        if (body.length == 0) {
            if (!op.equals("delete")) throw ApiError.badRequest("a gluer." + op + " piece needs a JSON body");
            data = "null".getBytes(StandardCharsets.UTF_8);
        } else {
            var tree = EnvelopeParser.readTree(body, "body");
            if (op.equals("patch") && tree.isArray() && tree.size() > EnvelopeParser.MAX_PATCH_OPERATIONS) {
                throw EnvelopeParser.tooManyOperations("body", tree.size());
            }
            data = Exchanges.JSON.writeValueAsBytes(tree);
        }
        AppendResult result = append(List.of(new NewRecord(key, "gluer." + op, id, data))).get(0);
        ObjectNode answer = Exchanges.JSON.createObjectNode().put("key", key).put("type", "gluer." + op)
                .put("partition", result.partition()).put("offset", result.offset());
        if (result.duplicate()) answer.put("duplicate", true);
        Exchanges.json(exchange, 200, answer);
    }

    private static String operation(String requested, String mediaType) {
        String op = requested;
        if (op == null || op.isEmpty()) {
            op = switch (mediaType) {
                case "application/merge-patch+json" -> "merge";
                case "application/json-patch+json" -> "patch";
                default -> throw ApiError.badRequest("say which operation: ?op=merge|patch|put|delete, or send "
                        + "Content-Type application/merge-patch+json or application/json-patch+json");
            };
        }
        if (!List.of("merge", "patch", "put", "delete").contains(op)) {
            throw ApiError.badRequest("op must be merge, patch, put or delete, got '" + op + "'");
        }
        return op;
    }

    private List<AppendResult> append(List<NewRecord> records) {
        List<AppendResult> results;
        try {
            results = node.log().append(records);
        } catch (IllegalArgumentException e) {
            // The log refuses a record before writing anything (e.g. over its record size limit).
            throw new ApiError(413, "record_rejected", "nothing was appended: " + e.getMessage(), true);
        } catch (LogException e) {
            throw new ApiError(503, "log_unavailable", "append failed, the records may or may not be in the log: "
                    + e.getMessage(), false);
        }
        int duplicates = 0;
        for (AppendResult result : results) if (result.duplicate()) duplicates++;
        node.metrics().ingested(results.size() - duplicates, duplicates);
        return results;
    }
}
