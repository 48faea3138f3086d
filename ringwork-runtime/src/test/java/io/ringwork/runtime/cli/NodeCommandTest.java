package io.ringwork.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.runtime.config.NodeSettings;
import io.ringwork.runtime.node.NodeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Settings come from flags, then RINGWORK_* variables, then the YAML file, then defaults; mistakes are clear errors. */
class NodeCommandTest {
    @TempDir Path dir;

    private NodeConfig resolve(String... args) {
        return resolve(Map.of(), args);
    }

    private NodeConfig resolve(Map<String, String> env, String... args) {
        NodeCommand command = new NodeCommand();
        command.environment = env;
        new CommandLine(command).parseArgs(args);
        return command.resolve();
    }

    /** Runs {@code ringwork ARGS} in this JVM as the CLI does, with {@code env} as the environment. */
    private record Run(int exitCode, String out, String err) {}

    private Run run(Map<String, String> env, String... args) {
        CommandLine cli = RingworkCli.commandLine();
        ((NodeCommand) cli.getSubcommands().get("node").getCommand()).environment = env;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = RingworkCli.run(cli, args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void flagsOverrideTheFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, """
                node-id: from-file
                http: 127.0.0.1:9000
                seeds: [10.0.0.1:7946, 10.0.0.2:7946]
                partitions: 16
                fsync: always
                """);
        NodeConfig config = resolve("--config", file.toString(), "--http", "127.0.0.1:9100");
        assertThat(config.nodeId()).isEqualTo("from-file");
        assertThat(config.http()).isEqualTo("127.0.0.1:9100");
        assertThat(config.seeds()).containsExactly("10.0.0.1:7946", "10.0.0.2:7946");
        assertThat(config.partitions()).isEqualTo(16);
        assertThat(config.fsync()).isEqualTo("always");
        assertThat(resolve("--log-retention-bytes", "1048576").logRetentionBytes()).isEqualTo(1 << 20);
        assertThat(config.dataDir()).isEqualTo(Path.of("ringwork-data", "from-file"));
        assertThat(config.bind()).isEqualTo(NodeConfig.defaults().bind());
        assertThat(resolve("--seeds", "10.0.0.1:1,10.0.0.2:2", "--seeds", "10.0.0.3:3").seeds())
                .as("comma-separated and repeated, as before").containsExactly("10.0.0.1:1", "10.0.0.2:2", "10.0.0.3:3");
    }

