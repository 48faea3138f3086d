package io.ringwork.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a certificate and its key from PEM, refusing pairs that do not belong together, and reloading. */
class ServerTlsTest {
    @TempDir static Path dir;
    static TestPki pki;
    static TestPki.Ca ca;

    @BeforeAll
    static void setUp() throws Exception {
        TestPki.assumeOpenssl();
        pki = new TestPki(dir);
        ca = pki.ca("unit");
    }

    @Test
    void rsaAndEcPairsLoadAndServeTheirCertificate() throws Exception {
        for (String algorithm : new String[] {"RSA", "EC"}) {
            TestPki.Pair pair = pki.server(ca, "load-" + algorithm, 11, algorithm);
            try (ServerTls tls = ServerTls.load(pair.cert(), pair.key(), 60_000)) {
                assertThat(tls.certificate().getSerialNumber()).isEqualTo(BigInteger.valueOf(11));
                assertThat(tls.certificate().getPublicKey().getAlgorithm()).isEqualTo(algorithm);
                assertThat(tls.get().getProtocol()).isEqualTo("TLS");
            }
        }
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedWithOneLine() throws Exception {
        TestPki.Pair pair = pki.server(ca, "mismatch", 12, "EC");
        Path otherKey = pki.key("other", "EC");
        assertThatThrownBy(() -> ServerTls.load(pair.cert(), otherKey, 60_000)).isInstanceOf(IOException.class)
                .hasMessage("the key in " + otherKey + " does not belong to the certificate in " + pair.cert() + " (CN=mismatch)");
        Path rsaKey = pki.key("other-rsa", "RSA");
        assertThatThrownBy(() -> ServerTls.load(pair.cert(), rsaKey, 60_000)).hasMessageContaining("does not belong to the certificate");
    }

    @Test
    void missingNonPemAndOldFormatFilesAreClearErrors() throws Exception {
        TestPki.Pair pair = pki.server(ca, "formats", 13, "RSA");
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> ServerTls.load(missing, pair.key(), 60_000)).hasMessageContaining(missing + " does not exist");
        Path text = dir.resolve("text.pem");
        Files.writeString(text, "hello\n");
        assertThatThrownBy(() -> ServerTls.load(text, pair.key(), 60_000)).hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> ServerTls.load(pair.cert(), pair.cert(), 60_000)).hasMessageContaining("holds no PEM private key");
        Path traditional = dir.resolve("traditional.key");
        TestPki.openssl("pkey", "-in", pair.key().toString(), "-traditional", "-out", traditional.toString());
        assertThatThrownBy(() -> ServerTls.load(pair.cert(), traditional, 60_000))
                .hasMessageContaining("RSA PRIVATE KEY (the old OpenSSL format); convert it to PKCS#8");
    }

    @Test
    void changedFilesAreReloadedAndABadPairKeepsTheOldOne() throws Exception {
        TestPki.Pair first = pki.server(ca, "reload-1", 21, "EC");
        TestPki.Pair second = pki.server(ca, "reload-2", 22, "EC");
        Path cert = dir.resolve("live.pem");
        Path key = dir.resolve("live.key");
        Files.copy(first.cert(), cert);
        Files.copy(first.key(), key);
        try (ServerTls tls = ServerTls.load(cert, key, 60_000)) {
            tls.checkOnce();
            assertThat(tls.reloads()).as("unchanged files are not loaded again").isZero();

            // The certificate is replaced first: for a moment it does not match the old key.
            Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
            tls.checkOnce();
            assertThat(tls.reloadFailures()).isEqualTo(1);
            assertThat(tls.certificate().getSerialNumber()).as("the old pair stays").isEqualTo(BigInteger.valueOf(21));
            tls.checkOnce();
            assertThat(tls.reloadFailures()).as("a bad pair is reported once per change").isEqualTo(1);

            Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
            tls.checkOnce();
            assertThat(tls.reloads()).isEqualTo(1);
            assertThat(tls.certificate().getSerialNumber()).isEqualTo(BigInteger.valueOf(22));

            // A file that disappears for a moment (replaced by rename) changes nothing.
            Files.delete(cert);
            tls.checkOnce();
            assertThat(tls.certificate().getSerialNumber()).isEqualTo(BigInteger.valueOf(22));
            Path staged = dir.resolve("staged.pem");
            Files.copy(first.cert(), staged);
            Files.copy(first.key(), key, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged, cert, StandardCopyOption.ATOMIC_MOVE);
            tls.checkOnce();
            assertThat(tls.certificate().getSerialNumber()).isEqualTo(BigInteger.valueOf(21));
            assertThat(tls.reloads()).isEqualTo(2);
        }
    }
}
