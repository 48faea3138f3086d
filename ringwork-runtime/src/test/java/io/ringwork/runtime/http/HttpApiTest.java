package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API of an in-process node: happy paths and every kind of bad input. */
class HttpApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir static Path dir;
    static RingworkNode node;
    static String base;

    @BeforeAll
    static void start() {
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("api-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(8)
                .withMaxRequestBytes(4 << 20));
        base = "http://127.0.0.1:" + node.http().address().getPort();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Answer(int status, JsonNode body) {}

    static Answer send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (contentType != null) request.header("Content-Type", contentType);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? null
                : response.headers().firstValue("Content-Type").orElse("").startsWith("application/json")
                ? JSON.readTree(response.body()) : JSON.getNodeFactory().textNode(response.body());
        return new Answer(response.statusCode(), json);
    }

    static JsonNode awaitState(String key) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/state/" + key, null, null), a -> a.status() == 200).body();
    }

    @Test
    void oneEnvelopeAnArrayAndNdjsonAreAppendedWithPartitionAndOffset() throws Exception {
        Answer one = send("POST", "/v1/events", "application/json", "{\"key\":\"user/1\",\"type\":\"resource.create\",\"data\":{\"n\":1}}");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.body().path("results")).hasSize(1);
        assertThat(one.body().path("results").get(0).has("offset")).isTrue();

        Answer array = send("POST", "/v1/events", "application/json",
                "[{\"key\":\"user/2\",\"type\":\"resource.create\",\"data\":{}},{\"key\":\"user/2\",\"type\":\"resource.patch\",\"data\":{\"a\":1},\"extra\":\"ignored\"}]");
        assertThat(array.body().path("appended").asInt()).isEqualTo(2);
        assertThat(array.body().path("results").get(1).path("offset").asLong())
                .isEqualTo(array.body().path("results").get(0).path("offset").asLong() + 1);

        Answer ndjson = send("POST", "/v1/events", "application/x-ndjson",
                "{\"key\":\"user/3\",\"type\":\"resource.create\",\"data\":{\"x\":1}}\n\n{\"key\":\"user/3\",\"type\":\"resource.delete\"}\n");
        assertThat(ndjson.body().path("appended").asInt()).isEqualTo(2);

        assertThat(awaitState("user/2").path("value")).isEqualTo(JSON.readTree("{\"a\":1}"));
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/cluster", null, null).body().path("totals").path("lag").asLong() == 0);
        Answer deleted = send("GET", "/v1/state/user/3", null, null);
        assertThat(deleted.status()).isEqualTo(404);
        assertThat(deleted.body().path("detail").asText()).contains("deleted");
    }

    @Test
    void aRepeatedIdIsNotAppendedAgainAndTheAnswerSaysSo() throws Exception {
        String body = "{\"key\":\"acme/d\",\"type\":\"gluer.merge\",\"id\":\"piece-1\",\"data\":{\"tags\":[1]}}";
        Answer first = send("POST", "/v1/events", "application/json", body);
        Answer again = send("POST", "/v1/events", "application/json", body);
        assertThat(first.body().path("results").get(0).has("duplicate")).isFalse();
        assertThat(again.body().path("results").get(0).path("duplicate").asBoolean()).isTrue();
        assertThat(again.body().path("results").get(0).path("offset")).isEqualTo(first.body().path("results").get(0).path("offset"));
        assertThat(again.body().path("duplicates").asInt()).isEqualTo(1);
    }

    /** Replication moved to the peer port: the public one has no /internal route (it used to take commits from anyone). */
    @Test
    void thePublicPortServesNoInternalRoute() throws Exception {
        assertError(send("POST", "/internal/v1/replicate", "application/octet-stream", "\u0001"), 404, "no such endpoint");
        assertError(send("GET", "/internal/v1/replicate", null, null), 404, "no such endpoint");
        assertError(send("GET", "/internal/v1/read/doc/1", null, null), 404, "no such endpoint"); // reads relay on the peer port too
        assertError(send("POST", "/internal/", "application/octet-stream", "\u0001"), 404, "no such endpoint");
        String metrics = send("GET", "/metrics", null, null).body().asText();
        for (String reason : List.of("bad_mac", "replayed", "oversized", "malformed", "unknown_kind", "handshake")) {
            assertThat(metrics).contains("ringwork_peer_frames_dropped_total{").contains("reason=\"" + reason + "\"");
        }
        assertThat(node.peerAddress()).startsWith("127.0.0.1:");
    }

    /** The chaos harness reads partition starts and releases from here, not from the node's log (docs/CHAOS.md). */
    @Test
    void metricsCountEachPartitionsStartsAndReleases() {
        String metrics = await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/metrics", null, null).body().asText(),
                m -> java.util.stream.IntStream.range(0, 8).allMatch(p -> m.contains(
                        "ringwork_partition_starts_total{node=\"api-test\",partition=\"" + p + "\"} 1.0")));
        for (int p = 0; p < 8; p++) {
            assertThat(metrics).contains("ringwork_partition_releases_total{node=\"api-test\",partition=\"" + p + "\"} 0.0");
        }
        assertThat(metrics).doesNotContain("partition=\"8\"").contains("ringwork_jvm_gc_collections_total{");
    }

    @Test
    void badInputGetsA4xxWithErrorAndDetail() throws Exception {
        assertError(send("POST", "/v1/events", "application/json", "{\"key\":"), 400, "malformed JSON");
        assertError(send("POST", "/v1/events", "application/json", "{\"type\":\"gluer.merge\"}"), 400, "missing \"key\"");
        assertError(send("POST", "/v1/events", "application/json", "{\"key\":\"\",\"type\":\"x.y\"}"), 400, "must not be empty");
        assertError(send("POST", "/v1/events", "application/json", "[]"), 400, "no envelopes");
        assertError(send("POST", "/v1/events", "application/json", "{\"key\":\"a/b\",\"type\":\"x.y\",\"id\":\"\"}"), 400, "leave it out");
        assertError(send("POST", "/v1/events", "application/json", "[{\"key\":\"a/b\",\"type\":\"x.y\"}, 3]"), 400, "envelope 1");
        assertError(send("POST", "/v1/events", "application/x-ndjson", "{\"key\":\"a/b\",\"type\":\"x.y\"}\n{oops\n"), 400, "line 2");
        assertError(send("POST", "/v1/events", "text/plain", "{}"), 415, "Content-Type");
        assertError(send("POST", "/v1/events", null, "{}"), 415, "Content-Type");
        // An oversized body is refused from its Content-Length alone, before any of it is read.
        assertError(headersOnly("POST /v1/events", "application/json", 8 << 20), 413, "over the limit");
        assertError(send("POST", "/v1/events", "application/json", "{\"key\":\"a/b\",\"type\":\"x.y\",\"data\":\""
                + "x".repeat(2 << 20) + "\"}"), 413, "nothing was appended");
        assertError(send("GET", "/v1/events", null, null), 405, "POST");
        assertError(send("GET", "/v1/state/never/written", null, null), 404, "no state");
        send("POST", "/v1/gluer/t/only-rejected?op=patch", "application/json", "{\"not\":\"an array\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/dead-letters?key=t/only-rejected", null, null)
                .body().path("count").asInt() == 1);
        assertError(send("GET", "/v1/state/t/only-rejected", null, null), 404, "no value");
        assertError(send("GET", "/v1/nothing-here", null, null), 404, "no such endpoint");
        assertError(send("POST", "/v1/gluer/acme/doc", "application/json", "{}"), 400, "op=merge");
        assertError(send("POST", "/v1/gluer/acme/doc?op=frob", "application/json", "{}"), 400, "op must be");
        assertError(send("GET", "/v1/dead-letters?limit=zero", null, null), 400, "limit");
        assertError(send("GET", "/v1/changes?from=-5", null, null), 400, "from");
    }

    /** Sends only a request's headers (the body never comes) and reads the answer. */
    static Answer headersOnly(String requestLine, String contentType, long contentLength) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.http().address().getPort())) {
            socket.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            // Read the answer by its Content-Length: the server keeps the connection open to drain
            // the promised body, so end-of-stream would never come.
            socket.setSoTimeout(10_000);
            java.io.DataInputStream in = new java.io.DataInputStream(socket.getInputStream());
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) head.append((char) in.readUnsignedByte());
            int status = Integer.parseInt(head.substring(9, 12));
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            byte[] body = new byte[length.find() ? Integer.parseInt(length.group(1)) : 0];
            in.readFully(body);
            return new Answer(status, JSON.readTree(body));
        }
    }

    private static void assertError(Answer answer, int status, String detail) {
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body().path("error").asText()).isNotEmpty();
        assertThat(answer.body().path("detail").asText()).contains(detail);
    }

    @Test
    void gluerPiecesDocumentsDeadLettersAndTenantCounters() throws Exception {
        assertThat(send("POST", "/v1/gluer/tenant-a/doc-1?op=put&id=p1", "application/json", "{\"title\":\"x\",\"tags\":[]}").status()).isEqualTo(200);
        assertThat(send("POST", "/v1/gluer/tenant-a/doc-1", "application/merge-patch+json", "{\"year\":2026}").status()).isEqualTo(200);
        assertThat(send("POST", "/v1/gluer/tenant-a/doc-1", "application/json-patch+json",
                "[{\"op\":\"add\",\"path\":\"/tags/-\",\"value\":\"a\"}]").status()).isEqualTo(200);
        assertThat(send("POST", "/v1/gluer/tenant-a/doc-1?op=patch", "application/json",
                "[{\"op\":\"test\",\"path\":\"/title\",\"value\":\"not-x\"}]").status()).isEqualTo(200);
        JsonNode expected = JSON.readTree("{\"title\":\"x\",\"tags\":[\"a\"],\"year\":2026}");
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/gluer/tenant-a/doc-1", null, null).body().path("document"), expected::equals);
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/dead-letters?key=tenant-a/doc-1", null, null).body().path("count").asInt() == 1);
        JsonNode letter = send("GET", "/v1/dead-letters?prefix=tenant-a/", null, null).body().path("deadLetters").get(0);
        assertThat(letter.path("reason").asText()).contains("test");
        assertThat(letter.path("type").asText()).isEqualTo("gluer.patch");
        JsonNode counters = send("GET", "/v1/gluer/tenant-a", null, null).body();
        assertThat(counters.path("piecesApplied").asLong()).isEqualTo(3);
        assertThat(counters.path("piecesRejected").asLong()).isEqualTo(1);
        assertThat(send("GET", "/metrics", null, null).body().asText()).contains("ringwork_records_applied_total")
                .contains("namespace=\"tenant-a\"");
        JsonNode cluster = send("GET", "/v1/cluster", null, null).body();
        assertThat(cluster.path("members").get(0).path("id").asText()).isEqualTo("api-test");
        assertThat(cluster.path("partitions")).hasSize(8);
        assertThat(send("GET", "/", null, null).body().asText()).contains("<title>ringwork console</title>");
    }

    /** A processor from outside ringwork (registered only in the test class path's services file) gets its records. */
    @Test
    void aUserProcessorFoundThroughTheSpiAppliesItsRecords() throws Exception {
        send("POST", "/v1/events", "application/x-ndjson", "{\"key\":\"c/1\",\"type\":\"counter.add\",\"data\":5}\n"
                + "{\"key\":\"c/1\",\"type\":\"counter.add\",\"data\":\"x\"}\n{\"key\":\"c/1\",\"type\":\"counter.add\",\"data\":37}\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/state/c/1", null, null).body().path("value").path("count").asLong() == 42);
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/dead-letters?key=c/1", null, null).body().path("count").asInt() == 1);
    }

    /**
     * Change-feed streams are bounded per client address and in all: the one past a limit is
     * refused (429 per client, 503 in all), and a slot frees when a stream ends. Clients are told
     * apart by address, so the test connects from several loopback addresses.
     */
    @Test
    void changeFeedStreamsAreBoundedPerClientAndInAll() throws Exception {
        List<java.net.Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < ChangesHandler.MAX_STREAMS_PER_CLIENT; i++) open.add(openStream("127.0.0.1"));
            assertThat(streamStatus("127.0.0.1")).as("one client past its share").isEqualTo(429);
            int clients = ChangesHandler.MAX_STREAMS / ChangesHandler.MAX_STREAMS_PER_CLIENT;
            for (int c = 2; c <= clients; c++) {
                for (int i = 0; i < ChangesHandler.MAX_STREAMS_PER_CLIENT; i++) open.add(openStream("127.0.0." + c));
            }
            assertThat(streamStatus("127.0.0." + (clients + 1))).as("a new client when every stream is taken").isEqualTo(503);
        } finally {
            for (java.net.Socket socket : open) socket.close();
        }
        // The server notices the closed streams at its next heartbeat and frees their slots.
        await().atMost(Duration.ofSeconds(15)).until(() -> streamStatus("127.0.0.1") == 200);
    }

    private static java.net.Socket openStream(String from) throws Exception {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", node.http().address().getPort(),
                java.net.InetAddress.getByName(from), 0);
        socket.getOutputStream().write("GET /v1/changes HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        socket.setSoTimeout(10_000);
        byte[] status = socket.getInputStream().readNBytes(12); // the stream's first bytes: it holds a slot now
        assertThat(new String(status, StandardCharsets.US_ASCII)).endsWith("200");
        return socket;
    }

    private static int streamStatus(String from) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.http().address().getPort(),
                java.net.InetAddress.getByName(from), 0)) {
            socket.getOutputStream().write("GET /v1/changes HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            byte[] status = socket.getInputStream().readNBytes(12);
            return Integer.parseInt(new String(status, StandardCharsets.US_ASCII).substring(9, 12));
        }
    }

    /**
     * Slow uploads hold a connection, not an ingest slot: with more slow bodies in flight than
     * there are slots, other clients' requests are still appended at once.
     */
    @Test
    void slowUploadsDoNotTakeTheIngestSlots() throws Exception {
        List<java.net.Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < IngestHandlers.MAX_CONCURRENT + 8; i++) {
                java.net.Socket socket = new java.net.Socket("127.0.0.1", node.http().address().getPort(),
                        java.net.InetAddress.getByName("127.0.0.9"), 0);
                socket.getOutputStream().write(("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1000000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                slow.add(socket);
            }
            for (int i = 0; i < 20; i++) {
                Answer answer = send("POST", "/v1/events", "application/json",
                        "{\"key\":\"busy/" + i + "\",\"type\":\"resource.create\",\"data\":{}}");
                assertThat(answer.status()).isEqualTo(200);
            }
        } finally {
            for (java.net.Socket socket : slow) socket.close();
        }
    }

    @Test
    void theChangeFeedReplaysFromAPositionThenGoesLive() throws Exception {
        send("POST", "/v1/events", "application/json", "{\"key\":\"feed/1\",\"type\":\"resource.create\",\"data\":{\"v\":1}}");
        awaitState("feed/1");
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/changes?from=earliest&prefix=feed/")).build();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            boolean sentLive = false;
            while (events.size() < 2 && (line = reader.readLine()) != null) {
                if (!line.startsWith("data: ")) continue;
                events.add(JSON.readTree(line.substring(6)));
                if (!sentLive) {
                    sentLive = true;
                    send("POST", "/v1/events", "application/json", "{\"key\":\"feed/1\",\"type\":\"resource.patch\",\"data\":{\"w\":2}}");
                }
            }
        }
        assertThat(events).extracting(e -> e.path("key").asText()).containsExactly("feed/1", "feed/1");
        assertThat(events.get(1).path("version").asLong()).isGreaterThan(events.get(0).path("version").asLong());
        assertThat(events.get(1).path("position").asLong()).isGreaterThan(events.get(0).path("position").asLong());
        assertThat(events.get(1).path("value")).isEqualTo(JSON.readTree("{\"v\":1,\"w\":2}"));
        assertThat(events.get(0).has("fedAtMs")).as("a replayed change has no feed time").isFalse();
        long fedAt = events.get(1).path("fedAtMs").asLong(-1);
        assertThat(fedAt).as("a live change says when the node put it on its feed")
                .isBetween(events.get(1).path("timestampMs").asLong(), System.currentTimeMillis());
    }
}
