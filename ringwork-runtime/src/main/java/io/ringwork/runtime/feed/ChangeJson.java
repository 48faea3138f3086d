package io.ringwork.runtime.feed;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.ringwork.core.record.Change;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A change's JSON fields as the change feed shows them, written by hand so that the state's JSON
 * bytes go out as they are stored, with no string round trip; strings are escaped with Jackson's
 * encoder. Shared by the feed's SSE events and the changes topic. Stateless.
 */
public final class ChangeJson {
    private ChangeJson() {}

    /**
     * Writes {@code "key":…,"version":…,"partition":…,"type":…[,"id":…],"timestampMs":…,
     * "tombstone":…[,"fedAtMs":…][,"value":…]}, without braces; {@code fedAtMs} below 0 leaves
     * that field out.
     */
    public static void writeFields(ByteArrayOutputStream out, Change change, long fedAtMs) {
        ascii(out, "\"key\":");
        string(out, change.key());
        ascii(out, ",\"version\":" + change.version() + ",\"partition\":" + change.partition() + ",\"type\":");
        string(out, change.type());
        if (change.recordId() != null) {
            ascii(out, ",\"id\":");
            string(out, change.recordId());
        }
        ascii(out, ",\"timestampMs\":" + change.timestampMs() + ",\"tombstone\":" + change.tombstone());
        if (fedAtMs >= 0) ascii(out, ",\"fedAtMs\":" + fedAtMs);
        byte[] value = change.valueJson();
        if (value != null) {
            ascii(out, ",\"value\":");
            out.write(value, 0, value.length);
        }
    }

    /** A buffer sized for {@code change} and {@code extra} bytes around its fields. */
    public static ByteArrayOutputStream buffer(Change change, int extra) {
        byte[] value = change.valueJson();
        return new ByteArrayOutputStream(160 + extra + (value == null ? 0 : value.length));
    }

    public static void ascii(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static void string(ByteArrayOutputStream out, String text) {
        out.write('"');
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(text));
        out.write('"');
    }
}
