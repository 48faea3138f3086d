package io.ringwork.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.runtime.config.ConfigResolver.Layer;
import io.ringwork.runtime.config.ConfigResolver.Resolved;
import io.ringwork.runtime.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flag > env > file > default, each value's origin, and mistakes as one line naming the key. */
class ConfigResolverTest {
    @TempDir Path dir;
    private final List<String> warnings = new ArrayList<>();

    private Path file(String yaml) throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private Resolved resolve(Map<String, Object> flags, Map<String, String> env, Path file) {
        return ConfigResolver.resolve(flags, file, env, warnings::add);
    }

    @Test
    void eachLayerOverridesTheOnesBelowIt() throws Exception {
        Path file = file("""
                http: 127.0.0.1:9001
                partitions: 16
                seeds: [10.0.0.1:7946, 10.0.0.2:7946]
                insecure-api: true
                log-dir: /file/log
                """);
        Map<String, String> env = Map.of("RINGWORK_HTTP", "127.0.0.1:9002", "RINGWORK_PARTITIONS", "32",
                "RINGWORK_SEEDS", "10.0.0.3:7946", "RINGWORK_INSECURE_API", "false");
        Map<String, Object> flags = Map.of("http", "127.0.0.1:9003", "seeds", List.of("10.0.0.4:7946", "10.0.0.5:7946"));

        Resolved defaults = resolve(Map.of(), Map.of(), null);
        assertThat(defaults.config().http()).isEqualTo("127.0.0.1:8080");
        assertThat(defaults.origins().get("http").layer()).isEqualTo(Layer.DEFAULT);

        Resolved fromFile = resolve(Map.of(), Map.of(), file);
        assertThat(fromFile.config().http()).isEqualTo("127.0.0.1:9001");
        assertThat(fromFile.config().partitions()).isEqualTo(16);
        assertThat(fromFile.config().seeds()).containsExactly("10.0.0.1:7946", "10.0.0.2:7946");
        assertThat(fromFile.config().insecureApi()).isTrue();
        assertThat(fromFile.config().logDir()).isEqualTo(Path.of("/file/log"));
        assertThat(fromFile.origins().get("http")).hasToString("file " + file + " line 1");
        assertThat(fromFile.origins().get("bind").layer()).isEqualTo(Layer.DEFAULT);

        Resolved fromEnv = resolve(Map.of(), env, file);
        assertThat(fromEnv.config().http()).isEqualTo("127.0.0.1:9002");
        assertThat(fromEnv.config().partitions()).isEqualTo(32);
        assertThat(fromEnv.config().seeds()).containsExactly("10.0.0.3:7946");
        assertThat(fromEnv.config().insecureApi()).as("the environment turns off what the file turned on").isFalse();
        assertThat(fromEnv.config().logDir()).as("what the environment does not set still comes from the file").isEqualTo(Path.of("/file/log"));
        assertThat(fromEnv.origins().get("http")).hasToString("env RINGWORK_HTTP");
        assertThat(fromEnv.origins().get("log-dir").layer()).isEqualTo(Layer.FILE);

        Resolved fromFlags = resolve(flags, env, file);
        assertThat(fromFlags.config().http()).isEqualTo("127.0.0.1:9003");
        assertThat(fromFlags.config().seeds()).containsExactly("10.0.0.4:7946", "10.0.0.5:7946");
        assertThat(fromFlags.config().partitions()).isEqualTo(32);
        assertThat(fromFlags.origins().get("http")).hasToString("flag --http");
        assertThat(fromFlags.origins().get("partitions").layer()).isEqualTo(Layer.ENV);
        assertThat(warnings).isEmpty();
    }

    @Test
    void theDataDirectoryDefaultsAfterTheNodeIdFromAnyLayer() throws Exception {
        assertThat(resolve(Map.of(), Map.of("RINGWORK_NODE_ID", "n7"), null).config().dataDir()).isEqualTo(Path.of("ringwork-data", "n7"));
        assertThat(resolve(Map.of(), Map.of(), file("node-id: n8\n")).config().dataDir()).isEqualTo(Path.of("ringwork-data", "n8"));
        assertThat(resolve(Map.of("node-id", "n9"), Map.of(), file("data-dir: /srv/ringwork\n")).config().dataDir())
                .isEqualTo(Path.of("/srv/ringwork"));
    }

