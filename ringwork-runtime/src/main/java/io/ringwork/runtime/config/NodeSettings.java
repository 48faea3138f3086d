package io.ringwork.runtime.config;

import io.ringwork.runtime.config.Setting.Kind;
import io.ringwork.runtime.node.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every setting of {@code ringwork node}, in the order {@code --print-config} shows them. A new
 * {@link NodeConfig} field gets a line here and a flag in {@code NodeCommand} (a test checks the two
 * lists agree); the file key and the environment variable follow from the key.
 *
 * <p>No setting holds a secret: the cluster secret, the API tokens and the TLS key are files, and only their paths
 * are settings, so printing the configuration never prints a secret.
 */
public final class NodeSettings {
    private NodeSettings() {}

    /** {@code data-dir} defaults to {@code ringwork-data/NODE-ID}, after the node id is known. */
    public static final String DATA_DIR = "data-dir";

    /** The config file's path may come from this variable when {@code --config} is not given. */
    public static final String CONFIG_ENV = "RINGWORK_CONFIG";

    /**
     * Variables starting with {@code RINGWORK_} that are not node settings: the launcher's and the
     * client commands'. The node ignores them; any other unknown {@code RINGWORK_*} variable gets a
     * warning (an error would make the node refuse to start over a variable meant for another tool).
     */
    public static final Set<String> OTHER_ENV = Set.of(CONFIG_ENV, "RINGWORK_TOKEN", "RINGWORK_JAVA", "RINGWORK_JAVA_OPTS",
            "RINGWORK_NODE_JAVA_OPTS", "RINGWORK_CLASSPATH", "RINGWORK_LOG_LEVEL");

    public static final List<Setting> ALL = List.of(
            text("node-id", NodeConfig::withNodeId, NodeConfig::nodeId),
            text("cluster", NodeConfig::withCluster, NodeConfig::cluster),
            text("bind", NodeConfig::withBind, NodeConfig::bind),
            text("http", NodeConfig::withHttp, NodeConfig::http),
            text("peer", NodeConfig::withPeer, NodeConfig::peer),
            of("seeds", Kind.LIST, NodeConfig::withSeeds, NodeConfig::seeds),
            of("membership", Kind.TEXT, NodeConfig::withMembership, NodeConfig::membership, "lan", "wan"),
            of("data-dir", Kind.PATH, NodeConfig::withDataDir, NodeConfig::dataDir),
            of("log-dir", Kind.PATH, NodeConfig::withLogDir, NodeConfig::logDir),
            text("kafka", NodeConfig::withKafka, NodeConfig::kafka),
            text("topic", NodeConfig::withTopic, NodeConfig::topic),
            text("changes-topic", NodeConfig::withChangesTopic, NodeConfig::changesTopic),
            integer("partitions", NodeConfig::withPartitions, NodeConfig::partitions),
            integer("replication-factor", NodeConfig::withReplicationFactor, NodeConfig::replicationFactor),
            integer("weight", NodeConfig::withWeight, NodeConfig::weight),
            of("fsync", Kind.TEXT, NodeConfig::withFsync, NodeConfig::fsync, "always", "interval", "never"),
            number("fsync-interval-ms", NodeConfig::withFsyncIntervalMs, NodeConfig::fsyncIntervalMs),
            number("log-retention-bytes", NodeConfig::withLogRetentionBytes, NodeConfig::logRetentionBytes),
            number("log-retention-ms", NodeConfig::withLogRetentionMs, NodeConfig::logRetentionMs),
            integer("max-request-bytes", NodeConfig::withMaxRequestBytes, NodeConfig::maxRequestBytes),
            integer("max-document-bytes", NodeConfig::withMaxDocumentBytes, NodeConfig::maxDocumentBytes),
            number("changes-retained", NodeConfig::withChangesRetained, NodeConfig::changesRetained),
            integer("worker-threads", NodeConfig::withWorkerThreads, NodeConfig::workerThreads),
            integer("max-inflight-requests", (c, v) -> c.withLoadLimits(c.loadLimits().withInFlightMax(v)), c -> c.loadLimits().inFlightMax()),
            integer("max-heap-percent", (c, v) -> c.withLoadLimits(c.loadLimits().withHeapPercentMax(v)), c -> c.loadLimits().heapPercentMax()),
            number("max-queued-messages", (c, v) -> c.withLoadLimits(c.loadLimits().withQueuedMessagesMax(v)), c -> c.loadLimits().queuedMessagesMax()),
            of("secret-file", Kind.PATH, NodeConfig::withSecretFile, NodeConfig::secretFile),
            of("insecure-peers", Kind.BOOLEAN, NodeConfig::withInsecurePeers, NodeConfig::insecurePeers),
            of("api-tokens", Kind.PATH, NodeConfig::withApiTokens, NodeConfig::apiTokens),
            of("insecure-api", Kind.BOOLEAN, NodeConfig::withInsecureApi, NodeConfig::insecureApi),
            of("tls-cert", Kind.PATH, NodeConfig::withTlsCert, NodeConfig::tlsCert),
            of("tls-key", Kind.PATH, NodeConfig::withTlsKey, NodeConfig::tlsKey),
            of("peer-tls-cert", Kind.PATH, (NodeConfig c, Path v) -> c.withPeerTls(c.peerTls().withCert(v)), c -> c.peerTls().cert()),
            of("peer-tls-key", Kind.PATH, (NodeConfig c, Path v) -> c.withPeerTls(c.peerTls().withKey(v)), c -> c.peerTls().key()),
            of("peer-tls-ca", Kind.PATH, (NodeConfig c, Path v) -> c.withPeerTls(c.peerTls().withCa(v)), c -> c.peerTls().ca()),
            of("log-format", Kind.TEXT, NodeConfig::withLogFormat, NodeConfig::logFormat, "text", "json"));

