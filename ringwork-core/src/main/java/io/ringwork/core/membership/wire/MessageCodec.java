package io.ringwork.core.membership.wire;

import io.ringwork.core.membership.Member;
import io.ringwork.core.membership.MemberState;
import io.ringwork.core.membership.MembershipMessage;
import io.ringwork.core.membership.MembershipMessage.Ack;
import io.ringwork.core.membership.MembershipMessage.Alive;
import io.ringwork.core.membership.MembershipMessage.Dead;
import io.ringwork.core.membership.MembershipMessage.IndirectPing;
import io.ringwork.core.membership.MembershipMessage.Nack;
import io.ringwork.core.membership.MembershipMessage.Ping;
import io.ringwork.core.membership.MembershipMessage.PushPull;
import io.ringwork.core.membership.MembershipMessage.Suspect;
import io.ringwork.core.membership.MembershipMessage.UserData;
import io.ringwork.core.transport.Address;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Encodes each message type as {@code type byte, varint length, fields}. Field tags are fixed
 * forever: a new field gets a new tag, a removed field's tag is never reused. Decoding skips
 * unknown tags and unknown message types; a missing required field is malformed.
 * Stateless and thread-safe.
 */
public final class MessageCodec {
    private MessageCodec() {}

    static final int PING = 1, INDIRECT_PING = 2, ACK = 3, NACK = 4, ALIVE = 5, SUSPECT = 6, DEAD = 7, PUSH_PULL = 8, USER_DATA = 9;

    /** Bytes a {@link UserData} adds around its payload of up to 2 MiB: type, length, two field headers, the flag. */
    public static final int USER_DATA_OVERHEAD_BYTES = 1 + 4 + 1 + 4 + 3;

    /** Exact encoded size of {@code message} inside a packet, type byte and length included. */
    public static int sizeBytes(MembershipMessage message) {
        WireWriter body = body(message);
        return 1 + WireWriter.varintSize(body.size()) + body.size();
    }

    /** Exact encoded size of one member's metadata map (what {@code metadataBytesMax} limits). */
    public static int metadataSizeBytes(Map<String, String> metadata) {
        WireWriter out = new WireWriter(64);
        writeMetadata(out, 1, metadata);
        return out.size();
    }

    static void write(WireWriter out, MembershipMessage message) {
        WireWriter body = body(message);
        out.rawByte(typeOf(message));
        out.varint(body.size());
        out.rawBytes(body.toByteArray());
    }

    private static int typeOf(MembershipMessage message) {
        return switch (message) {
            case Ping p -> PING;
            case IndirectPing p -> INDIRECT_PING;
            case Ack a -> ACK;
            case Nack n -> NACK;
            case Alive a -> ALIVE;
            case Suspect s -> SUSPECT;
            case Dead d -> DEAD;
            case PushPull p -> PUSH_PULL;
            case UserData u -> USER_DATA;
        };
    }

    private static WireWriter body(MembershipMessage message) {
        WireWriter out = new WireWriter(32);
        switch (message) {
            case Ping p -> { out.field(1, p.seq() & 0xFFFFFFFFL); out.field(2, p.targetId()); }
            case IndirectPing p -> {
                out.field(1, p.seq() & 0xFFFFFFFFL);
                out.field(2, p.targetId());
                writeAddress(out, 3, 4, p.targetAddress());
                out.field(5, p.nackAfterMs());
            }
            case Ack a -> {
                out.field(1, a.seq() & 0xFFFFFFFFL);
                if (a.health() > 0) out.field(3, a.health()); // absent means 0, as an older node reads it
            }
            case Nack n -> out.field(1, n.seq() & 0xFFFFFFFFL);
            case Alive a -> {
                out.field(1, a.id());
                out.field(2, a.incarnation());
                writeAddress(out, 3, 4, a.address());
                writeMetadata(out, 5, a.metadata());
            }
            case Suspect s -> { out.field(1, s.id()); out.field(2, s.incarnation()); out.field(3, s.fromId()); }
            case Dead d -> { out.field(1, d.id()); out.field(2, d.incarnation()); out.field(3, d.fromId()); }
            case PushPull p -> {
                out.field(1, p.join());
                out.field(2, p.reply());
                for (Member member : p.members()) out.field(3, member(member));
            }
            case UserData u -> { out.field(1, u.payload()); out.field(2, u.state()); }
        }
        return out;
    }

    private static WireWriter member(Member member) {
        WireWriter out = new WireWriter(64);
        out.field(1, member.id());
        writeAddress(out, 2, 3, member.address());
        out.field(4, member.state().ordinal());
        out.field(5, member.incarnation());
        writeMetadata(out, 6, member.metadata());
        return out;
    }

    private static void writeAddress(WireWriter out, int hostTag, int portTag, Address address) {
        out.field(hostTag, address.host());
        out.field(portTag, address.port());
    }