    @Test
    void everySettingHasAnEnvironmentVariableNamedByOneRule() {
        for (Setting setting : NodeSettings.ALL) {
            assertThat(setting.envName()).isEqualTo("RINGWORK_" + setting.key().toUpperCase().replace('-', '_'));
        }
        assertThat(NodeSettings.byKey("node-id").orElseThrow().envName()).isEqualTo("RINGWORK_NODE_ID");
        assertThat(NodeSettings.byKey("fsync-interval-ms").orElseThrow().envName()).isEqualTo("RINGWORK_FSYNC_INTERVAL_MS");
        assertThat(NodeSettings.envNames()).doesNotContainAnyElementsOf(NodeSettings.OTHER_ENV);

        Map<String, String> env = Map.of("RINGWORK_NODE_ID", "node-9", "RINGWORK_HTTP", "127.0.0.1:9100",
                "RINGWORK_SEEDS", " 10.0.0.1:7946 , 10.0.0.2:7946 ", "RINGWORK_INSECURE_PEERS", "TRUE",
                "RINGWORK_FSYNC_INTERVAL_MS", "250", "RINGWORK_SECRET_FILE", "/etc/ringwork/secret", "PATH", "/bin");
        NodeConfig config = resolve(Map.of(), env, null).config();
        assertThat(config.nodeId()).isEqualTo("node-9");
        assertThat(config.http()).isEqualTo("127.0.0.1:9100");
        assertThat(config.seeds()).containsExactly("10.0.0.1:7946", "10.0.0.2:7946");
        assertThat(config.insecurePeers()).isTrue();
        assertThat(config.fsyncIntervalMs()).isEqualTo(250);
        assertThat(config.secretFile()).isEqualTo(Path.of("/etc/ringwork/secret"));
        assertThat(resolve(Map.of(), Map.of("RINGWORK_SEEDS", ""), null).config().seeds()).as("empty: no seeds").isEmpty();
        NodeConfig peerTls = resolve(Map.of("peer-tls-key", "/flag/node.key"), Map.of("RINGWORK_PEER_TLS_CERT", "/env/node.pem",
                "RINGWORK_PEER_TLS_CA", "/env/ca.pem", "RINGWORK_PEER_TLS_KEY", "/env/node.key"), null).config();
        assertThat(peerTls.peerTls()).as("the flag over the environment, per file")
                .isEqualTo(new io.ringwork.runtime.node.PeerTlsFiles(Path.of("/env/node.pem"), Path.of("/flag/node.key"), Path.of("/env/ca.pem")));
    }

    @Test
    void unknownRingworkVariablesAreWarningsWithTheNearestNameButToolsVariablesAreQuiet() {
        Map<String, String> env = Map.of("RINGWORK_HTPP", "127.0.0.1:1", "RINGWORK_TOKEN", "secret",
                "RINGWORK_NODE_JAVA_OPTS", "-Xmx1g", "RINGWORK_JAVA_OPTS", "-Xmx1g", "OTHER_HTTP", "x");
        NodeConfig config = resolve(Map.of(), env, null).config();
        assertThat(config.http()).isEqualTo(NodeConfig.defaults().http());
        assertThat(warnings).containsExactly("ignoring RINGWORK_HTPP: not a node setting (did you mean 'RINGWORK_HTTP'?)");
    }

    @Test
    void theConfigFileMayComeFromTheEnvironmentAndTheFlagWins() throws Exception {
        Path fromEnv = file("node-id: from-env-file\n");
        Path fromFlag = dir.resolve("other.yaml");
        Files.writeString(fromFlag, "node-id: from-flag-file\n");
        Map<String, String> env = Map.of(NodeSettings.CONFIG_ENV, fromEnv.toString());
        Resolved viaEnv = resolve(Map.of(), env, null);
        assertThat(viaEnv.config().nodeId()).isEqualTo("from-env-file");
        assertThat(viaEnv.configFileOrigin()).hasToString("env RINGWORK_CONFIG");
        Resolved viaFlag = resolve(Map.of(), env, fromFlag);
        assertThat(viaFlag.config().nodeId()).isEqualTo("from-flag-file");
        assertThat(viaFlag.configFileOrigin()).hasToString("flag --config");
    }

