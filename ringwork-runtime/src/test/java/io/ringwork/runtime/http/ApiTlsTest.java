package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.cli.RingworkCli;
import io.ringwork.runtime.http.auth.ApiTokens;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import io.ringwork.runtime.tls.ClientTls;
import io.ringwork.runtime.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An in-process node serving its API over TLS ({@code --tls-cert}, {@code --tls-key}) with API
 * tokens: the right CA works, another CA fails the handshake, plain HTTP gets no answer and changes
 * nothing, the CLI commands take {@code --cacert}, the certificate is reloaded without a restart,
 * and bad TLS settings are one line and exit code 2.
 */
class ApiTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "rwt_tls-admin-secret";
    @TempDir static Path dir;
    static TestPki pki;
    static TestPki.Ca ca;
    static TestPki.Ca otherCa;
    static TestPki.Pair next;
    static Path cert;
    static Path key;
    static RingworkNode node;
    static String base;
    static HttpClient https;

    @BeforeAll
    static void start() throws Exception {
        TestPki.assumeOpenssl();
        pki = new TestPki(dir);
        ca = pki.ca("node");
        otherCa = pki.ca("other");
        TestPki.Pair pair = pki.server(ca, "api", 41, "RSA");
        next = pki.server(ca, "api-next", 42, "EC");
        cert = dir.resolve("api.crt");
        key = dir.resolve("api-live.key");
        Files.copy(pair.cert(), cert);
        Files.copy(pair.key(), key);
        Path tokens = dir.resolve("tokens");
        Files.write(tokens, List.of(ApiTokens.line("ops", ADMIN, List.of("admin"))));
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("tls-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(4).withApiTokens(tokens)
                .withTlsCert(cert).withTlsKey(key));
        base = node.httpUrl();
        https = HttpClient.newBuilder().sslContext(ClientTls.trusting(ca.cert())).build();
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    private static HttpResponse<String> get(HttpClient client, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withTheRightCaHealthzAndAnAuthenticatedRequestAnswerOverHttps() throws Exception {
        assertThat(base).isEqualTo("https://" + node.httpAddress());
        HttpResponse<String> health = get(https, "/healthz", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.sslSession()).isPresent();
        assertThat(get(https, "/v1/cluster", null).statusCode()).as("tokens still apply inside TLS").isEqualTo(401);
        HttpResponse<String> cluster = get(https, "/v1/cluster", ADMIN);
        assertThat(cluster.statusCode()).isEqualTo(200);
        JsonNode self = JSON.readTree(cluster.body()).path("members").get(0);
        assertThat(self.path("http").asText()).as("the gossiped address says https").isEqualTo(base);
    }

    @Test
    void theCliCommandsTrustTheCaGivenWithCacert() throws Exception {
        Path records = dir.resolve("records.jsonl");
        Files.writeString(records, "{\"key\":\"tls/cli\",\"type\":\"resource.create\",\"data\":{\"via\":\"cli\"}}\n");
        assertThat(cli("produce", "--node", base, "--token", ADMIN, "--cacert", ca.cert().toString(), "--file", records.toString())
                .code()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(https, "/v1/state/tls%2Fcli", ADMIN).statusCode() == 200);
        Run got = cli("get", "tls/cli", "--node", base, "--token", ADMIN, "--cacert", ca.cert().toString());
        assertThat(got.code()).isZero();
        assertThat(got.out()).contains("\"via\" : \"cli\"");
        Run status = cli("status", "--node", base, "--token", ADMIN, "--cacert", ca.cert().toString());
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("tls-test", base);

        Run wrongCa = cli("status", "--node", base, "--token", ADMIN, "--cacert", otherCa.cert().toString());
        assertThat(wrongCa.code()).isEqualTo(2);
        assertThat(wrongCa.err().lines().count()).isEqualTo(1);
        assertThat(wrongCa.err()).contains("give --cacert with the CA that signed it");
        Run missingCa = cli("status", "--node", base, "--cacert", dir.resolve("none.pem").toString());
        assertThat(missingCa.code()).isEqualTo(2);
        assertThat(missingCa.err()).contains("none.pem does not exist");
    }

    @Test
    void aClientTrustingAnotherCaFailsTheHandshake() throws Exception {
        long failures = node.http().serverCounters().tlsHandshakeFailures.get();
        HttpClient wrong = HttpClient.newBuilder().sslContext(ClientTls.trusting(otherCa.cert())).build();
        assertThatThrownBy(() -> get(wrong, "/healthz", null)).isInstanceOf(SSLHandshakeException.class);
        await().atMost(Duration.ofSeconds(3)).until(() -> node.http().serverCounters().tlsHandshakeFailures.get() > failures);
    }

    @Test
    void aPlainHttpRequestToTheTlsPortGetsNoAnswerAndChangesNothing() throws Exception {
        String body = "{\"key\":\"tls/plain\",\"type\":\"resource.create\",\"data\":{\"x\":1}}\n";
        String request = "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN
                + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (Socket socket = new Socket("127.0.0.1", node.http().address().getPort())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[4096];
            for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) got.write(buffer, 0, n);
        } catch (IOException e) {
            // reset: no answer either
        }
        assertThat(got.toString(StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1");
        Thread.sleep(300); // had it been appended, it would be applied by now
        assertThat(get(https, "/v1/state/tls%2Fplain", ADMIN).statusCode()).isEqualTo(404);
    }

    @Test
    void aReplacedCertificateServesNewConnectionsWithoutARestart() throws Exception {
        SSLContext trusting = ClientTls.trusting(ca.cert());
        assertThat(serialSeen(trusting)).isEqualTo(BigInteger.valueOf(41));
        Path staged = dir.resolve("staged.crt");
        Files.copy(next.cert(), staged);
        Files.copy(next.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(250))
                .until(() -> serialSeen(trusting).equals(BigInteger.valueOf(42)));
        assertThat(get(https, "/healthz", null).statusCode()).isEqualTo(200);
    }

    private static BigInteger serialSeen(SSLContext trusting) throws IOException {
        try (SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", node.http().address().getPort())) {
            socket.setSoTimeout(5_000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    @Test
    void badTlsSettingsAreOneLineAndExitCode2() throws Exception {
        TestPki.Pair pair = pki.server(ca, "flags", 51, "EC");
        String[] common = {"node", "--http", "127.0.0.1:0", "--bind", "127.0.0.1:0", "--data-dir", dir.resolve("flags-data").toString(),
                "--log-dir", dir.resolve("flags-log").toString()};
        assertExit2(cat(common, "--tls-cert", pair.cert().toString()), "ringwork node: --tls-cert needs --tls-key (the certificate's private key, PEM PKCS#8)");
        assertExit2(cat(common, "--tls-key", pair.key().toString()), "ringwork node: --tls-key needs --tls-cert (the certificate chain of that key, PEM)");
        Path missing = dir.resolve("missing.pem");
        assertExit2(cat(common, "--tls-cert", missing.toString(), "--tls-key", pair.key().toString()),
                "ringwork node: cannot use --tls-cert/--tls-key: " + missing + " does not exist");
        assertExit2(cat(common, "--tls-cert", pair.cert().toString(), "--tls-key", key.toString()),
                "ringwork node: cannot use --tls-cert/--tls-key: the key in " + key + " does not belong to the certificate in "
                        + pair.cert() + " (CN=flags)");
        assertThat(Files.exists(dir.resolve("flags-log"))).as("nothing was opened").isFalse();
    }

    private static String[] cat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    private static void assertExit2(String[] args, String line) {
        Run run = cli(args);
        assertThat(run.code()).as(String.join(" ", args)).isEqualTo(2);
        assertThat(run.err().lines().toList()).containsExactly(line);
    }

    private record Run(int code, String out, String err) {}

    private static Run cli(String... args) {
        CommandLine cli = RingworkCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        java.io.PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = RingworkCli.run(cli, args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }
}
