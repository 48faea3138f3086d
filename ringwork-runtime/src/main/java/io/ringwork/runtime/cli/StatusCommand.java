package io.ringwork.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.runtime.client.RingworkClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ringwork status}: members and partition progress as seen by one node. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the cluster's members and partitions.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--node", defaultValue = "http://127.0.0.1:8080", description = "a node's HTTP URL (default ${DEFAULT-VALUE})") String node;
    @Option(names = "--token", paramLabel = "SECRET", description = "API token (default: $RINGWORK_TOKEN)") String token;
    @Option(names = "--cacert", paramLabel = "FILE", description = "for an https --node: trust the CA certificate(s) in this PEM file (default: the Java runtime's trust store)") java.nio.file.Path cacert;
    @Option(names = "--partitions", description = "list every partition, not only a summary") boolean partitions;

    @Override
    public Integer call() throws Exception {
        JsonNode cluster = RingworkClient.forCommandLine(node, token, cacert).cluster();
        System.out.printf("node %s, %d partitions%n%n", cluster.path("node").asText(), cluster.path("partitionCount").asInt());
        System.out.printf("%-16s %-8s %11s %-22s %-22s %s%n", "MEMBER", "STATE", "INCARNATION", "ADDRESS", "HTTP", "METADATA");
        for (JsonNode m : cluster.path("members")) {
            StringBuilder metadata = new StringBuilder();
            m.path("metadata").fields().forEachRemaining(e -> metadata.append(e.getKey()).append('=').append(e.getValue().asText()).append(' '));
            System.out.printf("%-16s %-8s %11d %-22s %-22s %s%s%n", m.path("id").asText(), m.path("state").asText(),
                    m.path("incarnation").asLong(), m.path("address").asText(), m.path("http").asText(),
                    metadata.toString().trim(), m.path("self").asBoolean() ? " (this node)" : "");
        }
        JsonNode totals = cluster.path("totals");
        System.out.printf("%napplied %d, rejected %d, skipped %d, lag %d; recent append-to-commit latency p50 %.1f ms, p99 %.1f ms%n",
                totals.path("applied").asLong(), totals.path("rejected").asLong(), totals.path("skipped").asLong(),
                totals.path("lag").asLong(), totals.path("endToEndLatencyMs").path("p50").asDouble(),
                totals.path("endToEndLatencyMs").path("p99").asDouble());
        if (partitions) {
            System.out.printf("%n%-10s %-16s %12s %12s %8s%n", "PARTITION", "OWNER", "CHECKPOINT", "LOG END", "LAG");
            for (JsonNode p : cluster.path("partitions")) {
                System.out.printf("%-10d %-16s %12d %12d %8d%n", p.path("partition").asInt(), p.path("owner").asText("-"),
                        p.path("checkpoint").asLong(), p.path("logEnd").asLong(), p.path("lag").asLong());
            }
        }
        return 0;
    }
}
