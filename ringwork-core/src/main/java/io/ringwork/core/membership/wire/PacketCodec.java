package io.ringwork.core.membership.wire;

import io.ringwork.core.membership.MembershipMessage;
import io.ringwork.core.transport.Address;
import io.ringwork.core.util.Invariants;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a {@link Packet} into bytes and back, for both lanes:
 *
 * <pre>
 *   'R' 'W' version flags | varint headerLength, header fields (1 cluster, 2 senderId, 3 host, 4 port)
 *   | messages (type, varint length, fields)... | HMAC-SHA256 (32 bytes, when a secret is set)
 * </pre>
 *
 * The MAC covers every byte before it. Decoding checks, in order: size, magic and version,
 * authentication flag, cluster name, MAC, then the messages; the first failure is the drop
 * reason. Decoding never throws. Not thread-safe (it holds a {@link Mac}): one codec per thread.
 */
public final class PacketCodec {
    static final byte MAGIC_0 = 'R', MAGIC_1 = 'W', VERSION = 1;
    static final int FLAG_AUTHENTICATED = 1;
    public static final int MAC_BYTES = 32;

    private final String clusterName;
    private final Mac mac;

    /** @param secret shared key for HMAC-SHA256, or null for unauthenticated packets; copied */
    public PacketCodec(String clusterName, byte[] secret) {
        Invariants.require(clusterName != null && !clusterName.isEmpty(), "clusterName is required");
        Invariants.require(secret == null || secret.length >= 16, "a secret needs at least 16 bytes");
        this.clusterName = clusterName;
        this.mac = secret == null ? null : newMac(secret);
    }

    /** Bytes a packet from this sender spends before its first message, MAC included: the piggyback budget's overhead. */
    public static int overheadBytes(String clusterName, String senderId, Address senderAddress, boolean authenticated) {
        return 4 + 5 + header(clusterName, senderId, senderAddress).size() + (authenticated ? MAC_BYTES : 0);
    }

    /** Encodes; throws IllegalArgumentException when the result would exceed {@code bytesMax}. */
    public byte[] encode(Packet packet, int bytesMax) {
        WireWriter out = new WireWriter(256);
        out.rawByte(MAGIC_0);
        out.rawByte(MAGIC_1);
        out.rawByte(VERSION);
        out.rawByte(mac == null ? 0 : FLAG_AUTHENTICATED);
        WireWriter header = header(clusterName, packet.senderId(), packet.senderAddress());
        out.varint(header.size());
        out.rawBytes(header.toByteArray());
        for (MembershipMessage message : packet.messages()) MessageCodec.write(out, message);
        if (mac != null) out.rawBytes(sign(out.toByteArray(), out.size()));
        Invariants.require(out.size() <= bytesMax, "packet of %s bytes exceeds the limit of %s", out.size(), bytesMax);
        return out.toByteArray();
    }

    /** Decodes bytes from the network; any problem becomes a {@link DecodeResult.Dropped}. */
    public DecodeResult decode(byte[] bytes, int bytesMax) {
        if (bytes.length > bytesMax) return new DecodeResult.Dropped(DropReason.OVERSIZED, bytes.length + " bytes");
        try {
            return decodeChecked(bytes);
        } catch (MalformedException e) {
            return new DecodeResult.Dropped(DropReason.MALFORMED, e.getMessage());
        }
    }

    private DecodeResult decodeChecked(byte[] bytes) {
        if (bytes.length < 4 || bytes[0] != MAGIC_0 || bytes[1] != MAGIC_1 || bytes[2] != VERSION) {
            return new DecodeResult.Dropped(DropReason.MALFORMED, "not a ringwork v1 packet");
        }
        boolean authenticated = (bytes[3] & FLAG_AUTHENTICATED) != 0;
        if (authenticated != (mac != null)) {
            return new DecodeResult.Dropped(DropReason.BAD_AUTH, authenticated ? "unexpected MAC" : "missing MAC");
        }
        int end = bytes.length - (authenticated ? MAC_BYTES : 0);
        if (end < 4) throw new MalformedException("shorter than its MAC");
        WireReader in = new WireReader(bytes, 4, end);
        Header header = readHeader(in.slice(in.varintInt()));
        if (!clusterName.equals(header.cluster)) {
            return new DecodeResult.Dropped(DropReason.WRONG_CLUSTER, header.cluster);
        }
        if (authenticated && !MessageDigest.isEqual(sign(bytes, end), Arrays.copyOfRange(bytes, end, bytes.length))) {
            return new DecodeResult.Dropped(DropReason.BAD_AUTH, "MAC mismatch");
        }
        List<MembershipMessage> messages = new ArrayList<>();
        int unknown = 0;
        while (in.hasMore()) {
            MembershipMessage message = MessageCodec.read(in);
            if (message == null) unknown++;
            else messages.add(message);
        }
        return new DecodeResult.Decoded(new Packet(header.senderId, header.address(), messages), unknown);
    }

    private record Header(String cluster, String senderId, String host, Integer port) {
        Address address() {
            try {
                return new Address(host, port);
            } catch (IllegalArgumentException e) {
                throw new MalformedException("bad sender address: " + e.getMessage());
            }
        }
    }

    private static WireWriter header(String clusterName, String senderId, Address senderAddress) {
        WireWriter header = new WireWriter(64);
        header.field(1, clusterName);
        header.field(2, senderId);
        header.field(3, senderAddress.host());
        header.field(4, senderAddress.port());
        return header;
    }

    private static Header readHeader(WireReader in) {
        String cluster = null, sender = null, host = null;
        Integer port = null;
        while (in.hasMore()) {
            switch (in.nextField()) {
                case 1 -> cluster = in.valueString();
                case 2 -> sender = in.valueString();
                case 3 -> host = in.valueString();
                case 4 -> port = in.valueInt();
                default -> { /* a newer version's header field */ }
            }
        }
        if (cluster == null || sender == null || host == null || port == null) {
            throw new MalformedException("header misses cluster, sender or address");
        }
        if (sender.isEmpty() || sender.length() > io.ringwork.core.membership.Member.ID_LENGTH_MAX) {
            throw new MalformedException("bad sender id");
        }
        return new Header(cluster, sender, host, port);
    }

    private byte[] sign(byte[] bytes, int length) {
        mac.update(bytes, 0, length);
        return mac.doFinal();
    }

    private static Mac newMac(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.clone(), "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            // Every JDK ships HmacSHA256; failing here means a broken JDK, not bad input.
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
