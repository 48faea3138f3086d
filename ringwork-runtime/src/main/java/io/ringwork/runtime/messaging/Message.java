package io.ringwork.runtime.messaging;

/**
 * One message as a subscriber receives it.
 *
 * @param id       unique per origin node: {@code origin-N}
 * @param mode     send, publish or anycast
 * @param target   the ID (send) or topic it went to
 * @param origin   the node a client handed it to
 * @param sentAtMs when the origin took it (wall clock)
 * @param payload  the JSON the client sent, as bytes
 * @param reroutes how often it was handed on after a subscriber that held it went away (anycast only)
 */
public record Message(String id, io.ringwork.runtime.peer.RelayedMessage.Mode mode, String target, String origin, long sentAtMs,
                      byte[] payload, int reroutes) {
    Message withReroute() {
        return new Message(id, mode, target, origin, sentAtMs, payload, reroutes + 1);
    }
}
