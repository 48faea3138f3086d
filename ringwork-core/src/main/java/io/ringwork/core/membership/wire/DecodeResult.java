package io.ringwork.core.membership.wire;

/** The outcome of decoding bytes from the network: a packet or a counted drop, never an exception. */
public sealed interface DecodeResult {

    /** {@code unknownMessages} counts message types this version does not know and skipped. */
    record Decoded(Packet packet, int unknownMessages) implements DecodeResult {}

    record Dropped(DropReason reason, String detail) implements DecodeResult {}
}
