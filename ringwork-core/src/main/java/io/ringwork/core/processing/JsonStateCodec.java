package io.ringwork.core.processing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * States that are JSON trees, stored as compact UTF-8 JSON. Thread-safe.
 *
 * <p>Encoding is Jackson's, whose writer refuses trees nested deeper than 1,000 levels; the
 * applier keeps states within {@link Limits#maxDepth()} before it encodes, so that never
 * happens. Decoding is tolerant on purpose: it reads what this or an older version stored,
 * deeper than today's limits if need be, because a stored state that no longer decodes would
 * stop the node at every restart.
 */
public final class JsonStateCodec implements StateCodec<JsonNode> {
    public static final JsonStateCodec INSTANCE = new JsonStateCodec();
    /**
     * The deepest stored state decoding accepts. Versions before {@link Limits} wrote states up to
     * Jackson's writer limit of 1,000 levels; twice that leaves room and still bounds the work.
     */
    public static final int STORED_DEPTH_MAX = 2_000;
    /**
     * Jackson recycles its parse buffers per thread by default, which does nothing on virtual
     * threads (one per HTTP request): every parse allocated fresh buffers, about a fifth of the
     * node's allocation. A bounded shared pool recycles them across threads with a memory limit.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newBoundedPool(64)).build());
    private static final ObjectMapper STORED = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newBoundedPool(64))
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(STORED_DEPTH_MAX).build())
            .build());

    private JsonStateCodec() {}

    @Override
    public byte[] encode(JsonNode state) {
        try {
            return MAPPER.writeValueAsBytes(state);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Encodes {@code state} unless its JSON is longer than {@code maxBytes}; then returns null,
     * having written at most {@code maxBytes} bytes: a tree far over the limit costs the limit,
     * not its own size.
     */
    public byte[] encode(JsonNode state, int maxBytes) {
        return encode(state, maxBytes, 8192);
    }

    /**
     * As {@link #encode(JsonNode, int)}, starting with a buffer of about {@code sizeHint} bytes
     * (the caller's estimate of the JSON's length): a fixed 8 KiB buffer per state was a third of
     * what a node allocated per record, for documents of a few hundred bytes.
     */
    public byte[] encode(JsonNode state, int maxBytes, long sizeHint) {
        CappedOutput out = new CappedOutput(maxBytes, (int) Math.min(maxBytes, Math.max(64, sizeHint + 16)));
        try {
            MAPPER.writeValue(out, state);
        } catch (CappedOutput.Overflow e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Override
    public JsonNode decode(byte[] bytes) {
        try {
            return STORED.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON state is corrupt", e);
        }
    }

    @Override
    public JsonNode toJson(JsonNode state) {
        return state;
    }

    /**
     * The mapper for JSON the node writes and for the API's own JSON; thread-safe once configured.
     * Record payloads are parsed by {@link Payloads}, which applies the depth limit.
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** An in-memory output that refuses to grow past a cap. Not thread-safe. */
    private static final class CappedOutput extends ByteArrayOutputStream {
        /** Thrown through Jackson's writer, which passes runtime exceptions on unchanged. */
        static final class Overflow extends RuntimeException {
            Overflow() {
                super("over the cap", null, false, false);
            }
        }

        private final int maxBytes;

        CappedOutput(int maxBytes, int initialBytes) {
            super(Math.min(maxBytes, initialBytes));
            this.maxBytes = maxBytes;
        }

        /** The buffer itself when the estimate was exact, else a copy of what was written. */
        @Override
        public synchronized byte[] toByteArray() {
            return count == buf.length ? buf : super.toByteArray();
        }

        @Override
        public void write(int b) {
            if (count + 1 > maxBytes) throw new Overflow();
            super.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if ((long) count + len > maxBytes) throw new Overflow();
            super.write(b, off, len);
        }
    }
}