    private static void writeMetadata(WireWriter out, int tag, Map<String, String> metadata) {
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            WireWriter pair = new WireWriter(32);
            pair.field(1, entry.getKey());
            pair.field(2, entry.getValue());
            out.field(tag, pair);
        }
    }

    /**
     * Reads one message; returns null for an unknown type (skipped whole, thanks to its length).
     * Throws MalformedException on bad bytes or a missing required field; record validation
     * errors (an id too long, a bad port) become malformed too.
     */
    static MembershipMessage read(WireReader in) {
        int type = in.rawByte();
        int length = in.varintInt();
        return decodeBody(type, in.slice(length));
    }

    private static MembershipMessage decodeBody(int type, WireReader body) {
        try {
            return switch (type) {
                case PING, ACK, NACK -> decodeSeqMessage(type, body);
                case INDIRECT_PING -> decodeIndirectPing(body);
                case ALIVE -> decodeAlive(body);
                case SUSPECT, DEAD -> decodeSuspectOrDead(type, body);
                case PUSH_PULL -> decodePushPull(body);
                case USER_DATA -> decodeUserData(body);
                default -> null;
            };
        } catch (IllegalArgumentException | NullPointerException e) {
            // A record constructor refused a value (id too long, bad port...) or a required field was absent.
            throw new MalformedException("type " + type + ": " + e.getMessage());
        }
    }

    private static MembershipMessage decodeSeqMessage(int type, WireReader in) {
        Long seq = null;
        String target = null;
        int health = 0;
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> seq = in.valueLong();
                case 2 -> target = in.valueString();
                case 3 -> health = in.valueInt();
                default -> { /* unknown field from a newer version: skip */ }
            }
        }
        int seqInt = (int) (long) require(seq, "seq");
        return switch (type) {
            case PING -> new Ping(seqInt, require(target, "targetId"));
            case ACK -> new Ack(seqInt, health);
            default -> new Nack(seqInt);
        };
    }

    private static IndirectPing decodeIndirectPing(WireReader in) {
        Long seq = null;
        String target = null, host = null;
        Integer port = null;
        int nackAfterMs = 0;
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> seq = in.valueLong();
                case 2 -> target = in.valueString();
                case 3 -> host = in.valueString();
                case 4 -> port = in.valueInt();
                case 5 -> nackAfterMs = in.valueInt();
                default -> { }
            }
        }
        return new IndirectPing((int) (long) require(seq, "seq"), require(target, "targetId"),
                new Address(require(host, "host"), require(port, "port")), nackAfterMs);
    }

    private static Alive decodeAlive(WireReader in) {
        String id = null, host = null;
        Long incarnation = null;
        Integer port = null;
        SortedMap<String, String> metadata = new TreeMap<>();
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> id = in.valueString();
                case 2 -> incarnation = in.valueLong();
                case 3 -> host = in.valueString();
                case 4 -> port = in.valueInt();
                case 5 -> readMetadataEntry(in.valueReader(), metadata);
                default -> { }
            }
        }
        return new Alive(require(id, "id"), require(incarnation, "incarnation"),
                new Address(require(host, "host"), require(port, "port")), Member.metadataOf(metadata));
    }

    private static MembershipMessage decodeSuspectOrDead(int type, WireReader in) {
        String id = null, from = null;
        Long incarnation = null;
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> id = in.valueString();
                case 2 -> incarnation = in.valueLong();
                case 3 -> from = in.valueString();
                default -> { }
            }
        }
        Member.requireId(id);
        Member.requireId(from);
        long inc = require(incarnation, "incarnation");
        return type == SUSPECT ? new Suspect(id, inc, from) : new Dead(id, inc, from);
    }

    private static PushPull decodePushPull(WireReader in) {
        boolean join = false, reply = false;
        List<Member> members = new ArrayList<>();
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> join = in.valueBoolean();
                case 2 -> reply = in.valueBoolean();
                case 3 -> members.add(decodeMember(in.valueReader()));
                default -> { }
            }
        }
        return new PushPull(join, reply, members);
    }

    private static UserData decodeUserData(WireReader in) {
        byte[] payload = null;
        boolean state = false;
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> payload = in.valueBytes();
                case 2 -> state = in.valueBoolean();
                default -> { }
            }
        }
        return new UserData(state, require(payload, "payload"));
    }

    private static Member decodeMember(WireReader in) {
        String id = null, host = null;
        Integer port = null, state = null;
        Long incarnation = null;
        SortedMap<String, String> metadata = new TreeMap<>();
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> id = in.valueString();
                case 2 -> host = in.valueString();
                case 3 -> port = in.valueInt();
                case 4 -> state = in.valueInt();
                case 5 -> incarnation = in.valueLong();
                case 6 -> readMetadataEntry(in.valueReader(), metadata);
                default -> { }
            }
        }
        MemberState[] states = MemberState.values();
        int stateIndex = require(state, "state");
        if (stateIndex >= states.length) throw new MalformedException("unknown member state " + stateIndex);
        return new Member(require(id, "id"), new Address(require(host, "host"), require(port, "port")),
                states[stateIndex], require(incarnation, "incarnation"), metadata);
    }

    private static void readMetadataEntry(WireReader in, Map<String, String> metadata) {
        String key = null, value = null;
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> key = in.valueString();
                case 2 -> value = in.valueString();
                default -> { }
            }
        }
        metadata.put(require(key, "metadata key"), require(value, "metadata value"));
    }

    private static <T> T require(T value, String name) {
        if (value == null) throw new MalformedException("missing required field " + name);
        return value;
    }
}
