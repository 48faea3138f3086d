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
import io.ringwork.core.transport.Address;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PacketCodecTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private static final Address HERE = new Address("127.0.0.1", 7946);
    private static final int LIMIT = 1400;

    private static final List<MembershipMessage> EVERY_MESSAGE = List.of(
            new Ping(1, "b"),
            new Ping(-5, "b"), // sequence numbers wrap: negative ints must survive
            new IndirectPing(2, "c", new Address("10.1.2.3", 65535), 80),
            new Ack(3),
            new Ack(4, 3), // the answering member's own health
            new Nack(Integer.MAX_VALUE),
            new Alive("n1", 42, HERE, Member.metadataOf(Map.of("zone", "eu-1", "weight", "2", "ünïcode", "✓"))),
            new Suspect("n2", 7, "n1"),
            new Dead("n3", Long.MAX_VALUE, "n3"),
            new PushPull(true, false, List.of(
                    new Member("n1", HERE, MemberState.ALIVE, 1, Member.metadataOf(Map.of("k", "v"))),
                    new Member("n2", new Address("h", 1), MemberState.LEFT, 9, null))));

    @Test
    void everyMessageTypeRoundTripsWithAndWithoutASecret() {
        for (byte[] secret : Arrays.asList(SECRET, null)) {
            PacketCodec codec = new PacketCodec("prod", secret);
            Packet packet = new Packet("n1", HERE, EVERY_MESSAGE);

            DecodeResult result = codec.decode(codec.encode(packet, 1 << 20), 1 << 20);

            assertThat(result).isEqualTo(new DecodeResult.Decoded(packet, 0));
        }
    }

    @Test
    void sizeBytesIsExact() {
        PacketCodec codec = new PacketCodec("prod", null);
        int empty = codec.encode(new Packet("n1", HERE, List.of()), LIMIT).length;
        for (MembershipMessage message : EVERY_MESSAGE) {
            int one = codec.encode(new Packet("n1", HERE, List.of(message)), 1 << 20).length;
            assertThat(one - empty).as(message.toString()).isEqualTo(MessageCodec.sizeBytes(message));
        }
        assertThat(PacketCodec.overheadBytes("prod", "n1", HERE, false)).isGreaterThanOrEqualTo(empty);
    }

    @Test
    void unknownFieldsAndMessageTypesFromANewerVersionAreSkipped() {
        WireWriter out = new WireWriter(128);
        out.rawByte('R');
        out.rawByte('W');
        out.rawByte(1);
        out.rawByte(0);
        WireWriter header = new WireWriter(64);
        header.field(1, "prod");
        header.field(2, "n9");
        header.field(3, "127.0.0.1");
        header.field(4, 7000);
        header.field(15, "a header field added later");
        out.varint(header.size());
        out.rawBytes(header.toByteArray());
        WireWriter ping = new WireWriter(32);
        ping.field(1, 12);
        ping.field(2, "n1");
        ping.field(9, "a field only version 2 knows");
        ping.field(10, 123456789L);
        out.rawByte(MessageCodec.PING);
        out.varint(ping.size());
        out.rawBytes(ping.toByteArray());
        out.rawByte(99); // a message type only version 2 knows
        out.varint(3);
        out.rawBytes(new byte[]{1, 2, 3});

        DecodeResult result = new PacketCodec("prod", null).decode(out.toByteArray(), LIMIT);

        assertThat(result).isEqualTo(new DecodeResult.Decoded(
                new Packet("n9", new Address("127.0.0.1", 7000), List.of(new Ping(12, "n1"))), 1));
    }

    @Test
    void packetsOfAnotherClusterAreDropped() {
        byte[] bytes = new PacketCodec("staging", SECRET).encode(new Packet("n1", HERE, List.of(new Ack(1))), LIMIT);
        assertThat(reason(new PacketCodec("prod", SECRET).decode(bytes, LIMIT))).isEqualTo(DropReason.WRONG_CLUSTER);
    }

    @Test
    void authenticationFailuresAreDropped() {
        Packet packet = new Packet("n1", HERE, List.of(new Ack(1)));
        byte[] signed = new PacketCodec("prod", SECRET).encode(packet, LIMIT);
        byte[] otherKey = new PacketCodec("prod", "another-secret-of-32-bytes-long!".getBytes()).encode(packet, LIMIT);
        byte[] unsigned = new PacketCodec("prod", null).encode(packet, LIMIT);
        byte[] tampered = signed.clone();
        tampered[tampered.length - PacketCodec.MAC_BYTES - 1] ^= 1; // flip a bit of the Ack's seq

        PacketCodec receiver = new PacketCodec("prod", SECRET);
        assertThat(reason(receiver.decode(otherKey, LIMIT))).isEqualTo(DropReason.BAD_AUTH);
        assertThat(reason(receiver.decode(unsigned, LIMIT))).isEqualTo(DropReason.BAD_AUTH);
        assertThat(reason(receiver.decode(tampered, LIMIT))).isEqualTo(DropReason.BAD_AUTH);
        assertThat(reason(new PacketCodec("prod", null).decode(signed, LIMIT))).isEqualTo(DropReason.BAD_AUTH);
        assertThat(receiver.decode(signed, LIMIT)).isInstanceOf(DecodeResult.Decoded.class);
    }

    @Test
    void everyTruncationIsMalformedOrAuthFailure() {
        PacketCodec codec = new PacketCodec("prod", null);
        byte[] bytes = codec.encode(new Packet("n1", HERE, EVERY_MESSAGE), 1 << 20);
        for (int length = 0; length < bytes.length; length++) {
            DecodeResult result = codec.decode(Arrays.copyOf(bytes, length), 1 << 20);
            // A cut exactly between two messages is a valid, shorter packet; anything else must be dropped.
            if (result instanceof DecodeResult.Decoded decoded) {
                List<MembershipMessage> messages = decoded.packet().messages();
                assertThat(messages).isEqualTo(EVERY_MESSAGE.subList(0, messages.size()));
            } else {
                assertThat(reason(result)).isEqualTo(DropReason.MALFORMED);
            }
        }
    }

    @Test
    void oversizedPacketsAreDroppedBeforeParsingAndRefusedWhenEncoding() {
        PacketCodec codec = new PacketCodec("prod", null);
        assertThat(reason(codec.decode(new byte[LIMIT + 1], LIMIT))).isEqualTo(DropReason.OVERSIZED);
        Packet big = new Packet("n1", HERE, List.of(new Alive("n1", 1, HERE, Member.metadataOf(Map.of("k", "v".repeat(2000))))));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> codec.encode(big, LIMIT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void invalidValuesInsideAWellFormedPacketAreMalformed() {
        WireWriter out = new WireWriter(64);
        out.rawBytes(new byte[]{'R', 'W', 1, 0});
        WireWriter header = new WireWriter(64);
        header.field(1, "prod");
        header.field(2, "n9");
        header.field(3, "127.0.0.1");
        header.field(4, 70_000); // not a port
        out.varint(header.size());
        out.rawBytes(header.toByteArray());

        assertThat(reason(new PacketCodec("prod", null).decode(out.toByteArray(), LIMIT))).isEqualTo(DropReason.MALFORMED);
    }

    @Property(tries = 300)
    void garbageNeverThrows(@ForAll byte[] garbage) {
        DecodeResult result = new PacketCodec("prod", null).decode(garbage, LIMIT);
        assertThat(result).isNotNull();
    }

    @Property(tries = 200)
    void garbageAfterAValidPrefixNeverThrows(@ForAll("suffixes") byte[] suffix) {
        byte[] prefix = new PacketCodec("prod", null).encode(new Packet("n1", HERE, List.of()), LIMIT);
        byte[] bytes = Arrays.copyOf(prefix, prefix.length + suffix.length);
        System.arraycopy(suffix, 0, bytes, prefix.length, suffix.length);
        assertThat(new PacketCodec("prod", null).decode(bytes, LIMIT)).isNotNull();
    }

    @Property(tries = 200)
    void aliveAndSuspectRoundTrip(@ForAll("ids") String id, @ForAll("incarnations") long incarnation,
                                  @ForAll("ids") String key) {
        PacketCodec codec = new PacketCodec("prod", SECRET);
        Packet packet = new Packet(id, HERE, List.of(
                new Alive(id, incarnation, HERE, Member.metadataOf(Map.of(key, id))),
                new Suspect(id, incarnation, key)));
        assertThat(codec.decode(codec.encode(packet, LIMIT), LIMIT)).isEqualTo(new DecodeResult.Decoded(packet, 0));
    }

    @Provide
    Arbitrary<byte[]> suffixes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(40);
    }

    @Provide
    Arbitrary<Long> incarnations() {
        return Arbitraries.longs().greaterOrEqual(0);
    }

    private static DropReason reason(DecodeResult result) {
        assertThat(result).isInstanceOf(DecodeResult.Dropped.class);
        return ((DecodeResult.Dropped) result).reason();
    }
}
