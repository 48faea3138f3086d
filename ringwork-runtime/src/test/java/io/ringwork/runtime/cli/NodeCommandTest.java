package io.ringwork.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.runtime.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Settings come from defaults, then the config file, then flags; mistakes are clear errors. */
class NodeCommandTest {
    @TempDir Path dir;

    private NodeConfig resolve(String... args) throws Exception {
        NodeCommand command = new NodeCommand();
        new CommandLine(command).parseArgs(args);
        return command.resolve();
    }

    @Test
    void flagsOverrideTheFileWhichOverridesDefaults() throws Exception {
        Path file = dir.resolve("node.properties");
        Files.writeString(file, "node-id=from-file\nhttp=127.0.0.1:9000\nseeds=10.0.0.1:7946, 10.0.0.2:7946\npartitions=16\nfsync=always\n");
        NodeConfig config = resolve("--config", file.toString(), "--http", "127.0.0.1:9100");
        assertThat(config.nodeId()).isEqualTo("from-file");
        assertThat(config.http()).isEqualTo("127.0.0.1:9100");
        assertThat(config.seeds()).containsExactly("10.0.0.1:7946", "10.0.0.2:7946");
        assertThat(config.partitions()).isEqualTo(16);
        assertThat(config.fsync()).isEqualTo("always");
        assertThat(resolve("--log-retention-bytes", "1048576").logRetentionBytes()).isEqualTo(1 << 20);
        assertThat(config.dataDir()).isEqualTo(Path.of("ringwork-data", "from-file"));
        assertThat(config.bind()).isEqualTo(NodeConfig.defaults().bind());
    }

    @Test
    void thePeerAddressAndInsecurePeersComeFromTheFileOrFlags() throws Exception {
        assertThat(resolve().peer()).isNull();
        assertThat(resolve().insecurePeers()).isFalse();
        NodeConfig flags = resolve("--peer", "10.0.0.5:7000", "--insecure-peers");
        assertThat(flags.peer()).isEqualTo("10.0.0.5:7000");
        assertThat(flags.insecurePeers()).isTrue();
        Path file = dir.resolve("peer.properties");
        Files.writeString(file, "peer=127.0.0.1:7001\ninsecure-peers=true\n");
        NodeConfig fromFile = resolve("--config", file.toString());
        assertThat(fromFile.peer()).isEqualTo("127.0.0.1:7001");
        assertThat(fromFile.insecurePeers()).isTrue();
        Files.writeString(file, "insecure-peers=yes\n");
        assertThatThrownBy(() -> resolve("--config", file.toString())).hasMessageContaining("insecure-peers must be true or false");
    }

    @Test
    void mistakesAreClearErrors() throws Exception {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "htp=127.0.0.1:1\n");
        assertThatThrownBy(() -> resolve("--config", file.toString())).hasMessageContaining("unknown setting 'htp'");
        assertThatThrownBy(() -> resolve("--http", "nowhere")).hasMessageContaining("http must be host:port");
        assertThatThrownBy(() -> resolve("--fsync", "sometimes")).hasMessageContaining("fsync must be always, interval or never");
        assertThatThrownBy(() -> resolve("--node-id", "bad id")).hasMessageContaining("node-id must be");
        assertThat(RingworkCli.run("node", "--partitions", "0x10")).isEqualTo(2);
        assertThat(RingworkCli.run("node", "--membership", "slow")).as("lan and wan are the profiles").isEqualTo(2);
        assertThatThrownBy(() -> resolve("--membership", "slow")).hasMessageContaining("membership must be lan or wan");
    }
}
