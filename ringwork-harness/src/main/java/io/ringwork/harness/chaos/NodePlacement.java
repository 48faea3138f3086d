package io.ringwork.harness.chaos;

import io.ringwork.harness.netns.NetworkNamespaces.Direction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a chaos run's nodes run, which log they read, and how the network between them is cut:
 * on loopback with a shared embedded log ({@link #loopback}), or each on a host of its own
 * ({@link NamespacePlacement}). Node ids are {@code n1, n2, ...} ({@link FaultSchedule#nodeId}).
 */
public interface NodePlacement {
    /** The address node {@code id} binds its HTTP, cluster and peer ports on. */
    String host(String id);

    /** Put before the node's java command, e.g. {@code ip netns exec NAME}; empty to run it here. */
    List<String> commandPrefix(String id);

    /** The node's flags beyond its id, addresses and data directory: its log, and e.g. {@code --secret-file}. */
    List<String> nodeArgs(String id);

    /**
     * The class path node {@code id} runs with when it starts next (e.g. an older release for an
     * upgrade test), or null for this JVM's own.
     */
    default String classpath(String id) {
        return null;
    }

    /**
     * Called before a restart fault starts node {@code id} again: an upgrade test moves the node
     * to the new release here. Returns what the node runs from now on, for the report ("" to say
     * nothing).
     */
    default String beforeRestart(String id) {
        return "";
    }

    /** Whether {@link #cut} works here (partition faults need it). */
    boolean canCut();

    /** Cuts node {@code id} off from every other node: both ways, or only what it sends. */
    void cut(String id, Direction direction) throws IOException;

    /** Undoes {@link #cut} of node {@code id}; nothing to undo is fine. */
    void heal(String id) throws IOException;

    /** Every node on 127.0.0.1, sharing the embedded log in {@code work/log}; no cuts. */
    static NodePlacement loopback(Path work) {
        return loopback(List.of("--log-dir", work.resolve("log").toString()));
    }

    /**
     * Every node on 127.0.0.1 with the log flags {@code logArgs}: {@code --log-dir DIR}, or
     * {@code --kafka BOOTSTRAP --topic NAME} (then each node has only its own data directory); no cuts.
     */
    static NodePlacement loopback(List<String> logArgs) {
        List<String> args = List.copyOf(logArgs);
        return new NodePlacement() {
            @Override
            public String host(String id) {
                return "127.0.0.1";
            }

            @Override
            public List<String> commandPrefix(String id) {
                return List.of();
            }

            @Override
            public List<String> nodeArgs(String id) {
                return args;
            }

            @Override
            public boolean canCut() {
                return false;
            }

            @Override
            public void cut(String id, Direction direction) {
                throw new UnsupportedOperationException("nodes on loopback cannot be cut off: partition faults need a host per node");
            }

            @Override
            public void heal(String id) {
                // nothing is ever cut here
            }
        };
    }
}
