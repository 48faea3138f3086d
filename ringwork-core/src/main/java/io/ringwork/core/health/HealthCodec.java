package io.ringwork.core.health;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bytes of health results on the membership's gossip and push-pulls: a version byte, then
 * entries of (target, result). An encoder fills a byte budget and stops before an entry that would
 * not fit; a decoder takes every whole entry and stops at the first bad one (counting it), so a
 * corrupt or newer payload never throws. Strings are bounded (errors cut to
 * {@link #ERROR_MAX_CHARS}). Thread-safe.
 */
public final class HealthCodec {
    static final int VERSION = 1;
    /** A result's error as gossiped: enough to say what failed, bounded so an entry stays small. */
    public static final int ERROR_MAX_CHARS = 160;

    private HealthCodec() {}

    /** An encoding in progress within a budget. */
    public static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        private final int budgetBytes;
        private int entries;

        public Writer(int budgetBytes) {
            this.budgetBytes = budgetBytes;
            bytes.write(VERSION);
        }

        /** Adds the entry if it fits the budget; returns whether it did. */
        public boolean add(String target, HealthResult result) {
            byte[] entry = entry(target, result);
            if (bytes.size() + entry.length > budgetBytes) return false;
            bytes.writeBytes(entry);
            entries++;
            return true;
        }

        public int entries() {
            return entries;
        }

        public byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }

    private static byte[] entry(String target, HealthResult r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(target);
            out.writeByte(r.status().ordinal());
            out.writeLong(r.sinceMs());
            out.writeLong(r.latencyMs());
            String error = r.error();
            out.writeUTF(error.length() > ERROR_MAX_CHARS ? error.substring(0, ERROR_MAX_CHARS) : error);
            out.writeLong(r.stamp().epoch());
            out.writeLong(r.stamp().time().wallMs());
            out.writeInt(r.stamp().time().logical());
            out.writeUTF(r.stamp().checker());
            out.writeLong(r.intervalMs());
            out.writeByte(r.labels().size());
            for (Map.Entry<String, String> label : r.labels().entrySet()) {
                out.writeUTF(label.getKey());
                out.writeUTF(label.getValue());
            }
            out.writeBoolean(r.flapping());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    /** A result cut as {@link Writer} sends it (its error bounded), so a local copy equals what peers get. */
    public static HealthResult bounded(HealthResult r) {
        if (r.error().length() <= ERROR_MAX_CHARS) return r;
        return new HealthResult(r.status(), r.sinceMs(), r.latencyMs(), r.error().substring(0, ERROR_MAX_CHARS), r.stamp(),
                r.intervalMs(), r.labels(), r.flapping());
    }

    /** The decoded entries, in order, and whether the payload ended cleanly. */
    public record Decoded(Map<String, HealthResult> results, boolean malformed) {}

    public static Decoded decode(byte[] payload) {
        Map<String, HealthResult> results = new LinkedHashMap<>();
        if (payload.length == 0 || payload[0] != VERSION) return new Decoded(results, payload.length != 0);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload, 1, payload.length - 1));
        try {
            while (in.available() > 0) {
                String target = in.readUTF();
                int status = in.readUnsignedByte();
                if (status >= HealthResult.Status.values().length) return new Decoded(results, true);
                long since = in.readLong(), latency = in.readLong();
                String error = in.readUTF();
                long epoch = in.readLong(), wall = in.readLong();
                int logical = in.readInt();
                String checker = in.readUTF();
                long interval = in.readLong();
                int labelCount = in.readUnsignedByte();
                TreeMap<String, String> labels = new TreeMap<>();
                for (int i = 0; i < labelCount; i++) labels.put(in.readUTF(), in.readUTF());
                boolean flapping = in.readBoolean();
                if (epoch < 0 || interval < 0) return new Decoded(results, true);
                results.put(target, new HealthResult(HealthResult.Status.values()[status], since, latency, error,
                        new HealthResult.Stamp(epoch, new HybridClock.Time(wall, logical), checker), interval, labels, flapping));
            }
        } catch (IOException e) {
            return new Decoded(results, true);
        }
        return new Decoded(results, false);
    }
}
