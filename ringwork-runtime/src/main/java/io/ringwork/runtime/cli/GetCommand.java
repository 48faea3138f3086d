package io.ringwork.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.client.RingworkClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ringwork get KEY}: a key's state and version. */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Print a key's state (version and value).")
final class GetCommand implements Callable<Integer> {
    @Parameters(paramLabel = "KEY", description = "e.g. acme/doc-1 or user/42") String key;
    @Option(names = "--node", defaultValue = "http://127.0.0.1:8080", description = "a node's HTTP URL (default ${DEFAULT-VALUE})") String node;
    @Option(names = "--token", paramLabel = "SECRET", description = "API token (default: $RINGWORK_TOKEN)") String token;
    @Option(names = "--cacert", paramLabel = "FILE", description = "for an https --node: trust the CA certificate(s) in this PEM file (default: the Java runtime's trust store)") java.nio.file.Path cacert;

    @Override
    public Integer call() throws Exception {
        JsonNode state = RingworkClient.forCommandLine(node, token, cacert).state(key);
        if (state == null) {
            System.err.println("no state for key '" + key + "' (never written, or deleted)");
            return 1;
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(state));
        return 0;
    }
}
