package io.ringwork.runtime.peer;

/**
 * Messages a node hands to another over the peer channel (issue 21, item 5), and the answers: a
 * {@link Delivery} to the owner of an ID's partition (send), to every member (publish) or to one
 * member's least loaded subscriber (anycast), and a {@link LoadQuery} for a topic's subscriber
 * load on a member, which anycast uses to pick where to deliver. A delivery never relays further
 * than {@link #HOPS_MAX}.
 */
public final class RelayedMessage {
    /** How many peer hops a delivery may take: from the node the client asked to the one that delivers. */
    public static final int HOPS_MAX = 1;
    /** The longest target (an ID or a topic name), in UTF-8 bytes. */
    public static final int TARGET_BYTES_MAX = 1024;

    private RelayedMessage() {}

    /** Where a delivery goes on the receiving node. */
    public enum Mode {
        /** To the inbox subscribers of the node that owns the target ID's partition. */
        SEND,
        /** To every subscriber of the topic on the receiving node. */
        PUBLISH,
        /** To one subscriber of the topic on the receiving node, the least loaded that takes it. */
        ANYCAST
    }

    /**
     * @param mode     where it goes
     * @param target   the ID (send) or the topic (publish, anycast)
     * @param id       the message's id, unique per origin node (shown to subscribers)
     * @param origin   the node a client handed it to
     * @param sentAtMs when the origin took it, wall clock (latency figures on one machine)
     * @param payload  the message, JSON as the client sent it
     * @param hops     relays so far, this one included
     */
    public record Delivery(Mode mode, String target, String id, String origin, long sentAtMs, byte[] payload, int hops) {
        public Delivery {
            if (mode == null || target == null || target.isEmpty()) throw new IllegalArgumentException("a delivery needs a mode and a target");
            if (id == null || origin == null || payload == null) throw new IllegalArgumentException("a delivery needs an id, an origin and a payload");
            if (hops < 1 || hops > 255) throw new IllegalArgumentException("hops must be in [1, 255], got " + hops);
        }
    }

    /** What became of a delivery. */
    public enum Outcome {
        /** Taken: {@code delivered} subscribers queued it (0 when the node has none). */
        DELIVERED,
        /** A send reached a node that does not own the ID's partition; {@code owner} names the one its plan does. */
        NOT_OWNER,
        /** The node cannot take it now (no subscriber took an anycast, starting, an older version); another may. */
        UNAVAILABLE,
        /** It broke a rule (too many hops); retrying it unchanged does not help. */
        REFUSED
    }

    /**
     * @param delivered  subscribers that queued it
     * @param subscriber for an anycast, the subscriber that took it; else empty
     * @param owner      for NOT_OWNER, the owner as the answering node sees it; else empty
     * @param detail     a sentence for the client when not delivered; else empty
     */
    public record Answer(Outcome outcome, int delivered, String subscriber, String owner, String detail) {
        public Answer {
            if (outcome == null || delivered < 0) throw new IllegalArgumentException("outcome " + outcome + ", delivered " + delivered);
            subscriber = subscriber == null ? "" : subscriber;
            owner = owner == null ? "" : owner;
            detail = detail == null ? "" : detail;
        }

        public static Answer delivered(int count, String subscriber) {
            return new Answer(Outcome.DELIVERED, count, subscriber, "", "");
        }

        public static Answer notOwner(String owner, String detail) {
            return new Answer(Outcome.NOT_OWNER, 0, "", owner, detail);
        }

        public static Answer unavailable(String detail) {
            return new Answer(Outcome.UNAVAILABLE, 0, "", "", detail);
        }

        public static Answer refused(String detail) {
            return new Answer(Outcome.REFUSED, 0, "", "", detail);
        }
    }

    /** Asks a member how loaded its subscribers of {@code topic} are. */
    public record LoadQuery(String topic) {
        public LoadQuery {
            if (topic == null || topic.isEmpty()) throw new IllegalArgumentException("a load query needs a topic");
        }
    }

    /**
     * A member's subscribers of a topic: how many, and its least loaded one's queue depth and
     * messages taken since it subscribed (depth and taken are 0 when there are none).
     */
    public record Load(int subscribers, long depth, long taken) {
        public static final Load NONE = new Load(0, 0, 0);

        public Load {
            if (subscribers < 0 || depth < 0 || taken < 0) throw new IllegalArgumentException("load " + subscribers + "/" + depth + "/" + taken);
        }
    }
}
