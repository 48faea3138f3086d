package io.ringwork.runtime.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.runtime.tls.ClientTls;
import io.ringwork.runtime.tls.ServerTls;
import io.ringwork.runtime.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server with TLS: the handshake is bounded like a request head, a plain-HTTP client is
 * served nothing, the head and body deadlines still hold inside TLS, and new connections get a
 * reloaded certificate while open ones keep theirs.
 */
class ApiServerTlsTest {
    private static final ApiServer.Settings SETTINGS = new ApiServer.Settings(40, 10, 1_000, 600, 800, 1_000, 4096, 1 << 20);
    @TempDir static Path dir;
    static TestPki pki;
    static TestPki.Ca ca;
    static TestPki.Pair first;
    static TestPki.Pair second;
    static SSLContext trusting;

    private final AtomicInteger dispatched = new AtomicInteger();
    private ServerTls tls;
    private ApiServer server;
    private int port;
    private Path cert;
    private Path key;

    @BeforeAll
    static void pki() throws Exception {
        TestPki.assumeOpenssl();
        pki = new TestPki(dir);
        ca = pki.ca("server-test");
        first = pki.server(ca, "first", 31, "EC");
        second = pki.server(ca, "second", 32, "RSA");
        trusting = ClientTls.trusting(ca.cert());
    }

    @BeforeEach
    void start() throws IOException {
        cert = dir.resolve("live-" + System.nanoTime() + ".pem");
        key = dir.resolve("live-" + System.nanoTime() + ".key");
        Files.copy(first.cert(), cert);
        Files.copy(first.key(), key);
        tls = ServerTls.load(cert, key, 100);
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), SETTINGS, exchange -> {
            dispatched.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            byte[] answer = ("{\"bytes\":" + body.length + "}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        }, tls);
        server.start();
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
        tls.close();
    }

    private SSLSocket connectTls() throws IOException {
        SSLSocket socket = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(5_000);
        socket.startHandshake();
        return socket;
    }

    private static BigInteger serial(SSLSocket socket) throws IOException {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return readUntilClosedOrTimeout(socket.getInputStream());
    }

    /** What arrives until the server closes (or 5 s pass, or the connection is reset). */
    private static String readUntilClosedOrTimeout(InputStream in) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) got.write(buffer, 0, n);
        } catch (IOException e) {
            // reset or timed out: what came so far is the answer
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRequestOverTlsIsServedWithTheCertificate() throws Exception {
        try (SSLSocket socket = connectTls()) {
            assertThat(serial(socket)).isEqualTo(BigInteger.valueOf(31));
            String answer = exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
            assertThat(answer).startsWith("HTTP/1.1 200").endsWith("{\"bytes\":3}");
        }
        assertThat(server.secure()).isTrue();
    }

    @Test
    void aClientThatNeverStartsTheHandshakeIsCutAfterTheHeadTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            long started = System.nanoTime();
            String got = readUntilClosedOrTimeout(socket.getInputStream());
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(got).doesNotStartWith("HTTP/");
            assertThat(tookMs).as("cut after the 600 ms head timeout and a reaper period (about 0.8 s), not at the 5 s read timeout")
                    .isBetween(500L, 4_000L);
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> server.counters().tlsHandshakeTimeouts.get() == 1
                && server.openConnections() == 0);
        assertThat(dispatched.get()).isZero();
    }

    @Test
    void aPlainHttpRequestGetsNoHttpAnswerAndIsNeverDispatched() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5_000);
            String got = exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(got).as("a TLS alert at most, never an HTTP answer").doesNotContain("HTTP/1.1");
        }
        await().atMost(Duration.ofSeconds(3)).until(() -> server.counters().tlsHandshakeFailures.get() == 1
                && server.openConnections() == 0);
        assertThat(dispatched.get()).isZero();
    }

    @Test
    void theHeadTimeoutStillHoldsInsideTls() throws Exception {
        try (SSLSocket socket = connectTls()) {
            String answer = exchange(socket, "GET /slow HTTP/1.1\r\nHost: a\r\n");
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
        assertThat(server.counters().headerTimeouts.get()).isEqualTo(1);
        assertThat(dispatched.get()).isZero();
    }

    @Test
    void newConnectionsGetTheReloadedCertificateAndOpenOnesKeepTheirs() throws Exception {
        try (SSLSocket open = connectTls()) {
            assertThat(serial(open)).isEqualTo(BigInteger.valueOf(31));
            // Replaced the way an operator or cert-manager does it: each file renamed into place.
            Path stagedKey = dir.resolve("staged.key");
            Path stagedCert = dir.resolve("staged.pem");
            Files.copy(second.key(), stagedKey, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(second.cert(), stagedCert, StandardCopyOption.REPLACE_EXISTING);
            Files.move(stagedKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(stagedCert, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (SSLSocket fresh = connectTls()) {
                    return serial(fresh).equals(BigInteger.valueOf(32));
                }
            });
            assertThat(tls.reloads()).isEqualTo(1);
            String answer = exchange(open, "GET /still HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            assertThat(answer).as("the open connection still works with its certificate").startsWith("HTTP/1.1 200");
            assertThat(serial(open)).isEqualTo(BigInteger.valueOf(31));

            // A bad pair (the key of another certificate) is refused and the good one stays.
            long failuresBefore = tls.reloadFailures(); // a poll between the two renames above may have seen half a pair
            Files.copy(first.key(), key, StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(5)).until(() -> tls.reloadFailures() > failuresBefore);
            try (SSLSocket fresh = connectTls()) {
                assertThat(serial(fresh)).isEqualTo(BigInteger.valueOf(32));
            }
        }
    }
}
