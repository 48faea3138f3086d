package io.ringwork.runtime.cluster;

import io.ringwork.core.cluster.ReplicaAck;
import io.ringwork.core.cluster.ReplicaMessage;
import io.ringwork.core.cluster.ReplicaMessage.Commit;
import io.ringwork.core.cluster.ReplicaMessage.Hello;
import io.ringwork.core.cluster.ReplicaMessage.Role;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotBegin;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotEnd;
import io.ringwork.core.cluster.ReplicaMessage.SnapshotPage;
import io.ringwork.core.cluster.Term;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet.StateWrite;
import io.ringwork.runtime.store.ChangeCodec;
import io.ringwork.runtime.store.StringCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of replication batches and their acks, decoded into typed messages at the edge.
 * A batch: format byte, sender id, message count, then per message a kind byte and its fields.
 * Sizes are checked against the bytes left, so a damaged body is an {@link IOException}, never a
 * huge allocation. Keys come from the public API and no key makes encoding throw: see
 * {@link #FORMAT_WIDE_KEYS}. Node ids (the sender, a term's node) come from configuration. A term
 * whose epoch is negative or above {@link Term#MAX_EPOCH} makes the whole body a
 * {@link TermOutOfRange}: no member makes one, and a node that took it could not start the
 * partition again.
 */
public final class ReplicaCodec {
    private static final byte FORMAT = 1;
    /**
     * Format 1 with state keys as {@link StringCodec#writeWide} strings, used only for a batch
     * holding a key too long for {@code writeUTF} (the state of a record rejected for its key), so
     * batches that earlier versions can read are still written in format 1.
     */
    private static final byte FORMAT_WIDE_KEYS = 2;
    private static final int COUNT_MAX = 1 << 20;

    /** A body carried a term whose epoch is out of range: it is refused whole. */
    public static final class TermOutOfRange extends IOException {
        TermOutOfRange(long epoch) {
            super("term epoch " + epoch + " is out of range (0 to " + Term.MAX_EPOCH + ")");
        }
    }

    /** A decoded batch: who sent it and the messages, in order. */
    public record Batch(String from, List<ReplicaMessage> messages) {}

    private ReplicaCodec() {}

    public static byte[] encodeBatch(String from, List<ReplicaMessage> messages) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
            DataOutputStream out = new DataOutputStream(bytes);
            boolean wide = !messages.stream().allMatch(ReplicaCodec::keysFitWriteUtf);
            out.writeByte(wide ? FORMAT_WIDE_KEYS : FORMAT);
            out.writeUTF(from);
            out.writeInt(messages.size());
            for (ReplicaMessage message : messages) write(out, message, wide);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory encoding failed", e);
        }
    }

    private static boolean keysFitWriteUtf(ReplicaMessage message) {
        List<StateWrite> states = switch (message) {
            case Commit c -> c.states();
            case SnapshotPage page -> page.states();
            default -> List.of();
        };
        for (StateWrite write : states) if (!StringCodec.fitsWriteUtf(write.key())) return false;
        return true;
    }

    private static void write(DataOutputStream out, ReplicaMessage message, boolean wide) throws IOException {
        switch (message) {
            case Hello h -> {
                out.writeByte(1);
                header(out, h);
                out.writeByte(h.role().ordinal());
                out.writeLong(h.nextSeq());
                out.writeLong(h.required());
                out.writeLong(h.checkpoint());
            }
            case Commit c -> {
                out.writeByte(2);
                header(out, c);
                out.writeLong(c.seq());
                out.writeLong(c.checkpoint());
                states(out, c.states(), wide);
                out.writeInt(c.changes().size());
                for (Change change : c.changes()) bytes(out, ChangeCodec.encode(change));
                out.writeInt(c.deadLetters().size());
                for (DeadLetter letter : c.deadLetters()) bytes(out, ChangeCodec.encode(letter));
            }
            case SnapshotBegin b -> {
                out.writeByte(3);
                header(out, b);
                out.writeLong(b.nextSeq());
                out.writeLong(b.checkpoint());
                out.writeLong(b.required());
            }
            case SnapshotPage page -> {
                out.writeByte(4);
                header(out, page);
                states(out, page.states(), wide);
            }
            case SnapshotEnd end -> {
                out.writeByte(5);
                header(out, end);
            }
            case ReplicaMessage.Digest digest -> {
                out.writeByte(6);
                header(out, digest);
                out.writeLong(digest.seq());
                out.writeLong(digest.digest());
            }
            case ReplicaMessage.Released released -> {
                out.writeByte(7);
                header(out, released);
                out.writeLong(released.checkpoint());
            }
        }
    }

    private static void header(DataOutputStream out, ReplicaMessage message) throws IOException {
        out.writeShort(message.partition());
        term(out, message.term());
    }

    private static void term(DataOutputStream out, Term term) throws IOException {
        out.writeLong(term.epoch());
        out.writeUTF(term.node());
    }

    private static void states(DataOutputStream out, List<StateWrite> states, boolean wide) throws IOException {
        out.writeInt(states.size());
        for (StateWrite write : states) {
            if (wide) StringCodec.writeWide(out, write.key());
            else out.writeUTF(write.key());
            bytes(out, write.state().toBytes());
        }
    }

    private static void bytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeInt(value.length);
        out.write(value);
    }

    public static Batch decodeBatch(byte[] body) throws IOException {
        try {
            return decodeBatch0(body);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IOException("bad replication batch: " + e.getMessage(), e);
        }
    }

    private static Batch decodeBatch0(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_WIDE_KEYS) throw new IOException("unknown replication batch format");
        boolean wide = format == FORMAT_WIDE_KEYS;
        String from = in.readUTF();
        int count = count(in, body.length);
        List<ReplicaMessage> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) messages.add(read(in, body.length, wide));
        return new Batch(from, messages);
    }

    private static ReplicaMessage read(DataInputStream in, int limit, boolean wide) throws IOException {
        byte kind = in.readByte();
        int partition = in.readUnsignedShort();
        Term term = readTerm(in);
        return switch (kind) {
            case 1 -> {
                int role = in.readUnsignedByte();
                if (role >= Role.values().length) throw new IOException("unknown role " + role);
                yield new Hello(partition, term, Role.values()[role], in.readLong(), in.readLong(), in.readLong());
            }
            case 2 -> {
                long seq = in.readLong();
                long checkpoint = in.readLong();
                List<StateWrite> states = readStates(in, partition, limit, wide);
                int changeCount = count(in, limit);
                List<Change> changes = new ArrayList<>(changeCount);
                for (int i = 0; i < changeCount; i++) changes.add(ChangeCodec.decodeChange(bytes(in, limit)));
                int letterCount = count(in, limit);
                List<DeadLetter> letters = new ArrayList<>(letterCount);
                for (int i = 0; i < letterCount; i++) letters.add(ChangeCodec.decodeDeadLetter(bytes(in, limit)));
                yield new Commit(partition, term, seq, checkpoint, states, changes, letters);
            }
            case 3 -> new SnapshotBegin(partition, term, in.readLong(), in.readLong(), in.readLong());
            case 4 -> new SnapshotPage(partition, term, readStates(in, partition, limit, wide));
            case 5 -> new SnapshotEnd(partition, term);
            case 6 -> new ReplicaMessage.Digest(partition, term, in.readLong(), in.readLong());
            case 7 -> new ReplicaMessage.Released(partition, term, in.readLong());
            default -> throw new IOException("unknown replication message kind " + kind);
        };
    }

    private static Term readTerm(DataInputStream in) throws IOException {
        long epoch = in.readLong();
        String node = in.readUTF();
        if (epoch < 0 || epoch > Term.MAX_EPOCH) throw new TermOutOfRange(epoch);
        return new Term(epoch, node);
    }

    private static List<StateWrite> readStates(DataInputStream in, int partition, int limit, boolean wide)
            throws IOException {
        int count = count(in, limit);
        List<StateWrite> states = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String key = wide ? StringCodec.readWide(in, limit) : in.readUTF();
            states.add(new StateWrite(partition, key, StoredState.fromBytes(bytes(in, limit))));
        }
        return states;
    }

    private static int count(DataInputStream in, int limit) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > Math.min(COUNT_MAX, limit)) throw new IOException("bad count " + count);
        return count;
    }

    private static byte[] bytes(DataInputStream in, int limit) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > limit) throw new IOException("bad length " + length);
        byte[] value = new byte[length];
        in.readFully(value);
        return value;
    }

    public static byte[] encodeAcks(List<ReplicaAck> acks) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + acks.size() * 32);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeInt(acks.size());
            for (ReplicaAck ack : acks) {
                out.writeShort(ack.partition());
                term(out, ack.term());
                out.writeLong(ack.seq());
                out.writeByte(ack.status().ordinal());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory encoding failed", e);
        }
    }

    public static List<ReplicaAck> decodeAcks(byte[] body) throws IOException {
        try {
            return decodeAcks0(body);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad acks: " + e.getMessage(), e);
        }
    }

    private static List<ReplicaAck> decodeAcks0(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        if (in.readByte() != FORMAT) throw new IOException("unknown ack format");
        int count = count(in, body.length);
        List<ReplicaAck> acks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int partition = in.readUnsignedShort();
            Term term = readTerm(in);
            long seq = in.readLong();
            int status = in.readUnsignedByte();
            if (status >= ReplicaAck.Status.values().length) throw new IOException("unknown ack status " + status);
            acks.add(new ReplicaAck(partition, term, seq, ReplicaAck.Status.values()[status]));
        }
        return acks;
    }
}