    private static final Map<String, Setting> BY_KEY = ALL.stream().collect(Collectors.toMap(Setting::key, s -> s));
    private static final Map<String, Setting> BY_ENV = ALL.stream().collect(Collectors.toMap(Setting::envName, s -> s));

    public static Optional<Setting> byKey(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    public static Optional<Setting> byEnvName(String name) {
        return Optional.ofNullable(BY_ENV.get(name));
    }

    public static List<String> keys() {
        return ALL.stream().map(Setting::key).toList();
    }

    public static List<String> envNames() {
        return ALL.stream().map(Setting::envName).toList();
    }

    /** The value a setting has when no layer sets it, given the rest of the config so far. */
    static NodeConfig applyDefault(Setting setting, NodeConfig config) {
        return setting.key().equals(DATA_DIR) ? config.withDataDir(Path.of("ringwork-data", config.nodeId())) : config;
    }

    private static Setting text(String key, BiFunction<NodeConfig, String, NodeConfig> apply, Function<NodeConfig, String> read) {
        return of(key, Kind.TEXT, apply, read);
    }

    private static Setting integer(String key, BiFunction<NodeConfig, Integer, NodeConfig> apply, Function<NodeConfig, Integer> read) {
        return of(key, Kind.INT, apply, read);
    }

    private static Setting number(String key, BiFunction<NodeConfig, Long, NodeConfig> apply, Function<NodeConfig, Long> read) {
        return of(key, Kind.LONG, apply, read);
    }

    @SuppressWarnings("unchecked")
    private static <T> Setting of(String key, Kind kind, BiFunction<NodeConfig, T, NodeConfig> apply,
                                  Function<NodeConfig, ? extends Object> read, String... choices) {
        // The kind's parse produces exactly T (String, Integer, Long, Boolean, Path or List<String>).
        return new Setting(key, kind, (config, value) -> apply.apply(config, (T) value), read::apply, List.of(choices));
    }
}
