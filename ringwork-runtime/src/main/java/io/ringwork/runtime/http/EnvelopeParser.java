package io.ringwork.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.NewRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an ingest body into records: one envelope {@code {"key","type","id","data"}}, a JSON array of
 * them, or NDJSON (one envelope per line). Unknown envelope fields are ignored so newer producers
 * can talk to older nodes. Any bad envelope rejects the whole request (nothing is appended) with
 * a 400 naming the envelope. Stateless and thread-safe.
 */
final class EnvelopeParser {
    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_TYPE_BYTES = 256;
    static final int MAX_ID_BYTES = 256;
    static final int MAX_RECORDS = 100_000;

    private EnvelopeParser() {}

    static List<NewRecord> parse(String mediaType, byte[] body) {
        if (body.length == 0) throw ApiError.badRequest("empty body: send an envelope, an array of envelopes or NDJSON");
        return switch (mediaType) {
            case "application/json" -> parseJson(body);
            case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines" -> parseNdjson(body);
            default -> throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json "
                    + "(an envelope or an array) or application/x-ndjson (one envelope per line), got '"
                    + mediaType + "'", true);
        };
    }

    private static List<NewRecord> parseJson(byte[] body) {
        JsonNode root = readTree(body, "body");
        List<NewRecord> records = new ArrayList<>();
        if (root.isArray()) {
            if (root.size() > MAX_RECORDS) throw tooMany(root.size());
            for (int i = 0; i < root.size(); i++) records.add(envelope(root.get(i), "envelope " + i));
        } else {
            records.add(envelope(root, "envelope"));
        }
        if (records.isEmpty()) throw ApiError.badRequest("the array holds no envelopes");
        return records;
    }

    private static List<NewRecord> parseNdjson(byte[] body) {
        List<NewRecord> records = new ArrayList<>();
        int line = 0;
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                line++;
                if (!isBlank(body, start, i)) {
                    if (records.size() == MAX_RECORDS) throw tooMany(records.size() + 1);
                    String where = "line " + line;
                    records.add(envelope(readTree(body, start, i - start, where), where));
                }
                start = i + 1;
            }
        }
        if (records.isEmpty()) throw ApiError.badRequest("the NDJSON body holds no envelopes");
        return records;
    }

    static NewRecord envelope(JsonNode node, String where) {
        if (node == null || !node.isObject()) throw ApiError.badRequest(where + ": an envelope must be a JSON object");
        String key = text(node, "key", where, true, MAX_KEY_BYTES);
        String type = text(node, "type", where, true, MAX_TYPE_BYTES);
        String id = text(node, "id", where, false, MAX_ID_BYTES);
        JsonNode data = node.get("data");
        try {
            byte[] bytes = data == null ? "null".getBytes(StandardCharsets.UTF_8) : Exchanges.JSON.writeValueAsBytes(data);
            return new NewRecord(key, type, id, bytes);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(where + ": data cannot be encoded: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode node, String field, String where, boolean required, int maxBytes) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) throw ApiError.badRequest(where + ": missing \"" + field + "\"");
            return null;
        }
        if (!value.isTextual()) throw ApiError.badRequest(where + ": \"" + field + "\" must be a string");
        String text = value.textValue();
        // An empty id would make every record with an empty id a duplicate of the first one.
        if (text.isEmpty()) throw ApiError.badRequest(where + ": \"" + field + "\" must not be empty"
                + (required ? "" : " (leave it out instead)"));
        if (text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw ApiError.badRequest(where + ": \"" + field + "\" is longer than " + maxBytes + " bytes");
        }
        return text;
    }

    static JsonNode readTree(byte[] body, String where) {
        return readTree(body, 0, body.length, where);
    }

    private static JsonNode readTree(byte[] body, int offset, int length, String where) {
        try {
            JsonNode node = Exchanges.JSON.readTree(body, offset, length);
            if (node == null || node.isMissingNode()) throw ApiError.badRequest(where + ": no JSON value");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(where + ": malformed JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw ApiError.badRequest(where + ": unreadable JSON: " + e.getMessage());
        }
    }

    private static boolean isBlank(byte[] body, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t' && b != '\r') return false;
        }
        return true;
    }

    private static ApiError tooMany(int count) {
        return ApiError.badRequest("more than " + MAX_RECORDS + " envelopes in one request (" + count + "); split it");
    }
}
