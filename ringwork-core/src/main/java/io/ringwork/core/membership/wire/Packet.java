package io.ringwork.core.membership.wire;

import io.ringwork.core.membership.MembershipMessage;
import io.ringwork.core.transport.Address;

import java.util.List;

/**
 * One decoded packet (best-effort lane) or frame (reliable lane): who sent it, where it listens,
 * and the messages it carries (a probe plus piggybacked gossip, or one push-pull).
 */
public record Packet(String senderId, Address senderAddress, List<MembershipMessage> messages) {
    public Packet {
        messages = List.copyOf(messages);
    }
}
