package io.ringwork.runtime.peer;

import java.io.IOException;

/**
 * The peer frames of messaging ({@link RelayedMessage}), kinds 90-93 with fields 90-99 (and the
 * relayed reads' hops, owner and detail tags, 21, 24 and 25, in the same meaning). A request is
 * one {@code DELIVER} or one {@code LOAD}, answered by one {@code DELIVERED} or {@code LOAD_ANSWER}.
 * A member of an older version answers either with {@code SKIPPED}, which reads as
 * {@link RelayedMessage.Outcome#UNAVAILABLE} (a delivery) or no subscribers (a load). Unknown
 * fields are skipped and counted. Stateless.
 */
public final class MessageCodec {
    static final int DELIVER = 90;
    static final int DELIVER_ANSWER = 91;
    static final int LOAD = 92;
    static final int LOAD_ANSWER = 93;

    static final int MODE = 90;
    static final int TARGET = 91;
    static final int MESSAGE_ID = 92;
    static final int ORIGIN = 93;
    static final int SENT_AT_MS = 94;
    static final int PAYLOAD = 95;
    static final int OUTCOME = 96;
    static final int DELIVERED = 97;
    static final int SUBSCRIBER = 98;
    /** On LOAD_ANSWER: subscribers, the least loaded one's depth and taken, three longs in one field. */
    static final int LOAD_FIGURES = 99;

    private MessageCodec() {}

    private static boolean knows(int tag) {
        return (tag >= MODE && tag <= LOAD_FIGURES) || tag == PeerCodec.READ_HOPS || tag == PeerCodec.READ_OWNER
                || tag == PeerCodec.READ_DETAIL;
    }

