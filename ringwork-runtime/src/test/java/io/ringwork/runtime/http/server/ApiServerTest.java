package io.ringwork.runtime.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API server's bounds, each with short limits: what a client gets at each one, and that the
 * server keeps serving others. The dispatcher echoes the body's length, or streams when asked.
 */
class ApiServerTest {
    private static final ApiServer.Settings SETTINGS = new ApiServer.Settings(40, 10, 1_000, 600, 800, 1_000, 4096, 1 << 20);
    private ApiServer server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), SETTINGS, exchange -> {
            if (exchange.getRequestURI().getPath().equals("/stream")) {
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                byte[] block = new byte[64 * 1024];
                while (true) out.write(block); // until the client is cut off
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            byte[] answer = ("{\"bytes\":" + body.length + ",\"method\":\"" + exchange.getRequestMethod() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Socket connect(String from) throws IOException {
        Socket socket = new Socket("127.0.0.1", port, InetAddress.getByName(from), 0);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Sends raw bytes on a new connection and reads the whole answer until the server closes. */
    private String exchange(String request) throws IOException {
        try (Socket socket = connect("127.0.0.1")) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            return readUntilClosed(socket.getInputStream());
        }
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) all.write(buffer, 0, n);
        } catch (SocketException e) {
            // reset after the answer: what arrived counts
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepAliveCarriesSeveralRequestsAndChunkedBodiesAndContinueWork() throws IOException {
        String answer = exchange("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n"
                + "POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nxy");
        assertThat(answer).contains("{\"bytes\":3,").contains("{\"bytes\":5,").contains("100 Continue").contains("{\"bytes\":2,");
        assertThat(answer.split("HTTP/1.1 200").length - 1).isEqualTo(3);
    }

    @Test
    void headGetsHeadersWithoutABody() throws IOException {
        String answer = exchange("HEAD /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200").containsIgnoringCase("Content-Length: 27").endsWith("\r\n\r\n");
    }

    @Test
    void malformedHeadsAreAnsweredWithJson() throws IOException {
        assertThat(exchange("GET /v1/state/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 400").contains("\"error\":\"bad_request\"").contains("percent-escape");
        assertThat(exchange("GET /a b HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400").contains("application/json");
        assertThat(exchange("GET /a HTTP/2.0\r\n\r\n")).startsWith("HTTP/1.1 505");
        assertThat(exchange("GET /" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 414");
        assertThat(exchange("GET /a HTTP/1.1\r\nX: " + "y".repeat(5000) + "\r\n\r\n")).startsWith("HTTP/1.1 431");
        assertThat(exchange("POST /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"))
                .startsWith("HTTP/1.1 400").contains("together");
        assertThat(exchange("POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(server.counters().malformed.get()).isEqualTo(7);
    }

    @Test
    void aDeclaredLengthReservesNothingAndASlowBodyTimesOutWith408() throws IOException {
        try (Socket socket = connect("127.0.0.1")) {
            socket.getOutputStream().write("POST /a HTTP/1.1\r\nContent-Length: 268435456\r\n\r\nx".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(2)).until(() -> server.bodyBytesHeld() == 1);
            String answer = readUntilClosed(socket.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout");
        }
        assertThat(server.counters().bodyTimeouts.get()).isEqualTo(1);
        assertThat(server.bodyBytesHeld()).isZero();
    }

    @Test
    void aStalledHeadTimesOutWith408AndAnIdleConnectionIsClosed() throws IOException {
        try (Socket socket = connect("127.0.0.1")) {
            socket.getOutputStream().write("GET /a HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntilClosed(socket.getInputStream())).startsWith("HTTP/1.1 408");
        }
        try (Socket socket = connect("127.0.0.1")) {
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(800L, 4_000L);
        }
    }

    @Test
    void connectionsAreCappedPerClientAndInAllWhileOthersAreServed() throws IOException {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < SETTINGS.maxConnectionsPerClient(); i++) held.add(connect("127.0.0.2"));
            await().atMost(Duration.ofSeconds(2)).until(() -> server.openConnections() == SETTINGS.maxConnectionsPerClient());
            try (Socket extra = connect("127.0.0.2")) {
                assertThat(readUntilClosed(extra.getInputStream())).startsWith("HTTP/1.1 503").contains("your address");
            }
            assertThat(exchange("GET /a HTTP/1.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
            for (int c = 3; held.size() < SETTINGS.maxConnections(); c++) {
                for (int i = 0; i < SETTINGS.maxConnectionsPerClient() && held.size() < SETTINGS.maxConnections(); i++) {
                    held.add(connect("127.0.0." + c));
                }
            }
            await().atMost(Duration.ofSeconds(2)).until(() -> server.openConnections() == SETTINGS.maxConnections());
            assertThat(exchange("GET /a HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 503").contains("open connections");
        } finally {
            for (Socket socket : held) socket.close();
        }
        assertThat(server.counters().rejectedPerClient.get()).isEqualTo(1);
        assertThat(server.counters().rejectedConnections.get()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(3)).until(() -> server.openConnections() == 0);
    }

    @Test
    void aClientThatStopsReadingAStreamIsCutOff() throws IOException {
        try (Socket socket = connect("127.0.0.1")) {
            socket.setReceiveBufferSize(4096);
            socket.getOutputStream().write("GET /stream HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.counters().writeStalls.get() == 1);
        }
    }
}
