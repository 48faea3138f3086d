package io.ringwork.core.store;

import io.ringwork.core.util.Invariants;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A key's state as stored and replicated: version, owning processor, tombstone flag and the
 * processor codec's bytes. Immutable.
 *
 * <p>Binary form: format byte (1), version (8), flags (1: bit 0 = tombstone, bit 1 = has a
 * value), processor name length (1) and UTF-8 name, value bytes to the end. A state without a
 * value (a key whose records were all rejected) has an empty processor name and no value.
 *
 * @param processor the owning processor's name; empty when no record ever applied to the key
 * @param value     the codec's bytes, or null for a tombstone or a key without a value
 */
public record StoredState(long version, String processor, boolean tombstone, byte[] value) {
    private static final byte FORMAT = 1;

    /** The stored form of a key's state as the apply path left it (no processor: an empty name). */
    public static StoredState of(io.ringwork.core.record.VersionedState state) {
        return new StoredState(state.version(), state.processor() == null ? "" : state.processor(), state.tombstone(),
                state.encoded());
    }

    public byte[] toBytes() {
        byte[] name = processor.getBytes(StandardCharsets.UTF_8);
        Invariants.check(name.length < 256, "processor name too long: %s", processor);
        int valueLength = value == null ? 0 : value.length;
        ByteBuffer buffer = ByteBuffer.allocate(1 + 8 + 1 + 1 + name.length + valueLength);
        int flags = (tombstone ? 1 : 0) | (value != null ? 2 : 0);
        buffer.put(FORMAT).putLong(version).put((byte) flags).put((byte) name.length).put(name);
        if (value != null) buffer.put(value);
        return buffer.array();
    }

    public static StoredState fromBytes(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        byte format = buffer.get();
        Invariants.check(format == FORMAT, "unknown stored state format %s", format);
        long version = buffer.getLong();
        int flags = buffer.get();
        boolean tombstone = (flags & 1) != 0;
        byte[] name = new byte[buffer.get() & 0xff];
        buffer.get(name);
        byte[] value = null;
        if ((flags & 2) != 0) {
            value = new byte[buffer.remaining()];
            buffer.get(value);
        }
        return new StoredState(version, new String(name, StandardCharsets.UTF_8), tombstone, value);
    }
}
