package io.ringwork.runtime.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Certificates for tests, made with the {@code openssl} command (the JDK has no public API to issue
 * a certificate, and Bouncy Castle is not a dependency). Tests that need it are skipped with a
 * message where openssl is not installed.
 */
public final class TestPki {
    private final Path dir;

    /** A CA: its certificate ({@code NAME.pem}) and key ({@code NAME.key}). */
    public record Ca(Path cert, Path key) {}

    /** A server certificate for 127.0.0.1 and localhost, and its key. */
    public record Pair(Path cert, Path key) {}

    public TestPki(Path dir) {
        this.dir = dir;
    }

    /** Skips the calling test unless {@code openssl} runs. */
    public static void assumeOpenssl() {
        boolean present;
        try {
            present = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            present = false;
        }
        Assumptions.assumeTrue(present, "openssl is not installed (Debian: apt-get install openssl); skipping the TLS test");
    }

    /** A self-signed CA with an EC P-256 key. */
    public Ca ca(String name) throws Exception {
        Path key = key(name + "-ca", "EC");
        Path cert = dir.resolve(name + "-ca.pem");
        openssl("req", "-x509", "-new", "-key", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name + " test CA");
        return new Ca(cert, key);
    }

    /** A server certificate signed by {@code ca} with serial {@code serial}, for a new key of {@code algorithm} (RSA or EC). */
    public Pair server(Ca ca, String name, long serial, String algorithm) throws Exception {
        Path key = key(name, algorithm);
        Path csr = dir.resolve(name + ".csr");
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
        Path cert = dir.resolve(name + ".pem");
        openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.cert().toString(), "-CAkey", ca.key().toString(),
                "-set_serial", Long.toString(serial), "-days", "2", "-out", cert.toString(), "-extfile", ext.toString());
        return new Pair(cert, key);
    }

    /**
     * A certificate signed by {@code ca} that expired in 2020 ({@code openssl x509} cannot set past
     * dates; {@code openssl ca} can, with a throwaway database).
     */
    public Pair expired(Ca ca, String name, long serial) throws Exception {
        Path key = key(name, "EC");
        Path csr = dir.resolve(name + ".csr");
        openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + name);
        Path db = Files.createDirectories(dir.resolve(name + "-ca-db"));
        Files.writeString(db.resolve("index.txt"), "");
        String hex = Long.toHexString(serial);
        Files.writeString(db.resolve("serial"), (hex.length() % 2 == 0 ? hex : "0" + hex) + "\n"); // openssl reads whole bytes
        Path config = db.resolve("ca.cnf");
        Files.writeString(config, "[ca]\ndefault_ca=test\n[test]\ndatabase=" + db.resolve("index.txt") + "\nnew_certs_dir=" + db
                + "\nserial=" + db.resolve("serial") + "\ndefault_md=sha256\npolicy=any\n[any]\ncommonName=supplied\n");
        Path cert = dir.resolve(name + ".pem");
        openssl("ca", "-batch", "-config", config.toString(), "-cert", ca.cert().toString(), "-keyfile", ca.key().toString(),
                "-in", csr.toString(), "-out", cert.toString(), "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext");
        return new Pair(cert, key);
    }

    /** A new PKCS#8 private key (what {@code openssl genpkey} writes). */
    public Path key(String name, String algorithm) throws Exception {
        Path key = dir.resolve(name + ".key");
        List<String> args = new ArrayList<>(List.of("genpkey", "-out", key.toString()));
        if (algorithm.equals("EC")) args.addAll(List.of("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"));
        else args.addAll(List.of("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"));
        openssl(args.toArray(String[]::new));
        return key;
    }

    public static String openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
        }
        return output;
    }
}