    @Test
    void anUnknownKeyIsAnErrorThatNamesItAndTheNearestValidKey() throws Exception {
        Path file = file("node-id: a\nhtp: 127.0.0.1:1\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).isInstanceOf(ConfigException.class)
                .hasMessage(file + " line 2: unknown key 'htp' (did you mean 'http'?)");
        file("replication_factor: 3\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageEndingWith("unknown key 'replication_factor' (did you mean 'replication-factor'?)");
        file("nodeId: a\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageEndingWith("(did you mean 'node-id'?)");
        file("completely-unrelated-thing: 1\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageEndingWith("unknown key 'completely-unrelated-thing'");
    }

    @Test
    void aBadValueIsAnErrorThatNamesTheKeyAndWhereItCameFrom() throws Exception {
        Path file = file("node-id: a\nhttp: 127.0.0.1:eighty\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file))
                .hasMessage(file + " line 2: http port must be a number, got '127.0.0.1:eighty'");
        file("replication-factor: -1\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file))
                .hasMessage(file + " line 1: replication-factor must be in [1, 7], got -1");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("RINGWORK_PARTITIONS", "many"), null))
                .hasMessage("RINGWORK_PARTITIONS: partitions must be a whole number, got 'many'");
        assertThatThrownBy(() -> resolve(Map.of("replication-factor", "-2"), Map.of(), null))
                .hasMessage("--replication-factor: replication-factor must be in [1, 7], got -2");
        assertThatThrownBy(() -> resolve(Map.of("membership", "lam"), Map.of(), null))
                .hasMessage("--membership: membership must be lan or wan, got 'lam' (did you mean 'lan'?)");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("RINGWORK_FSYNC", "alway"), null))
                .hasMessageEndingWith("fsync must be always, interval or never, got 'alway' (did you mean 'always'?)");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("RINGWORK_INSECURE_API", "yes"), null))
                .hasMessage("RINGWORK_INSECURE_API: insecure-api must be true or false, got 'yes'");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("RINGWORK_WORKER_THREADS", "99999999999"), null))
                .hasMessage("RINGWORK_WORKER_THREADS: worker-threads must be in [-2147483648, 2147483647], got 99999999999");
        file("partitions: [1, 2]\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessage(file + " line 1: partitions must be a whole number, got a list");
        file("partitions: 1.5\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessage(file + " line 1: partitions must be a whole number, got '1.5'");
        file("peer:\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageContaining("line 1: peer has no value");
        file("bind:\n  host: 0.0.0.0\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageContaining("line 1: bind must be a value, got a mapping");
        file("secret-file: ''\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageContaining("line 1: secret-file has no value");
        file("api-tokens: ~\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageContaining("line 1: api-tokens has no value");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of("RINGWORK_SECRET_FILE", " "), null))
                .hasMessage("RINGWORK_SECRET_FILE: secret-file must be a file path, got nothing");
    }

    @Test
    void aFileThatIsNotAFlatYamlMappingIsOneClearLine() throws Exception {
        Path file = file("http: 127.0.0.1:1\nhttp: 127.0.0.1:2\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + " line 2: not valid YAML: Duplicate field 'http'");
        file("node-id=old-style\nhttp=127.0.0.1:1\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file))
                .hasMessage(file + " line 1: the config file must be a mapping of keys to values: write 'key: value', one per line (the file is YAML, not Java properties)");
        file("http: [unclosed\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageStartingWith(file + " line 2: not valid YAML: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        file("- a\n- b\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageEndingWith("the config file must be a mapping of keys to values");
        file("http: 127.0.0.1:1\n---\nhttp: 127.0.0.1:2\n");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), file)).hasMessageEndingWith("the config file must hold one YAML document");
        assertThatThrownBy(() -> resolve(Map.of(), Map.of(), dir.resolve("missing.yaml")))
                .hasMessage(dir.resolve("missing.yaml") + ": no such config file");
        file("");
        assertThat(resolve(Map.of(), Map.of(), file).config()).isEqualTo(resolve(Map.of(), Map.of(), null).config());
        file("# only a comment\n");
        assertThat(resolve(Map.of(), Map.of(), file).config()).isEqualTo(resolve(Map.of(), Map.of(), null).config());
    }

    @Test
    void scalarsKeepTheTextAsWritten() throws Exception {
        Path file = file("cluster: 007\nnode-id: 1e3\nseeds: 10.0.0.1:7946, 10.0.0.2:7946\n");
        NodeConfig config = resolve(Map.of(), Map.of(), file).config();
        assertThat(config.cluster()).as("not the octal number 7").isEqualTo("007");
        assertThat(config.nodeId()).as("not the float 1000.0").isEqualTo("1e3");
        assertThat(config.seeds()).as("a list may also be one comma-separated value").containsExactly("10.0.0.1:7946", "10.0.0.2:7946");
    }

    @Test
    void aFileWithEveryKeyRoundTripsThroughPrintConfig() throws Exception {
        Path secret = dir.resolve("cluster.secret");
        Files.writeString(secret, "never-print-this-secret-0123456789");
        Path tokens = dir.resolve("api.tokens");
        Files.writeString(tokens, "ops sha256:" + "ab".repeat(32) + " admin\n");
        Path file = file("""
                node-id: node-7
                cluster: prod
                bind: 10.0.0.7:7947
                http: 10.0.0.7:8081
                peer: 10.0.0.7:7950
                seeds:
                  - 10.0.0.1:7946
                  - 10.0.0.2:7946
                membership: wan
                data-dir: /var/lib/ringwork/node-7
                log-dir: /var/lib/ringwork/log
                kafka: kafka-1.internal:9092,kafka-2.internal:9092
                topic: ringwork-events
                changes-topic: ringwork-changes
                partitions: 128
                replication-factor: 5
                weight: 2
                fsync: always
                fsync-interval-ms: 50
                log-retention-bytes: 1073741824
                log-retention-ms: 604800000
                max-request-bytes: 1048576
                max-document-bytes: 65536
                changes-retained: 5000
                worker-threads: 6
                max-inflight-requests: 64
                max-heap-percent: 75
                max-queued-messages: 5000
                secret-file: %s
                insecure-peers: true
                api-tokens: %s
                insecure-api: true
                log-format: json
                tls-cert: /etc/ringwork/tls/node-7.crt
                tls-key: /etc/ringwork/tls/node-7.key
                peer-tls-cert: /etc/ringwork/peer/node-7.crt
                peer-tls-key: /etc/ringwork/peer/node-7.key
                peer-tls-ca: /etc/ringwork/peer/ca.crt
                """.formatted(secret, tokens));
        Resolved resolved = resolve(Map.of(), Map.of(), file);
        NodeConfig defaults = resolve(Map.of(), Map.of(), null).config();
        for (Setting setting : NodeSettings.ALL) {
            assertThat(resolved.origins().get(setting.key()).layer()).as(setting.key()).isEqualTo(Layer.FILE);
            assertThat(setting.read().apply(resolved.config())).as(setting.key() + " is not its default")
                    .isNotEqualTo(setting.read().apply(defaults));
        }

        String printed = resolved.toYaml();
        assertThat(printed).doesNotContain("never-print-this-secret").contains("secret-file: " + secret);
        Path again = dir.resolve("printed.yaml");
        Files.writeString(again, printed);
        Resolved reread = resolve(Map.of(), Map.of(), again);
        assertThat(reread.config()).isEqualTo(resolved.config());
        assertThat(values(reread.toYaml())).as("the same values print the same way").isEqualTo(values(printed));
    }

    /** The printed lines without the header and the origin comments. */
    private static List<String> values(String printed) {
        return printed.lines().skip(2).map(l -> l.replaceAll(" +# [a-z].*$", "")).toList();
    }

    @Test
    void printConfigShowsEveryValueAndItsOrigin() throws Exception {
        Path file = file("cluster: prod\nweight: 2\nseeds: [10.0.0.1:7946]\n");
        Map<String, String> env = new HashMap<>(Map.of("RINGWORK_HTTP", "127.0.0.1:9200", "RINGWORK_WEIGHT", "3"));
        String yaml = resolve(Map.of("node-id", "n1"), env, file).toYaml();
        List<String> lines = yaml.lines().toList();
        assertThat(lines.get(0)).startsWith("# ringwork node: the effective configuration");
        assertThat(lines.get(1)).isEqualTo("# config file: " + file + " (flag --config)");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("node-id: n1 +# flag --node-id"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("http: 127\\.0\\.0\\.1:9200 +# env RINGWORK_HTTP"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("weight: 3 +# env RINGWORK_WEIGHT"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("cluster: prod +# file " + file + " line 1"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("seeds: +# file " + file + " line 3"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(" *- 10\\.0\\.0\\.1:7946"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("bind: 127\\.0\\.0\\.1:7946 +# default"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("data-dir: ringwork-data/n1 +# default"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("# peer: \\(not set\\) +# default"));
        for (String key : NodeSettings.keys()) {
            assertThat(lines).as(key + " is printed once").filteredOn(l -> l.startsWith(key + ":") || l.startsWith("# " + key + ":")).hasSize(1);
        }
        assertThat(resolve(Map.of(), Map.of(), null).toYaml()).contains("# config file: none\n");
    }
}
