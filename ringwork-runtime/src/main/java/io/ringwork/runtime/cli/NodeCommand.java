package io.ringwork.runtime.cli;

import io.ringwork.runtime.config.ConfigResolver;
import io.ringwork.runtime.config.NodeSettings;
import io.ringwork.runtime.logging.LogFormat;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ringwork node}: one long-running node. Each setting comes from its flag, else its
 * {@code RINGWORK_*} environment variable, else the YAML config file ({@code --config}), else its
 * default ({@link ConfigResolver}; the settings are listed in {@link NodeSettings}).
 * {@code --print-config} prints the result and where each value came from, and starts nothing.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = {"Run one ringwork node until stopped (SIGTERM or Ctrl-C).",
        "Every setting is a flag, a key of the YAML --config file (the flag without '--') and an environment variable "
                + "(RINGWORK_ and the key in upper case with '_' for '-', e.g. RINGWORK_NODE_ID); flag > env > file > default."})
final class NodeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);
    @Spec CommandSpec spec;

    /** The environment the settings' variables are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; keys are the flag names (default: $RINGWORK_CONFIG, else none)")
    Path configFile;
    @Option(names = "--print-config", description = "print the effective configuration and where each value came from, then exit without starting")
    boolean printConfig;

    @Option(names = "--health-webhook", paramLabel = "URL", description = "POST each health transition of the targets this node checks to this URL, once (a flag only, not a file setting)")
    String healthWebhook;

    // The settings: each long name is a NodeSettings key with '--' in front (NodeCommandTest checks that the
    // two lists agree). Values stay text here so that flags, variables and the file are read by one parser.
    @Option(names = "--node-id", paramLabel = "NAME", description = "this node's unique name (default node-1)") String nodeId;
    @Option(names = "--bind", paramLabel = "HOST:PORT", description = "cluster traffic address (default 127.0.0.1:7946)") String bind;
    @Option(names = "--http", paramLabel = "HOST:PORT", description = "HTTP API address; port 0 picks one (default 127.0.0.1:8080)") String http;
    @Option(names = "--seeds", paramLabel = "HOST:PORT,...", split = ",", description = "nodes to join through") List<String> seeds;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "state directory (default ringwork-data/NODE-ID)") String dataDir;
    @Option(names = "--log-dir", paramLabel = "DIR", description = "embedded log directory (default ringwork-data/log)") String logDir;
    @Option(names = "--kafka", paramLabel = "HOST:PORT,...", description = "use a Kafka topic as the log (with --topic) instead of the embedded log in --log-dir; the bootstrap brokers") String kafka;
    @Option(names = "--topic", paramLabel = "NAME", description = "the Kafka topic of the log (with --kafka); it must exist, and its partition count is the log's") String topic;
    @Option(names = "--changes-topic", paramLabel = "NAME", description = "also write every applied change to this Kafka topic (with --kafka), keyed by record key; it must exist (cleanup.policy=compact recommended)") String changesTopic;
    @Option(names = "--partitions", paramLabel = "N", description = "partitions of a new log (default: the existing log's, 64 for a new one)") String partitions;
    @Option(names = "--fsync", paramLabel = "MODE", description = "log durability: always, interval, never (default interval)") String fsync;
    @Option(names = "--fsync-interval-ms", paramLabel = "MS", description = "fsync period with --fsync interval (default 100)") String fsyncIntervalMs;
    @Option(names = "--max-request-bytes", paramLabel = "BYTES", description = "largest accepted HTTP body (default 16 MiB)") String maxRequestBytes;
    @Option(names = "--max-document-bytes", paramLabel = "BYTES", description = "largest state a record may leave, as JSON; a record that would pass it is a dead letter (default 1 MiB)") String maxDocumentBytes;
    @Option(names = "--changes-retained", paramLabel = "N", description = "changes kept for feed replay (default 1000000)") String changesRetained;
    @Option(names = "--worker-threads", paramLabel = "N", description = "threads applying records (default 2 x cores, at least 4)") String workerThreads;
    @Option(names = "--max-inflight-requests", paramLabel = "N", description = "requests that add work (not reads) served at once; more get 503 busy (default 1024)") String maxInflightRequests;
    @Option(names = "--max-heap-percent", paramLabel = "PERCENT", description = "heap held after collection at or above which new work gets 503 busy (default 90)") String maxHeapPercent;
    @Option(names = "--max-queued-messages", paramLabel = "N", description = "messages waiting in subscriber queues at or above which new work gets 503 busy (default 100000)") String maxQueuedMessages;
    @Option(names = "--cluster", paramLabel = "NAME", description = "cluster name; packets of other clusters are dropped (default ringwork)") String cluster;
    @Option(names = "--membership", paramLabel = "PROFILE", description = "failure detector profile: lan (200 ms period) or wan (1 s; long round trips, very large clusters) (default lan)") String membership;
    @Option(names = "--log-retention-bytes", paramLabel = "BYTES", description = "log bytes kept per partition; -1: no limit (default -1)") String logRetentionBytes;
    @Option(names = "--log-retention-ms", paramLabel = "MS", description = "age after which log segments go; -1: no limit (default -1)") String logRetentionMs;
    @Option(names = "--replication-factor", paramLabel = "N", description = "nodes holding each partition's state, owner included (default 3)") String replicationFactor;
    @Option(names = "--weight", paramLabel = "N", description = "capacity weight: share of partitions relative to other nodes (default 1)") String weight;
    @Option(names = "--secret-file", paramLabel = "FILE", description = "shared key (>= 16 bytes) to authenticate cluster packets and peer frames") String secretFile;
    @Option(names = "--peer", paramLabel = "HOST:PORT", description = "peer port for replication; port 0 picks one (default: the --bind host, port 0)") String peer;
    @Option(names = "--api-tokens", paramLabel = "FILE", description = "API tokens (NAME sha256:HEX SCOPE... per line; ringwork token new); without it the API must be on loopback") String apiTokens;
    @Option(names = "--tls-cert", paramLabel = "FILE", description = "serve the API over HTTPS with this certificate chain (PEM); needs --tls-key; reloaded when the file changes") String tlsCert;
    @Option(names = "--tls-key", paramLabel = "FILE", description = "the private key of --tls-cert (PEM, PKCS#8, RSA or EC)") String tlsKey;
    @Option(names = "--peer-tls-cert", paramLabel = "FILE", description = "mutual TLS 1.3 on the peer channel with this node certificate (PEM); needs --peer-tls-key and --peer-tls-ca; reloaded when the files change") String peerTlsCert;
    @Option(names = "--peer-tls-key", paramLabel = "FILE", description = "the private key of --peer-tls-cert (PEM, PKCS#8)") String peerTlsKey;
    @Option(names = "--peer-tls-ca", paramLabel = "FILE", description = "the CA (PEM) that signs every node's peer certificate; peers are verified against it only") String peerTlsCa;
    // Booleans take an optional value so that a flag can turn off what the environment or the file turned on.
    @Option(names = "--insecure-api", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = "allow a non-loopback --http without --api-tokens (anyone who reaches it can read and write everything)") String insecureApi;
    @Option(names = "--log-format", paramLabel = "text|json", description = "text (default) or json: one JSON object per log line with time, level, logger, thread, message and exception") String logFormat;
    @Option(names = "--insecure-peers", arity = "0..1", fallbackValue = "true", paramLabel = "true|false", description = "allow a non-loopback --peer without --secret-file or peer TLS (peer traffic unauthenticated)") String insecurePeers;

    @Override
    public Integer call() throws Exception {
        ConfigResolver.Resolved resolved = resolveWithOrigins();
        if (printConfig) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(resolved.toYaml());
            out.flush();
            return 0;
        }
        NodeConfig config = resolved.config();
        LogFormat.apply(config.logFormat());
        java.net.URI webhook = healthWebhook == null ? null : webhookUrl(healthWebhook);
        RingworkNode node = RingworkNode.start(config);
        if (webhook != null) node.health().webhook(webhook);
        // SIGTERM and Ctrl-C: leave gracefully (hand partitions off, tell the cluster), then exit 0
        // from here. The hook covers every other way the JVM goes down while the node runs.
        GracefulStop.onTerminate(signal -> {
            LOG.info("node {} leaving the cluster (SIG{})", config.nodeId(), signal);
            node.close();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "ringwork-shutdown"));
        // The demo and the tests wait for this exact line to learn the HTTP port; "https=" instead of
        // "http=" when the API speaks TLS.
        var cluster = node.membership().localAddress();
        System.out.println("ringwork node " + config.nodeId() + " ready " + (node.serverTls() != null ? "https=" : "http=")
                + node.httpAddress()
                + " bind=" + cluster.host() + ":" + cluster.port() + " peer=" + node.peerAddress());
        System.out.flush();
        node.awaitStopped();
        if (node.failure() != null) {
            LOG.error("ringwork node {} stopped after a failure: {}", config.nodeId(), node.failure().toString());
            return 1;
        }
        return 0;
    }

    /** The configuration from the flags given, the environment and the config file. */
    ConfigResolver.Resolved resolveWithOrigins() {
        Map<String, Object> flags = new LinkedHashMap<>();
        for (OptionSpec option : spec.options()) {
            String key = option.longestName().substring(2);
            Object value = option.getValue();
            if (value != null && NodeSettings.byKey(key).isPresent()) flags.put(key, value);
        }
        return ConfigResolver.resolve(flags, configFile, environment,
                warning -> spec.commandLine().getErr().println("ringwork node: " + warning));
    }

    NodeConfig resolve() {
        return resolveWithOrigins().config();
    }

    /** {@code --health-webhook}: an http or https URL, checked before the node starts (exit 2 with one line). */
    private static java.net.URI webhookUrl(String text) {
        try {
            java.net.URI url = new java.net.URI(text);
            if (("http".equals(url.getScheme()) || "https".equals(url.getScheme())) && url.getHost() != null) return url;
        } catch (java.net.URISyntaxException e) {
            // answered below
        }
        throw new IllegalArgumentException("--health-webhook must be an http or https URL, got '" + text + "'");
    }
}