    @Test
    void flagsOverrideTheEnvironmentWhichOverridesTheFile() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "node-id: from-file\nweight: 2\ninsecure-api: true\n");
        Map<String, String> env = Map.of("RINGWORK_NODE_ID", "from-env", "RINGWORK_INSECURE_API", "true");
        NodeConfig fromEnv = resolve(env, "--config", file.toString());
        assertThat(fromEnv.nodeId()).isEqualTo("from-env");
        assertThat(fromEnv.weight()).isEqualTo(2);
        NodeConfig fromFlags = resolve(env, "--config", file.toString(), "--node-id", "from-flag", "--insecure-api=false");
        assertThat(fromFlags.nodeId()).isEqualTo("from-flag");
        assertThat(fromFlags.insecureApi()).as("a flag turns off what the environment turned on").isFalse();
    }

    @Test
    void everyFlagIsASettingAndEverySettingIsAFlag() {
        List<String> flags = new ArrayList<>();
        for (OptionSpec option : new CommandLine(new NodeCommand()).getCommandSpec().options()) flags.add(option.longestName());
        flags.removeAll(List.of("--config", "--print-config", "--help", "--version", "--health-webhook"));
        assertThat(flags).containsExactlyInAnyOrderElementsOf(NodeSettings.keys().stream().map(k -> "--" + k).toList());
    }

    @Test
    void thePeerAddressAndInsecurePeersComeFromTheFileOrFlags() throws Exception {
        assertThat(resolve().peer()).isNull();
        assertThat(resolve().insecurePeers()).isFalse();
        NodeConfig flags = resolve("--peer", "10.0.0.5:7000", "--insecure-peers");
        assertThat(flags.peer()).isEqualTo("10.0.0.5:7000");
        assertThat(flags.insecurePeers()).isTrue();
        Path file = dir.resolve("peer.yaml");
        Files.writeString(file, "peer: 127.0.0.1:7001\ninsecure-peers: true\n");
        NodeConfig fromFile = resolve("--config", file.toString());
        assertThat(fromFile.peer()).isEqualTo("127.0.0.1:7001");
        assertThat(fromFile.insecurePeers()).isTrue();
        Files.writeString(file, "insecure-peers: yes\n");
        assertThatThrownBy(() -> resolve("--config", file.toString())).hasMessageContaining("insecure-peers must be true or false");
    }

    @Test
    void mistakesAreClearErrors() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "htp: 127.0.0.1:1\n");
        assertThatThrownBy(() -> resolve("--config", file.toString())).hasMessageContaining("unknown key 'htp' (did you mean 'http'?)");
        assertThatThrownBy(() -> resolve("--http", "nowhere")).hasMessageContaining("http must be host:port");
        assertThatThrownBy(() -> resolve("--fsync", "sometimes")).hasMessageContaining("fsync must be always, interval or never");
        assertThatThrownBy(() -> resolve("--node-id", "bad id")).hasMessageContaining("node-id must be");
        assertThat(RingworkCli.run("node", "--partitions", "0x10")).isEqualTo(2);
        assertThat(RingworkCli.run("node", "--membership", "slow")).as("lan and wan are the profiles").isEqualTo(2);
        assertThatThrownBy(() -> resolve("--membership", "slow")).hasMessageContaining("membership must be lan or wan");
    }

    @Test
    void aMistakeAtTheCommandLineIsOneLineAndExitCode2() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "node-id: a\nreplication-factor: -1\n");
        Run bad = run(Map.of(), "node", "--config", file.toString(), "--print-config");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err().lines().toList())
                .containsExactly("ringwork node: " + file + " line 2: replication-factor must be in [1, 7], got -1");
        Run badEnv = run(Map.of("RINGWORK_HTTP", "127.0.0.1:http"), "node", "--print-config");
        assertThat(badEnv.exitCode()).isEqualTo(2);
        assertThat(badEnv.err().lines().toList())
                .containsExactly("ringwork node: RINGWORK_HTTP: http port must be a number, got '127.0.0.1:http'");
    }

    @Test
    void printConfigPrintsTheEffectiveConfigurationWithOriginsAndStartsNothing() throws Exception {
        Path data = dir.resolve("data");
        Path secret = dir.resolve("cluster.secret");
        Files.writeString(secret, "the-cluster-secret-itself-0123456789");
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "node-id: cli-node\ndata-dir: " + data + "\nsecret-file: " + secret + "\nweight: 2\n");
        Run run = run(Map.of("RINGWORK_HTTP", "127.0.0.1:0", "RINGWORK_WEIGHT", "3", "RINGWORK_HTPP", "x"),
                "node", "--config", file.toString(), "--print-config", "--replication-factor", "5");
        assertThat(run.exitCode()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).contains("# config file: " + file + " (flag --config)");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("node-id: cli-node +# file " + file + " line 1"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("http: 127\\.0\\.0\\.1:0 +# env RINGWORK_HTTP"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("weight: 3 +# env RINGWORK_WEIGHT"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("replication-factor: 5 +# flag --replication-factor"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("fsync: interval +# default"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("secret-file: " + secret + " "));
        assertThat(run.out()).doesNotContain("the-cluster-secret-itself").doesNotContain(" ready ");
        assertThat(run.err().lines().toList())
                .containsExactly("ringwork node: ignoring RINGWORK_HTPP: not a node setting (did you mean 'RINGWORK_HTTP'?)");
        assertThat(data).as("no node started").doesNotExist();
    }

    @Test
    void aRealProcessPrintsTheConfigurationFromItsEnvironmentAndExitsZero() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "node-id: proc-node\nseeds:\n  - 10.0.0.1:7946\nmembership: wan\n");
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                RingworkCli.class.getName(), "node", "--config", file.toString(), "--print-config", "--weight", "4");
        // The child's environment is this one without any RINGWORK_ variable, plus the one under test.
        builder.environment().keySet().removeIf(name -> name.startsWith("RINGWORK_"));
        builder.environment().put("RINGWORK_HTTP", "127.0.0.1:9123");
        Path err = dir.resolve("stderr.txt");
        Process child = builder.redirectError(err.toFile()).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("stderr: " + Files.readString(err)).isZero();
        List<String> lines = out.lines().toList();
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("node-id: proc-node +# file " + file + " line 1"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("seeds: +# file " + file + " line 2"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("membership: wan +# file " + file + " line 4"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("http: 127\\.0\\.0\\.1:9123 +# env RINGWORK_HTTP"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("weight: 4 +# flag --weight"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("bind: 127\\.0\\.0\\.1:7946 +# default"));
        assertThat(Files.readString(err)).isEmpty();
    }
}
