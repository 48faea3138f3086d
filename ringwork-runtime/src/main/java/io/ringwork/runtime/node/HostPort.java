package io.ringwork.runtime.node;

import io.ringwork.core.util.Invariants;
import java.net.InetSocketAddress;

/** A {@code host:port} setting. Port 0 means "any free port". */
public record HostPort(String host, int port) {
    public static HostPort parse(String value, String setting) {
        Invariants.require(value != null && !value.isBlank(), "%s must be host:port, got nothing", setting);
        int colon = value.lastIndexOf(':');
        Invariants.require(colon > 0 && colon < value.length() - 1, "%s must be host:port, got '%s'", setting, value);
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + " port must be a number, got '" + value + "'");
        }
        Invariants.require(port >= 0 && port <= 65535, "%s port must be in [0, 65535], got %s", setting, port);
        return new HostPort(value.substring(0, colon), port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
