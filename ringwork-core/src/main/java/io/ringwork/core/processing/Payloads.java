package io.ringwork.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;

/** Parsing of record payloads for JSON processors. Thread-safe. */
public final class Payloads {
    private Payloads() {}

    /** A payload that is not one well-formed JSON value; its message is a dead-letter reason. */
    public static final class MalformedPayload extends Exception {
        MalformedPayload(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses UTF-8 JSON; an empty payload is {@link MissingNode}. */
    public static JsonNode parse(byte[] data) throws MalformedPayload {
        if (data.length == 0) return MissingNode.getInstance();
        try {
            JsonNode node = JsonStateCodec.mapper().readTree(data);
            return node == null ? MissingNode.getInstance() : node;
        } catch (IOException e) {
            String message = e.getMessage();
            int newline = message == null ? -1 : message.indexOf('\n');
            throw new MalformedPayload("malformed JSON payload: " + (newline > 0 ? message.substring(0, newline) : message));
        }
    }
}
