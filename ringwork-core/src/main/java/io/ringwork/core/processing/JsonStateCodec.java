package io.ringwork.core.processing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** States that are JSON trees, stored as compact UTF-8 JSON. Thread-safe. */
public final class JsonStateCodec implements StateCodec<JsonNode> {
    public static final JsonStateCodec INSTANCE = new JsonStateCodec();
    /**
     * Jackson recycles its parse buffers per thread by default, which does nothing on virtual
     * threads (one per HTTP request): every parse allocated fresh buffers, about a fifth of the
     * node's allocation. A bounded shared pool recycles them across threads with a memory limit.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newBoundedPool(64)).build());

    private JsonStateCodec() {}

    @Override
    public byte[] encode(JsonNode state) {
        try {
            return MAPPER.writeValueAsBytes(state);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public JsonNode decode(byte[] bytes) {
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON state is corrupt", e);
        }
    }

    @Override
    public JsonNode toJson(JsonNode state) {
        return state;
    }

    /** The mapper for processors that parse record payloads; thread-safe once configured. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
