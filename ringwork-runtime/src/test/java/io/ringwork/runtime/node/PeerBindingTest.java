package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.runtime.peer.PeerServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a secret or peer TLS the peer port listens on loopback only, unless --insecure-peers says otherwise. */
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
    void peerTlsAloneAllowsANonLoopbackPeerAddressAndNeedsAllThreeFiles() {
        NodeConfig config = NodeConfig.defaults().withNodeId("p1").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withPeer("0.0.0.0:0").withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log"));
        Path cert = dir.resolve("absent.pem");
        Path key = dir.resolve("absent.key");
        Path ca = dir.resolve("absent-ca.pem");
        // Past the address check (TLS authenticates peers), refused at the files: nothing was bound or opened.
        assertThatThrownBy(() -> RingworkNode.start(config.withPeerTls(new PeerTlsFiles(cert, key, ca))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot use --peer-tls-cert/--peer-tls-key/--peer-tls-ca: " + cert + " does not exist");
        assertThatThrownBy(() -> RingworkNode.start(config.withPeerTls(PeerTlsFiles.NONE.withCert(cert).withKey(key))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("peer TLS needs all three of --peer-tls-cert, --peer-tls-key and --peer-tls-ca; missing: "
                        + "--peer-tls-ca (the CA that signs every node's certificate, PEM)");
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
