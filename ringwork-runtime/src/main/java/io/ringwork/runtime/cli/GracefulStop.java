package io.ringwork.runtime.cli;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a graceful stop on SIGTERM and SIGINT instead of the JVM's default, which exits with 143
 * (130) after the shutdown hooks. A supervisor (systemd, Kubernetes) reads 143 as a failure; with
 * this handler the node leaves the cluster and its main thread returns, so a requested stop exits
 * 0. Where the JVM does not let a program handle a signal ({@code -Xrs}, some platforms), the
 * default stays and the shutdown hook still leaves gracefully, exiting 143.
 */
final class GracefulStop {
    private static final Logger LOG = LoggerFactory.getLogger(GracefulStop.class);

    private GracefulStop() {}

    /** Calls {@code stop} with the signal's name ("TERM", "INT") on its own thread when one arrives. */
    static void onTerminate(Consumer<String> stop) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> stop.accept(signal.getName()));
            } catch (IllegalArgumentException e) {
                LOG.debug("SIG{} cannot be handled here ({}); the shutdown hook stops the node", name, e.getMessage());
            }
        }
    }
}
