package io.ringwork.runtime.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.Limits;
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
    static final int MAX_KEY_BYTES = Limits.DEFAULT.maxKeyBytes();
    static final int MAX_DEPTH = Limits.DEFAULT.maxDepth();
    static final int MAX_PATCH_OPERATIONS = Limits.DEFAULT.maxPatchOperations();
    static final int MAX_TYPE_BYTES = 256;
    static final int MAX_ID_BYTES = 256;
    static final int MAX_RECORDS = 100_000;
    private static final byte[] NULL = "null".getBytes(StandardCharsets.UTF_8);

    /**
     * Request bodies are parsed under Jackson's own depth bound as well: envelopes sit two levels
     * deep (array, envelope), bodies of gluer pieces none. Their buffers are recycled like core's.
     */
    private static final ObjectMapper REQUEST_JSON = mapper(MAX_DEPTH + 2);
    private static final ObjectMapper BODY_JSON = mapper(MAX_DEPTH);

    private static ObjectMapper mapper(int maxDepth) {
        return new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.newBoundedPool(64))
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build()).build());
    }

    private EnvelopeParser() {}

    /**
     * One envelope: its record, and its producer's id and sequence number ({@code producerId}
     * null and {@code seq} -1 when it has none).
     */
    record Envelope(NewRecord record, String producerId, long seq) {}

    static List<NewRecord> parse(String mediaType, byte[] body) {
        List<Envelope> envelopes = parseEnvelopes(mediaType, body);
        List<NewRecord> records = new ArrayList<>(envelopes.size());
        for (Envelope envelope : envelopes) records.add(envelope.record());
        return records;
    }

    static List<Envelope> parseEnvelopes(String mediaType, byte[] body) {
        if (body.length == 0) throw ApiError.badRequest("empty body: send an envelope, an array of envelopes or NDJSON");
        boolean ndjson = switch (mediaType) {
            case "application/json" -> false;
            case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines" -> true;
            default -> throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json "
                    + "(an envelope or an array) or application/x-ndjson (one envelope per line), got '"
                    + mediaType + "'", true);
        };
        String where = ndjson ? "line 1" : "body";
        try (JsonParser parser = REQUEST_JSON.getFactory().createParser(body)) {
            List<Envelope> records = new ArrayList<>();
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
        } catch (StreamConstraintsException e) {
            throw tooDeep(where);
        } catch (JsonProcessingException e) {
            throw malformed(where, e);
        } catch (IOException e) {
            throw ApiError.badRequest(where + ": unreadable JSON: " + e.getMessage());
        }
    }

    private static ApiError tooDeep(String where) {
        return ApiError.badRequest(where + ": JSON nested deeper than " + MAX_DEPTH + " levels of arrays and objects (the limit)");
    }

    private static ApiError malformed(String where, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return ApiError.badRequest(where + ": malformed JSON: " + e.getOriginalMessage()
                + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
    }

    private static void add(List<Envelope> records, Envelope record) {
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
    private static Envelope envelope(JsonParser parser, byte[] body, String where) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw ApiError.badRequest(where + ": an envelope must be a JSON object");
        }
        String key = null, type = null, id = null, producerId = null;
        long seq = -1;
        byte[] data = NULL;
        int dataElements = -1;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            switch (field) {
                case "key" -> key = text(parser, value, where, field, MAX_KEY_BYTES);
                case "type" -> type = text(parser, value, where, field, MAX_TYPE_BYTES);
                case "id" -> id = text(parser, value, where, field, MAX_ID_BYTES);
                case "producerId" -> producerId = text(parser, value, where, field, MAX_ID_BYTES);
                case "seq" -> {
                    if (value != JsonToken.VALUE_NUMBER_INT || parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            || parser.getLongValue() < 0) {
                        parser.skipChildren();
                        throw ApiError.badRequest(where + ": \"seq\" must be a whole number from 0 to " + Long.MAX_VALUE);
                    }
                    seq = parser.getLongValue();
                }
                case "data" -> {
                    dataElements = value == JsonToken.START_ARRAY ? 0 : -1;
                    long start = parser.currentTokenLocation().getByteOffset();
                    int elements = skipValue(parser, where);
                    if (dataElements == 0) dataElements = elements;
                    data = value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY
                            ? Arrays.copyOfRange(body, (int) start, (int) parser.currentLocation().getByteOffset())
                            : Exchanges.JSON.writeValueAsBytes(parser.readValueAsTree());
                }
                default -> parser.skipChildren(); // unknown fields: ignored, for forward compatibility
            }
        }
        if (key == null) throw ApiError.badRequest(where + ": missing \"key\"");
        if (type == null) throw ApiError.badRequest(where + ": missing \"type\"");
        if (type.equals(GluerProcessor.PATCH) && dataElements > MAX_PATCH_OPERATIONS) throw tooManyOperations(where, dataElements);
        if ((producerId == null) != (seq < 0)) {
            throw ApiError.badRequest(where + ": \"producerId\" and \"seq\" go together (both or neither)");
        }
        return new Envelope(new NewRecord(key, type, id, data), producerId, seq);
    }

    private static String text(JsonParser parser, JsonToken value, String where, String field, int maxBytes)
            throws IOException {
        if (value == JsonToken.VALUE_NULL) return null;
        if (value != JsonToken.VALUE_STRING) {
            parser.skipChildren();
            throw ApiError.badRequest(where + ": \"" + field + "\" must be a string");
        }
        String text = parser.getText();
        String problem = unusableCharacter(text);
        if (problem != null) throw ApiError.badRequest(where + ": \"" + field + "\" holds " + problem);
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
     * Walks past the value the parser is on (a scalar stays where it is, to be read), checking
     * that it nests at most {@link #MAX_DEPTH} levels; returns the number of elements of a
     * top-level array (a JSON Patch's operations), else 0. An object or array is then sliced out
     * of the body as sent; a scalar is written anew, which is cheap and exact.
     */
    private static int skipValue(JsonParser parser, String where) throws IOException {
        JsonToken token = parser.currentToken();
        if (token != JsonToken.START_OBJECT && token != JsonToken.START_ARRAY) return 0;
        int depth = 1;
        int elements = 0;
        while (depth > 0) {
            token = parser.nextToken();
            if (token == null) throw ApiError.badRequest(where + ": the data ends early");
            if (depth == 1 && token != JsonToken.END_ARRAY && token != JsonToken.END_OBJECT && token != JsonToken.FIELD_NAME) elements++;
            if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                if (++depth > MAX_DEPTH) throw tooDeep(where + " data");
            } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                depth--;
            }
        }
        return elements;
    }

    /**
     * Null, or why {@code text} cannot be a key, type or id: a control character, or half of a
     * surrogate pair (JSON's "\\ud800" escape), which UTF-8 cannot carry, so the record would
     * silently land under another key.
     */
    static String unusableCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) return "control character 0x" + Integer.toHexString(c) + " at position " + i;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "an unpaired surrogate at position " + i;
            }
        }
        return null;
    }

    static ApiError tooManyOperations(String where, int operations) {
        return ApiError.badRequest(where + ": a JSON Patch of " + operations + " operations; the limit is "
                + MAX_PATCH_OPERATIONS + " per piece");
    }

    /**
     * Parses a whole body as one JSON value (for gluer pieces, whose body is the piece's data),
     * nested at most {@link #MAX_DEPTH} levels.
     */
    static JsonNode readTree(byte[] body, String where) {
        try (JsonParser parser = BODY_JSON.getFactory().createParser(body)) {
            JsonNode node = BODY_JSON.readTree(parser);
            if (node == null || node.isMissingNode()) throw ApiError.badRequest(where + ": no JSON value");
            if (parser.nextToken() != null) throw ApiError.badRequest(where + ": unexpected content after the JSON value");
            return node;
        } catch (StreamConstraintsException e) {
            throw tooDeep(where);
        } catch (JsonProcessingException e) {
            throw malformed(where, e);
        } catch (IOException e) {
            throw ApiError.badRequest(where + ": unreadable JSON: " + e.getMessage());
        }
    }
}
