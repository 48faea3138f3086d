package io.ringwork.runtime.cli;

import io.ringwork.runtime.logging.LogFormat;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ringwork node}: one long-running node. Settings come from defaults, then the config file
 * (Java properties with the flags' names, e.g. {@code http=127.0.0.1:8080}), then the flags.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run one ringwork node until stopped (SIGTERM or Ctrl-C).")
final class NodeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommand.class);
    static final Set<String> SETTINGS = Set.of("node-id", "bind", "http", "seeds", "data-dir", "log-dir", "partitions",
            "fsync", "fsync-interval-ms", "max-request-bytes", "changes-retained", "worker-threads", "cluster", "membership",
            "secret-file", "log-retention-bytes", "log-retention-ms", "replication-factor", "weight", "max-document-bytes",
            "peer", "insecure-peers", "api-tokens", "insecure-api");

    @Option(names = "--config", paramLabel = "FILE", description = "properties file; keys are the flag names")
    Path configFile;
    @Option(names = "--node-id", description = "this node's unique name (default node-1)") String nodeId;
    @Option(names = "--bind", paramLabel = "HOST:PORT", description = "cluster traffic address (default 127.0.0.1:7946)") String bind;
    @Option(names = "--http", paramLabel = "HOST:PORT", description = "HTTP API address; port 0 picks one (default 127.0.0.1:8080)") String http;
    @Option(names = "--seeds", paramLabel = "HOST:PORT,...", split = ",", description = "nodes to join through") List<String> seeds;
    @Option(names = "--data-dir", paramLabel = "DIR", description = "state directory (default ringwork-data/NODE-ID)") Path dataDir;
    @Option(names = "--log-dir", paramLabel = "DIR", description = "embedded log directory (default ringwork-data/log)") Path logDir;
    @Option(names = "--partitions", description = "partitions of a new log (default: the existing log's, 64 for a new one)") Integer partitions;
    @Option(names = "--fsync", description = "log durability: always, interval, never (default interval)") String fsync;
    @Option(names = "--fsync-interval-ms", description = "fsync period with --fsync interval (default 100)") Long fsyncIntervalMs;
    @Option(names = "--max-request-bytes", description = "largest accepted HTTP body (default 16 MiB)") Integer maxRequestBytes;
    @Option(names = "--max-document-bytes", description = "largest state a record may leave, as JSON; a record that would pass it is a dead letter (default 1 MiB)") Integer maxDocumentBytes;
    @Option(names = "--changes-retained", description = "changes kept for feed replay (default 1000000)") Long changesRetained;
    @Option(names = "--worker-threads", description = "threads applying records (default 2 x cores, at least 4)") Integer workerThreads;
    @Option(names = "--cluster", description = "cluster name; packets of other clusters are dropped (default ringwork)") String cluster;
    @Option(names = "--membership", description = "failure detector profile: lan (200 ms period) or wan (1 s; long round trips, very large clusters) (default lan)") String membership;
    @Option(names = "--log-retention-bytes", description = "log bytes kept per partition; -1: no limit (default -1)") Long logRetentionBytes;
    @Option(names = "--log-retention-ms", description = "age after which log segments go; -1: no limit (default -1)") Long logRetentionMs;
    @Option(names = "--replication-factor", description = "nodes holding each partition's state, owner included (default 3)") Integer replicationFactor;
    @Option(names = "--weight", description = "capacity weight: share of partitions relative to other nodes (default 1)") Integer weight;
    @Option(names = "--secret-file", paramLabel = "FILE", description = "shared key (>= 16 bytes) to authenticate cluster packets and peer frames") Path secretFile;
    @Option(names = "--peer", paramLabel = "HOST:PORT", description = "peer port for replication; port 0 picks one (default: the --bind host, port 0)") String peer;
    @Option(names = "--api-tokens", paramLabel = "FILE", description = "API tokens (NAME sha256:HEX SCOPE... per line; ringwork token new); without it the API must be on loopback") Path apiTokens;
    @Option(names = "--insecure-api", description = "allow a non-loopback --http without --api-tokens (anyone who reaches it can read and write everything)") Boolean insecureApi;
    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json: one JSON object per line with time, level, logger, thread, message and exception")
    String logFormat = "text";
    @Option(names = "--insecure-peers", description = "allow a non-loopback --peer without --secret-file (peer traffic unauthenticated)") Boolean insecurePeers;

    @Override
    public Integer call() throws Exception {
        LogFormat.apply(logFormat);
        NodeConfig config = resolve();
        RingworkNode node = RingworkNode.start(config);
        // SIGTERM and Ctrl-C: leave gracefully (hand partitions off, tell the cluster), then exit 0
        // from here. The hook covers every other way the JVM goes down while the node runs.
        GracefulStop.onTerminate(signal -> {
            LOG.info("node {} leaving the cluster (SIG{})", config.nodeId(), signal);
            node.close();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "ringwork-shutdown"));
        // The demo and the tests wait for this exact line to learn the HTTP port.
        var cluster = node.membership().localAddress();
        System.out.println("ringwork node " + config.nodeId() + " ready http=" + node.httpAddress()
                + " bind=" + cluster.host() + ":" + cluster.port() + " peer=" + node.peerAddress());
        System.out.flush();
        node.awaitStopped();
        if (node.failure() != null) {
            LOG.error("ringwork node {} stopped after a failure: {}", config.nodeId(), node.failure().toString());
            return 1;
        }
        return 0;
    }

    NodeConfig resolve() throws IOException {
        Properties file = new Properties();
        if (configFile != null) {
            try (Reader reader = Files.newBufferedReader(configFile)) {
                file.load(reader);
            }
            for (String name : file.stringPropertyNames()) {
                if (!SETTINGS.contains(name)) {
                    throw new IllegalArgumentException("unknown setting '" + name + "' in " + configFile
                            + " (known: " + String.join(", ", SETTINGS.stream().sorted().toList()) + ")");
                }
            }
        }
        NodeConfig c = NodeConfig.defaults();
        String id = pick(nodeId, file, "node-id", c.nodeId());
        c = c.withNodeId(id)
                .withBind(pick(bind, file, "bind", c.bind()))
                .withHttp(pick(http, file, "http", c.http()))
                .withSeeds(seeds != null ? seeds : file.containsKey("seeds")
                        ? Arrays.stream(file.getProperty("seeds").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()
                        : c.seeds())
                .withDataDir(Path.of(pick(dataDir == null ? null : dataDir.toString(), file, "data-dir",
                        Path.of("ringwork-data", id).toString())))
                .withLogDir(Path.of(pick(logDir == null ? null : logDir.toString(), file, "log-dir", c.logDir().toString())))
                .withPartitions(number(partitions, file, "partitions", c.partitions()).intValue())
                .withFsync(pick(fsync, file, "fsync", c.fsync()))
                .withFsyncIntervalMs(number(fsyncIntervalMs, file, "fsync-interval-ms", c.fsyncIntervalMs()).longValue())
                .withMaxRequestBytes(number(maxRequestBytes, file, "max-request-bytes", c.maxRequestBytes()).intValue())
                .withChangesRetained(number(changesRetained, file, "changes-retained", c.changesRetained()).longValue())
                .withWorkerThreads(number(workerThreads, file, "worker-threads", c.workerThreads()).intValue())
                .withCluster(pick(cluster, file, "cluster", c.cluster()))
                .withMembership(pick(membership, file, "membership", c.membership()))
                .withLogRetentionBytes(number(logRetentionBytes, file, "log-retention-bytes", c.logRetentionBytes()).longValue())
                .withLogRetentionMs(number(logRetentionMs, file, "log-retention-ms", c.logRetentionMs()).longValue())
                .withReplicationFactor(number(replicationFactor, file, "replication-factor", c.replicationFactor()).intValue())
                .withWeight(number(weight, file, "weight", c.weight()).intValue())
                .withMaxDocumentBytes(number(maxDocumentBytes, file, "max-document-bytes", c.maxDocumentBytes()).intValue());
        String secret = pick(secretFile == null ? null : secretFile.toString(), file, "secret-file", "");
        if (!secret.isEmpty()) c = c.withSecretFile(Path.of(secret));
        String peerAddress = pick(peer, file, "peer", "");
        if (!peerAddress.isEmpty()) c = c.withPeer(peerAddress);
        String insecure = pick(insecurePeers == null ? null : insecurePeers.toString(), file, "insecure-peers", "false");
        if (!insecure.equals("true") && !insecure.equals("false")) {
            throw new IllegalArgumentException("insecure-peers must be true or false, got '" + insecure + "'");
        }
        c = c.withInsecurePeers(Boolean.parseBoolean(insecure));
        String tokens = pick(apiTokens == null ? null : apiTokens.toString(), file, "api-tokens", "");
        if (!tokens.isEmpty()) c = c.withApiTokens(Path.of(tokens));
        String openApi = pick(insecureApi == null ? null : insecureApi.toString(), file, "insecure-api", "false");
        if (!openApi.equals("true") && !openApi.equals("false")) {
            throw new IllegalArgumentException("insecure-api must be true or false, got '" + openApi + "'");
        }
        return c.withInsecureApi(Boolean.parseBoolean(openApi));
    }

    private static String pick(String flag, Properties file, String name, String fallback) {
        if (flag != null) return flag;
        return file.getProperty(name, fallback).trim();
    }

    private static Number number(Number flag, Properties file, String name, Number fallback) {
        if (flag != null) return flag;
        String raw = file.getProperty(name);
        if (raw == null) return fallback;
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + raw + "'");
        }
    }
}
