package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.client.RingworkClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node process with {@code --tls-cert}/{@code --tls-key}: its ready line says {@code https=},
 * the harness hands out an https URL, and a client trusting the CA ({@code --cacert}) is served. The
 * certificates are made with {@code openssl}; the test is skipped where it is not installed.
 */
class TlsNodeProcessTest {
    @TempDir Path dir;

    @Test
    @Timeout(120)
    void aTlsNodeSaysHttpsAndServesAClientThatTrustsItsCa() throws Exception {
        Assumptions.assumeTrue(openssl("version"), "openssl is not installed (Debian: apt-get install openssl); skipping");
        Path caKey = dir.resolve("ca.key"), ca = dir.resolve("ca.pem"), key = dir.resolve("node.key"), csr = dir.resolve("node.csr");
        Path cert = dir.resolve("node.pem"), ext = dir.resolve("node.ext");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1\n");
        assertThat(openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", caKey.toString())
                && openssl("req", "-x509", "-new", "-key", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=test CA")
                && openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.toString())
                && openssl("req", "-new", "-key", key.toString(), "-out", csr.toString(), "-subj", "/CN=tls-1")
                && openssl("x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(), "-set_serial", "7",
                        "-days", "2", "-out", cert.toString(), "-extfile", ext.toString())).as("openssl made the certificates").isTrue();

        try (NodeProcess node = NodeProcess.start("tls-1", dir.resolve("tls-1"), dir.resolve("log"),
                List.of("--partitions", "4", "--tls-cert", cert.toString(), "--tls-key", key.toString()))) {
            String url = node.awaitReady(60_000);
            assertThat(url).startsWith("https://127.0.0.1:");
            assertThat(Files.readString(node.output())).contains("ringwork node tls-1 ready https=" + url.substring("https://".length()));
            RingworkClient client = RingworkClient.forCommandLine(url, null, ca);
            assertThat(client.get("/healthz").path("status").asText()).isEqualTo("ok");
            JsonNode self = client.cluster().path("members").get(0);
            assertThat(self.path("metadata").path("http").asText()).as("gossiped as https").isEqualTo(url);
            assertThat(node.stop()).as("SIGTERM is still a graceful leave").isZero();
        }
    }

    private static boolean openssl(String... args) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ok = process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
            if (!ok && !args[0].equals("version")) System.err.println("openssl " + String.join(" ", args) + ": " + output);
            return ok;
        } catch (IOException e) {
            return false;
        }
    }
}
