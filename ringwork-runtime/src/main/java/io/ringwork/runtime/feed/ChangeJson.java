package io.ringwork.runtime.feed;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.ringwork.core.record.Change;

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
    public static void writeFields(JsonBytes out, Change change, long fedAtMs) {
        out.ascii("\"key\":");
        string(out, change.key());
        out.ascii(",\"version\":").number(change.version()).ascii(",\"partition\":").number(change.partition()).ascii(",\"type\":");
        string(out, change.type());
        if (change.recordId() != null) {
            out.ascii(",\"id\":");
            string(out, change.recordId());
        }
        out.ascii(",\"timestampMs\":").number(change.timestampMs()).ascii(change.tombstone() ? ",\"tombstone\":true" : ",\"tombstone\":false");
        if (fedAtMs >= 0) out.ascii(",\"fedAtMs\":").number(fedAtMs);
        byte[] value = change.valueJson();
        if (value != null) out.ascii(",\"value\":").write(value);
    }

    /** A buffer sized for {@code change} and {@code extra} bytes around its fields. */
    public static JsonBytes buffer(Change change, int extra) {
        byte[] value = change.valueJson();
        return new JsonBytes(160 + extra + change.key().length() + (value == null ? 0 : value.length));
    }

    private static void string(JsonBytes out, String text) {
        out.write('"').write(JsonStringEncoder.getInstance().quoteAsUTF8(text)).write('"');
    }
}
