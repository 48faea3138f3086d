package io.ringwork.core.record;

import io.ringwork.core.util.Invariants;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The idempotency ids of the last {@link #LIMIT} id-carrying records applied to one key, oldest
 * first: the window in which a retried {@code (key, id)} is applied once in effect, whatever log
 * it came through and whichever node produced it. The ids are part of the key's state, so every
 * replica and every replay decides the same; a log that deduplicates at append (the embedded
 * log's window) only saves the second append.
 *
 * <p>Kept as one array in its stored form (per id: a 2-byte length and the UTF-8 bytes), so a
 * cached idle key costs one object for its ids. Immutable; {@code equals} compares the ids.
 */
public final class RecentIds {
    /**
     * How many ids a key remembers: a retry is recognised while fewer other id-carrying records of
     * the same key came between. Every id is stored with the key's state and written again with
     * it, so the window costs up to 16 × (2 + id length) bytes per key write; 16 covers a producer
     * retrying its own envelope with a few other producers writing the same key meanwhile.
     */
    public static final int LIMIT = 16;
    /** The longest id the window holds, in UTF-8 bytes (the applier rejects longer ones first). */
    public static final int MAX_ID_BYTES = 256;

    public static final RecentIds NONE = new RecentIds(new byte[0], 0);

    private final byte[] encoded;
    private final int count;

    private RecentIds(byte[] encoded, int count) {
        this.encoded = encoded;
        this.count = count;
    }

    /** True when {@code id} is among the remembered ids; false for null. */
    public boolean contains(String id) {
        if (id == null || count == 0) return false;
        byte[] wanted = id.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < encoded.length; ) {
            int length = ((encoded[at] & 0xff) << 8) | (encoded[at + 1] & 0xff);
            at += 2;
            if (length == wanted.length && Arrays.equals(encoded, at, at + length, wanted, 0, length)) return true;
            at += length;
        }
        return false;
    }

    /** These ids with {@code id} last, forgetting the oldest beyond {@link #LIMIT}. */
    public RecentIds with(String id) {
        byte[] added = id.getBytes(StandardCharsets.UTF_8);
        Invariants.check(added.length <= MAX_ID_BYTES, "id of %s bytes over %s", added.length, MAX_ID_BYTES);
        int from = 0;
        int kept = count;
        if (count == LIMIT) {
            from = 2 + (((encoded[0] & 0xff) << 8) | (encoded[1] & 0xff));
            kept--;
        }
        ByteBuffer out = ByteBuffer.allocate(encoded.length - from + 2 + added.length);
        out.put(encoded, from, encoded.length - from).putShort((short) added.length).put(added);
        return new RecentIds(out.array(), kept + 1);
    }

    public int size() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The ids, oldest first. */
    public List<String> asList() {
        List<String> ids = new ArrayList<>(count);
        for (int at = 0; at < encoded.length; ) {
            int length = ((encoded[at] & 0xff) << 8) | (encoded[at + 1] & 0xff);
            ids.add(new String(encoded, at + 2, length, StandardCharsets.UTF_8));
            at += 2 + length;
        }
        return ids;
    }

    /** Bytes {@link #writeTo} writes: a 1-byte count and the stored form. */
    public int encodedLength() {
        return 1 + encoded.length;
    }

    public void writeTo(ByteBuffer buffer) {
        buffer.put((byte) count).put(encoded);
    }

    /**
     * Reads what {@link #writeTo} wrote, checking every length: a stored form that does not parse
     * is a storage fault, so it fails an invariant rather than yielding a half-read window.
     */
    public static RecentIds readFrom(ByteBuffer buffer) {
        int count = buffer.get() & 0xff;
        Invariants.check(count <= LIMIT, "stored id window of %s ids, over %s", count, LIMIT);
        if (count == 0) return NONE;
        int start = buffer.position();
        for (int i = 0; i < count; i++) {
            Invariants.check(buffer.remaining() >= 2, "stored id window cut short");
            int length = buffer.getShort() & 0xffff;
            Invariants.check(length <= MAX_ID_BYTES && buffer.remaining() >= length, "stored id of %s bytes", length);
            buffer.position(buffer.position() + length);
        }
        byte[] encoded = Arrays.copyOfRange(buffer.array(), buffer.arrayOffset() + start, buffer.arrayOffset() + buffer.position());
        return new RecentIds(encoded, count);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RecentIds that && count == that.count && Arrays.equals(encoded, that.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "RecentIds" + asList();
    }
}
