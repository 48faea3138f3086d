package io.ringwork.core.store;

import io.ringwork.core.record.RecentIds;
import io.ringwork.core.util.Invariants;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A key's state as stored and replicated: version, owning processor, tombstone flag and the
 * processor codec's bytes. Immutable.
 *
 * <p>Binary form: format byte (1), version (8), flags (1: bit 0 = tombstone, bit 1 = has a
 * value), processor name length (1) and UTF-8 name, then in format 2 only the key's recent ids
 * ({@link RecentIds#writeTo}), then the value bytes to the end. A state without a value (a key
 * whose records were all rejected) has an empty processor name and no value. A state that
 * remembers no ids is written in format 1, byte for byte as nodes without id windows wrote it, so
 * such nodes still read it and digests of id-less data did not change.
 *
 * @param processor the owning processor's name; empty when no record ever applied to the key
 * @param value     the codec's bytes, or null for a tombstone or a key without a value
 * @param ids       the key's recent idempotency ids; never null
 */
public record StoredState(long version, String processor, boolean tombstone, byte[] value, RecentIds ids) {
    private static final byte FORMAT_WITHOUT_IDS = 1;
    private static final byte FORMAT_WITH_IDS = 2;

    public StoredState {
        java.util.Objects.requireNonNull(ids, "ids");
    }

    /** A stored state that remembers no ids. */
    public StoredState(long version, String processor, boolean tombstone, byte[] value) {
        this(version, processor, tombstone, value, RecentIds.NONE);
    }

    /** The stored form of a key's state as the apply path left it (no processor: an empty name). */
    public static StoredState of(io.ringwork.core.record.VersionedState state) {
        return new StoredState(state.version(), state.processor() == null ? "" : state.processor(), state.tombstone(),
                state.encoded(), state.ids());
    }

    public byte[] toBytes() {
        byte[] name = processor.getBytes(StandardCharsets.UTF_8);
        Invariants.check(name.length < 256, "processor name too long: %s", processor);
        int valueLength = value == null ? 0 : value.length;
        int idsLength = ids.isEmpty() ? 0 : ids.encodedLength();
        ByteBuffer buffer = ByteBuffer.allocate(1 + 8 + 1 + 1 + name.length + idsLength + valueLength);
        int flags = (tombstone ? 1 : 0) | (value != null ? 2 : 0);
        buffer.put(ids.isEmpty() ? FORMAT_WITHOUT_IDS : FORMAT_WITH_IDS).putLong(version).put((byte) flags)
                .put((byte) name.length).put(name);
        if (!ids.isEmpty()) ids.writeTo(buffer);
        if (value != null) buffer.put(value);
        return buffer.array();
    }

    public static StoredState fromBytes(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        byte format = buffer.get();
        Invariants.check(format == FORMAT_WITHOUT_IDS || format == FORMAT_WITH_IDS, "unknown stored state format %s", format);
        long version = buffer.getLong();
        int flags = buffer.get();
        boolean tombstone = (flags & 1) != 0;
        byte[] name = new byte[buffer.get() & 0xff];
        buffer.get(name);
        RecentIds ids = format == FORMAT_WITH_IDS ? RecentIds.readFrom(buffer) : RecentIds.NONE;
        byte[] value = null;
        if ((flags & 2) != 0) {
            value = new byte[buffer.remaining()];
            buffer.get(value);
        }
        return new StoredState(version, new String(name, StandardCharsets.UTF_8), tombstone, value, ids);
    }
}