    /** Whether a request body is a messaging request: its first message says. */
    static boolean isMessaging(byte[] body) {
        try {
            Tagged.Reader reader = new Tagged.Reader(body);
            if (!reader.hasMore()) return false;
            int kind = reader.next().number();
            return kind == DELIVER || kind == LOAD;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isLoad(byte[] body) throws IOException {
        return new Tagged.Reader(body).next().number() == LOAD;
    }

    static byte[] encodeDelivery(RelayedMessage.Delivery d) {
        Tagged.Writer f = new Tagged.Writer(64 + d.payload().length).byteValue(MODE, d.mode().ordinal()).string(TARGET, d.target())
                .string(MESSAGE_ID, d.id()).string(ORIGIN, d.origin()).longValue(SENT_AT_MS, d.sentAtMs())
                .bytes(PAYLOAD, d.payload()).byteValue(PeerCodec.READ_HOPS, d.hops());
        return new Tagged.Writer(80 + d.payload().length).message(DELIVER, f).toByteArray();
    }

    static PeerCodec.Decoded<RelayedMessage.Delivery> decodeDelivery(byte[] body) throws IOException {
        try {
            Tagged.Fields f = only(body, DELIVER);
            int mode = f.one(MODE).byteValue();
            if (mode >= RelayedMessage.Mode.values().length) throw new IOException("unknown delivery mode " + mode);
            String target = f.one(TARGET).string();
            if (target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > RelayedMessage.TARGET_BYTES_MAX) {
                throw new IOException("a delivery target of more than " + RelayedMessage.TARGET_BYTES_MAX + " bytes");
            }
            RelayedMessage.Delivery delivery = new RelayedMessage.Delivery(RelayedMessage.Mode.values()[mode], target,
                    f.one(MESSAGE_ID).string(), f.one(ORIGIN).string(), f.longValue(SENT_AT_MS), f.one(PAYLOAD).bytes(),
                    f.one(PeerCodec.READ_HOPS).byteValue());
            return new PeerCodec.Decoded<>(delivery, 0, f.unknown());
        } catch (RuntimeException e) {
            throw new IOException("bad delivery: " + e.getMessage(), e);
        }
    }

    static byte[] encodeAnswer(RelayedMessage.Answer a) {
        Tagged.Writer f = new Tagged.Writer().byteValue(OUTCOME, a.outcome().ordinal()).longValue(DELIVERED, a.delivered());
        if (!a.subscriber().isEmpty()) f.string(SUBSCRIBER, a.subscriber());
        if (!a.owner().isEmpty()) f.string(PeerCodec.READ_OWNER, a.owner());
        if (!a.detail().isEmpty()) f.string(PeerCodec.READ_DETAIL, a.detail());
        return new Tagged.Writer(16 + f.size()).message(DELIVER_ANSWER, f).toByteArray();
    }

    static PeerCodec.Decoded<RelayedMessage.Answer> decodeAnswer(byte[] body) throws IOException {
        try {
            if (skipped(body)) {
                return new PeerCodec.Decoded<>(RelayedMessage.Answer.unavailable("the member runs a version without messaging"), 0, 0);
            }
            Tagged.Fields f = only(body, DELIVER_ANSWER);
            int outcome = f.one(OUTCOME).byteValue();
            String detail = f.has(PeerCodec.READ_DETAIL) ? f.one(PeerCodec.READ_DETAIL).string() : "";
            if (outcome >= RelayedMessage.Outcome.values().length) {
                return new PeerCodec.Decoded<>(RelayedMessage.Answer.unavailable("outcome " + outcome + " is unknown here: " + detail), 0, f.unknown());
            }
            long delivered = f.longValue(DELIVERED);
            if (delivered < 0 || delivered > Integer.MAX_VALUE) throw new IOException("delivered " + delivered);
            return new PeerCodec.Decoded<>(new RelayedMessage.Answer(RelayedMessage.Outcome.values()[outcome], (int) delivered,
                    f.has(SUBSCRIBER) ? f.one(SUBSCRIBER).string() : "", f.has(PeerCodec.READ_OWNER) ? f.one(PeerCodec.READ_OWNER).string() : "",
                    detail), 0, f.unknown());
        } catch (RuntimeException e) {
            throw new IOException("bad delivery answer: " + e.getMessage(), e);
        }
    }

    static byte[] encodeLoadQuery(RelayedMessage.LoadQuery q) {
        return new Tagged.Writer(32 + q.topic().length()).message(LOAD, new Tagged.Writer().string(TARGET, q.topic())).toByteArray();
    }

    static PeerCodec.Decoded<RelayedMessage.LoadQuery> decodeLoadQuery(byte[] body) throws IOException {
        try {
            Tagged.Fields f = only(body, LOAD);
            return new PeerCodec.Decoded<>(new RelayedMessage.LoadQuery(f.one(TARGET).string()), 0, f.unknown());
        } catch (RuntimeException e) {
            throw new IOException("bad load query: " + e.getMessage(), e);
        }
    }

    static byte[] encodeLoad(RelayedMessage.Load load) {
        byte[] figures = java.nio.ByteBuffer.allocate(24).putLong(load.subscribers()).putLong(load.depth()).putLong(load.taken()).array();
        return new Tagged.Writer(40).message(LOAD_ANSWER, new Tagged.Writer().bytes(LOAD_FIGURES, figures)).toByteArray();
    }

    static PeerCodec.Decoded<RelayedMessage.Load> decodeLoad(byte[] body) throws IOException {
        try {
            if (skipped(body)) return new PeerCodec.Decoded<>(RelayedMessage.Load.NONE, 0, 0);
            Tagged.Fields f = only(body, LOAD_ANSWER);
            byte[] figures = f.one(LOAD_FIGURES).bytes();
            if (figures.length != 24) throw new IOException("load figures of " + figures.length + " bytes");
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(figures);
            long subscribers = b.getLong();
            if (subscribers > Integer.MAX_VALUE) throw new IOException("subscribers " + subscribers);
            return new PeerCodec.Decoded<>(new RelayedMessage.Load((int) subscribers, b.getLong(), b.getLong()), 0, f.unknown());
        } catch (RuntimeException e) {
            throw new IOException("bad load answer: " + e.getMessage(), e);
        }
    }

    /** An older member answers a kind it does not know with one SKIPPED. */
    private static boolean skipped(byte[] body) throws IOException {
        Tagged.Reader reader = new Tagged.Reader(body);
        return reader.hasMore() && reader.next().number() == PeerCodec.SKIPPED;
    }

    /** The fields of the body's one message, which must be of {@code kind}. */
    private static Tagged.Fields only(byte[] body, int kind) throws IOException {
        Tagged.Reader reader = new Tagged.Reader(body);
        if (!reader.hasMore()) throw new IOException("an empty body");
        Tagged.Slice message = reader.next();
        if (message.number() != kind) throw new IOException("a message of kind " + message.number() + " where " + kind + " belongs");
        // Messages after the first are a later version's additions: skipped, as every unknown kind is.
        return new Tagged.Fields(message.reader(), MessageCodec::knows);
    }
}
