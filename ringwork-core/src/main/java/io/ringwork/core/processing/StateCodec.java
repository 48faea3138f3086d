package io.ringwork.core.processing;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Encodes a processor's state for storage and replication, and shows it as JSON at the API.
 * Must be deterministic and thread-safe; {@code decode(encode(s))} equals {@code s}.
 */
public interface StateCodec<S> {
    byte[] encode(S state);

    /** Decodes bytes written by {@link #encode}; a corrupt value is an exception (a storage bug, not bad input). */
    S decode(byte[] bytes);

    /** The state as the JSON document {@code GET /v1/state/{key}} returns. */
    JsonNode toJson(S state);
}
