package io.ringwork.runtime.testing;

import io.ringwork.core.processing.Processor;
import io.ringwork.core.processing.Result;
import io.ringwork.core.processing.StateCodec;
import io.ringwork.core.record.Record;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.ByteBuffer;

/**
 * A user processor outside ringwork's own code, found through {@code ServiceLoader} (see
 * src/test/resources/META-INF/services): {@code counter.add} adds the payload number to a long kept
 * in its own 8-byte codec. It shows that a processor needs neither JSON state nor ringwork changes.
 */
public final class CounterProcessor implements Processor<Long> {
    private static final StateCodec<Long> CODEC = new StateCodec<>() {
        @Override public byte[] encode(Long state) { return ByteBuffer.allocate(8).putLong(state).array(); }
        @Override public Long decode(byte[] bytes) { return ByteBuffer.wrap(bytes).getLong(); }
        @Override public JsonNode toJson(Long state) { return JsonNodeFactory.instance.objectNode().put("count", state); }
    };

    @Override
    public String name() {
        return "counter";
    }

    @Override
    public StateCodec<Long> codec() {
        return CODEC;
    }

    @Override
    public Result<Long> apply(Long state, Record record) {
        if (!record.type().equals("counter.add")) return Result.reject("counter knows only counter.add");
        String text = record.dataAsString().trim();
        try {
            return Result.update((state == null ? 0 : state) + Long.parseLong(text));
        } catch (NumberFormatException e) {
            return Result.reject("counter.add needs a whole number, got " + text);
        }
    }
}
