package io.ringwork.runtime.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.NewRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns an ingest body into records: one envelope {@code {"key","type","id","data"}}, a JSON array of
 * them, or NDJSON (one envelope per line). It streams: no tree is built, and an object or array
 * {@code data} is kept as the exact bytes the producer sent (sliced out of the body), so a large
 * batch costs one pass. Unknown envelope fields are ignored so newer producers can talk to older
 * nodes. Any bad envelope rejects the whole request (nothing is appended) with a 400 that names
 * it. Stateless and thread-safe.
 */
final class EnvelopeParser {
    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_TYPE_BYTES = 256;
    static final int MAX_ID_BYTES = 256;
    static final int MAX_RECORDS = 100_000;
    private static final byte[] NULL = "null".getBytes(StandardCharsets.UTF_8);

    private EnvelopeParser() {}

    static List<NewRecord> parse(String mediaType, byte[] body) {
        if (body.length == 0) throw ApiError.badRequest("empty body: send an envelope, an array of envelopes or NDJSON");
        boolean ndjson = switch (mediaType) {
            case "application/json" -> false;
            case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines" -> true;
            default -> throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json "
                    + "(an envelope or an array) or application/x-ndjson (one envelope per line), got '"
                    + mediaType + "'", true);
        };
        String where = ndjson ? "line 1" : "body";
        try (JsonParser parser = Exchanges.JSON.getFactory().createParser(body)) {
            List<NewRecord> records = new ArrayList<>();
            JsonToken token = parser.nextToken();
            if (token == null) throw ApiError.badRequest("no JSON value in the body");
            if (!ndjson && token == JsonToken.START_ARRAY) {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    where = "envelope " + records.size();
                    add(records, envelope(parser, body, where));
                }
                if (records.isEmpty()) throw ApiError.badRequest("the array holds no envelopes");
                expectEnd(parser, "the array");
            } else if (!ndjson) {
                records.add(envelope(parser, body, "envelope"));
                expectEnd(parser, "the envelope");
            } else {
                // NDJSON is a sequence of root values; the parser reads them one after another.
                for (; token != null; token = parser.nextToken()) {
                    where = "line " + parser.currentTokenLocation().getLineNr();
                    add(records, envelope(parser, body, where));
                }
            }
            return records;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw ApiError.badRequest(where + ": malformed JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (IOException e) {
            throw ApiError.badRequest(where + ": unreadable JSON: " + e.getMessage());
        }
    }

    private static void add(List<NewRecord> records, NewRecord record) {
        if (records.size() == MAX_RECORDS) {
            throw ApiError.badRequest("more than " + MAX_RECORDS + " envelopes in one request; split it");
        }
        records.add(record);
    }

    private static void expectEnd(JsonParser parser, String what) throws IOException {
        if (parser.nextToken() != null) {
            throw ApiError.badRequest("unexpected content after " + what + " (for several envelopes send an array or NDJSON)");
        }
    }

    /** Reads one envelope; the parser is on its START_OBJECT and is left on its END_OBJECT. */
    private static NewRecord envelope(JsonParser parser, byte[] body, String where) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw ApiError.badRequest(where + ": an envelope must be a JSON object");
        }
        String key = null, type = null, id = null;
        byte[] data = NULL;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "key" -> key = text(parser, value, where, field, MAX_KEY_BYTES);
                case "type" -> type = text(parser, value, where, field, MAX_TYPE_BYTES);
                case "id" -> id = text(parser, value, where, field, MAX_ID_BYTES);
                case "data" -> data = rawValue(parser, value, body);
                default -> parser.skipChildren(); // unknown fields: ignored, for forward compatibility
            }
        }
        if (key == null) throw ApiError.badRequest(where + ": missing \"key\"");
        if (type == null) throw ApiError.badRequest(where + ": missing \"type\"");
        return new NewRecord(key, type, id, data);
    }

    private static String text(JsonParser parser, JsonToken value, String where, String field, int maxBytes)
            throws IOException {
        if (value == JsonToken.VALUE_NULL) return null;
        if (value != JsonToken.VALUE_STRING) {
            parser.skipChildren();
            throw ApiError.badRequest(where + ": \"" + field + "\" must be a string");
        }
        String text = parser.getText();
        // An empty id would make every record with an empty id a duplicate of the first one.
        if (text.isEmpty()) {
            throw ApiError.badRequest(where + ": \"" + field + "\" must not be empty" + (field.equals("id") ? " (leave it out instead)" : ""));
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw ApiError.badRequest(where + ": \"" + field + "\" is longer than " + maxBytes + " bytes");
        }
        return text;
    }

    /**
     * The value's JSON bytes: an object or array is sliced out of the body as sent (the parser
     * validates it while skipping); a scalar is written anew, which is cheap and exact.
     */
    private static byte[] rawValue(JsonParser parser, JsonToken value, byte[] body) throws IOException {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
            long start = parser.currentTokenLocation().getByteOffset();
            parser.skipChildren();
            long end = parser.currentLocation().getByteOffset();
            return Arrays.copyOfRange(body, (int) start, (int) end);
        }
        JsonNode scalar = parser.readValueAsTree();
        return Exchanges.JSON.writeValueAsBytes(scalar);
    }

    /** Parses a whole body as one JSON value (for gluer pieces, whose body is the piece's data). */
    static JsonNode readTree(byte[] body, String where) {
        try {
            JsonNode node = Exchanges.JSON.readTree(body);
            if (node == null || node.isMissingNode()) throw ApiError.badRequest(where + ": no JSON value");
            return node;
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(where + ": malformed JSON: " + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
        } catch (IOException e) {
            throw ApiError.badRequest(where + ": unreadable JSON: " + e.getMessage());
        }
    }
}
