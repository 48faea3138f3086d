package io.ringwork.core.transport;

import io.ringwork.core.util.Invariants;

/**
 * Where a node listens: one host and one port serve both lanes (UDP and TCP share the port
 * number). Immutable; equality is by host string and port, so {@code localhost} and
 * {@code 127.0.0.1} are different addresses — configure one spelling per cluster.
 */
public record Address(String host, int port) implements Comparable<Address> {
    /** Host names longer than this are rejected: DNS names stop at 253 characters. */
    public static final int HOST_LENGTH_MAX = 253;

    public Address {
        Invariants.require(host != null && !host.isEmpty() && host.length() <= HOST_LENGTH_MAX,
                "host must have 1..%s characters: %s", HOST_LENGTH_MAX, host);
        Invariants.require(port >= 0 && port <= 65_535, "port out of range: %s", port);
    }

    /** Parses {@code host:port}; throws IllegalArgumentException on anything else. */
    public static Address parse(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        Invariants.require(colon > 0 && colon < text.length() - 1, "expected host:port, got %s", text);
        try {
            return new Address(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + text, e);
        }
    }

    @Override
    public int compareTo(Address other) {
        int byHost = host.compareTo(other.host);
        return byHost != 0 ? byHost : Integer.compare(port, other.port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
