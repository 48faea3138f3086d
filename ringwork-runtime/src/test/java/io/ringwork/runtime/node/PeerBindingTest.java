package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.runtime.peer.PeerServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a secret the peer port listens on loopback only, unless --insecure-peers says otherwise. */
class PeerBindingTest {
    @TempDir Path dir;

    @Test
    void aNonLoopbackPeerAddressWithoutASecretFailsToStartNamingTheFlags() {
        NodeConfig config = NodeConfig.defaults().withNodeId("p1").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withPeer("0.0.0.0:0").withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log"));
        assertThatThrownBy(() -> RingworkNode.start(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0").hasMessageContaining("--secret-file").hasMessageContaining("--insecure-peers");
        // Refused before anything was opened.
        assertThat(dir.resolve("log")).doesNotExist();
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void loopbackASecretOrTheFlagEachAllowIt() {
        assertThatCode(() -> PeerServer.checkBindable("127.0.0.1", false, false)).doesNotThrowAnyException();
        assertThatCode(() -> PeerServer.checkBindable("localhost", false, false)).doesNotThrowAnyException();
        assertThatCode(() -> PeerServer.checkBindable("0.0.0.0", true, false)).doesNotThrowAnyException();
        assertThatCode(() -> PeerServer.checkBindable("0.0.0.0", false, true)).doesNotThrowAnyException();
        assertThatThrownBy(() -> PeerServer.checkBindable("0.0.0.0", false, false)).hasMessageContaining("--insecure-peers");
    }

    @Test
    void thePeerAddressDefaultsToTheBindHostWithAFreePort() {
        NodeConfig config = NodeConfig.defaults().withBind("127.0.0.2:7946");
        assertThat(config.peerAddress()).isEqualTo(new HostPort("127.0.0.2", 0));
        assertThat(config.withPeer("127.0.0.1:7000").peerAddress()).isEqualTo(new HostPort("127.0.0.1", 7000));
        assertThatThrownBy(() -> config.withPeer("nowhere")).hasMessageContaining("peer must be host:port");
    }
}
