package io.ringwork.harness.chaos;

import io.ringwork.harness.netns.NetworkNamespaces;
import io.ringwork.harness.netns.NetworkNamespaces.Direction;
import io.ringwork.harness.netns.NetworkNamespaces.Host;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Each node on a host of its own: node {@code nI} runs in {@code nodeHosts.get(I - 1)}'s network
 * namespace and binds that host's address. A cut drops its traffic to and from the other node
 * hosts only, so the test (in the root namespace) still reaches it, and so does a broker on a host
 * that is not in {@code nodeHosts}.
 *
 * @param nodeHosts the hosts nodes run on, in node order
 * @param logArgs   every node's log flags: {@code --log-dir DIR} for the embedded log on the one
 *                  file system all namespaces share, or {@code --kafka BOOTSTRAP --topic NAME}
 * @param extraArgs further flags for every node, e.g. {@code --secret-file FILE} (nodes off
 *                  loopback need it, or {@code --insecure-peers}, for their peer port)
 */
public record NamespacePlacement(NetworkNamespaces nets, List<Host> nodeHosts, List<String> logArgs, List<String> extraArgs)
        implements NodePlacement {
    public NamespacePlacement {
        nodeHosts = List.copyOf(nodeHosts);
        logArgs = List.copyOf(logArgs);
        extraArgs = List.copyOf(extraArgs);
    }

    Host hostOf(String id) {
        int i;
        try {
            i = Integer.parseInt(id.substring(1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("node ids here are n1, n2, ...: " + id);
        }
        if (i < 1 || i > nodeHosts.size()) {
            throw new IllegalArgumentException("node " + id + " has no host: " + nodeHosts.size() + " hosts for nodes");
        }
        return nodeHosts.get(i - 1);
    }

    @Override
    public String host(String id) {
        return hostOf(id).address();
    }

    @Override
    public List<String> commandPrefix(String id) {
        return hostOf(id).exec();
    }

    @Override
    public List<String> nodeArgs(String id) {
        List<String> args = new ArrayList<>(logArgs);
        args.addAll(extraArgs);
        return args;
    }

    @Override
    public boolean canCut() {
        return true;
    }

    @Override
    public void cut(String id, Direction direction) throws IOException {
        nets.cut(hostOf(id), direction, nodeHosts);
    }

    @Override
    public void heal(String id) throws IOException {
        nets.heal(hostOf(id));
    }
}
