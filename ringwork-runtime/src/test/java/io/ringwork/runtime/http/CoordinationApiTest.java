package io.ringwork.runtime.http;

import static io.ringwork.runtime.http.KvApiTest.kv;
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

/** Sessions, ephemeral keys, elections with fencing tokens and their bad input, on one in-process node. */
class CoordinationApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir static Path dir;
    static RingworkNode node;
    static String base;

    @BeforeAll
    static void start() {
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("coord-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(8));
        base = "http://127.0.0.1:" + node.http().address().getPort();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Answer(int status, JsonNode body) {}

    static Answer send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
    }

    static String session(long ttlMs) throws Exception {
        Answer opened = send("POST", "/v1/sessions", "{\"ttlMs\":" + ttlMs + "}");
        assertThat(opened.status()).isEqualTo(200);
        return opened.body().path("session").asText();
    }

    static Answer campaign(String election, String candidate, String session) throws Exception {
        return send("POST", "/v1/elections/" + election + "/campaign", "{\"candidate\":\"" + candidate + "\",\"session\":\"" + session + "\"}");
    }

    @Test
    void aSessionTakesKeepalivesAndItsEphemeralKeyGoesWhenItIsDeleted() throws Exception {
        String s = session(60_000);
        assertThat(send("PUT", "/v1/sessions/" + s + "/keepalive", null).status()).isEqualTo(200);
        assertThat(send("PUT", kv("eph/a") + "?session=" + s, "{\"owner\":\"me\"}").status()).isEqualTo(200);
        assertThat(send("PUT", kv("eph/persistent"), "1").status()).isEqualTo(200);
        Answer shown = send("GET", "/v1/sessions/" + s, null);
        assertThat(shown.body().path("open").asBoolean()).isTrue();
        assertThat(shown.body().path("keys").toString()).isEqualTo("[\"eph/a\"]");
        Answer deleted = send("DELETE", "/v1/sessions/" + s, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body().path("wasOpen").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> send("GET", kv("eph/a"), null).status() == 404);
        assertThat(send("GET", kv("eph/persistent"), null).status()).isEqualTo(200);
        Answer late = send("PUT", "/v1/sessions/" + s + "/keepalive", null);
        assertThat(late.status()).isEqualTo(404);
        assertThat(late.body().path("error").asText()).isEqualTo("session_expired");
        assertThat(late.body().path("definite").asBoolean()).isTrue();
    }

    @Test
    void aSessionWithoutKeepalivesExpiresAfterItsTtlAndNotBeforeWhileKeptAlive() throws Exception {
        String idle = session(300);
        String kept = session(300);
        assertThat(send("PUT", kv("eph/idle") + "?session=" + idle, "1").status()).isEqualTo(200);
        assertThat(send("PUT", kv("eph/kept") + "?session=" + kept, "1").status()).isEqualTo(200);
        long start = System.nanoTime();
        while (System.nanoTime() - start < 1_500_000_000L) {
            assertThat(send("PUT", "/v1/sessions/" + kept + "/keepalive", null).status()).isEqualTo(200);
            Thread.sleep(80);
        }
        assertThat(send("GET", "/v1/sessions/" + kept, null).body().path("open").asBoolean()).isTrue();
        assertThat(send("GET", kv("eph/kept"), null).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> send("GET", kv("eph/idle"), null).status() == 404);
        Answer expired = send("PUT", kv("eph/idle") + "?session=" + idle, "2");
        assertThat(expired.status()).isEqualTo(404);
        assertThat(expired.body().path("error").asText()).isIn("session_expired", "unknown_session");
        assertThat(send("GET", kv("eph/idle"), null).status()).isEqualTo(404); // nothing changed
        await().atMost(Duration.ofSeconds(5)).until(() -> send("GET", kv("eph/kept"), null).status() == 404);
    }

    @Test
    void theNextCandidateTakesOverWithAHigherTokenAndStaleFencesAreRefused() throws Exception {
        String a = session(60_000), b = session(60_000), c = session(60_000);
        Answer first = campaign("db", "node-a", a);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().path("elected").asBoolean()).isTrue();
        long t1 = first.body().path("token").asLong();
        Answer second = campaign("db", "node-b", b);
        assertThat(second.body().path("elected").asBoolean()).isFalse();
        assertThat(second.body().path("leader").asText()).isEqualTo("node-a");
        assertThat(second.body().path("token").asLong()).isEqualTo(t1);
        campaign("db", "node-c", c);
        assertThat(send("GET", "/v1/elections/db", null).body().path("queue").toString()).isEqualTo("[\"node-b\",\"node-c\"]");
        assertThat(send("PUT", kv("db/config") + "?fence=db:" + t1, "\"a\"").status()).isEqualTo(200);

        Answer wrong = send("DELETE", "/v1/elections/db/leader?token=" + (t1 - 1), null);
        assertThat(wrong.status()).isEqualTo(409);
        assertThat(wrong.body().path("error").asText()).isEqualTo("stale_token");
        Answer resigned = send("DELETE", "/v1/elections/db/leader?token=" + t1, null);
        assertThat(resigned.status()).isEqualTo(200);
        long t2 = resigned.body().path("token").asLong();
        assertThat(resigned.body().path("leader").asText()).isEqualTo("node-b");
        assertThat(t2).isGreaterThan(t1);
        Answer stale = send("PUT", kv("db/config") + "?fence=db:" + t1, "\"a again\"");
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.body().path("error").asText()).isEqualTo("stale_token");
        assertThat(stale.body().path("definite").asBoolean()).isTrue();
        assertThat(send("PUT", kv("db/config") + "?fence=db:" + t2, "\"b\"").status()).isEqualTo(200);

        // b's session ends: c takes over, once, with a higher token still.
        send("DELETE", "/v1/sessions/" + b, null);
        await().atMost(Duration.ofSeconds(5)).until(() -> send("GET", "/v1/elections/db", null).body().path("leader").asText().equals("node-c"));
        long t3 = send("GET", "/v1/elections/db", null).body().path("token").asLong();
        assertThat(t3).isGreaterThan(t2);
        Answer listed = send("GET", "/v1/elections", null);
        assertThat(listed.status()).isEqualTo(200);
        JsonNode db = null;
        for (JsonNode e : listed.body().path("elections")) if (e.path("election").asText().equals("db")) db = e;
        assertThat(db).isNotNull();
        assertThat(db.path("leader").asText()).isEqualTo("node-c");
        assertThat(db.path("token").asLong()).isEqualTo(t3);
        assertThat(send("GET", kv("db/config"), null).body().path("value").asText()).isEqualTo("b");
    }

    @Test
    void observeStreamsEachChangeOfLeader() throws Exception {
        String a = session(60_000), b = session(60_000);
        long t1 = campaign("watched", "a", a).body().path("token").asLong();
        campaign("watched", "b", b);
        HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/elections/watched/observe")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        List<JsonNode> events = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            events.add(nextEvent(reader));
            assertThat(events.get(0).path("leader").asText()).isEqualTo("a");
            send("DELETE", "/v1/elections/watched/leader?token=" + t1, null);
            events.add(nextEvent(reader));
        }
        assertThat(events.get(1).path("leader").asText()).isEqualTo("b");
        assertThat(events.get(1).path("token").asLong()).isGreaterThan(t1);
    }

    private static JsonNode nextEvent(BufferedReader reader) throws Exception {
        for (int lines = 0; lines < 100; lines++) {
            String line = reader.readLine();
            if (line == null) break;
            if (line.startsWith("data: ")) return JSON.readTree(line.substring(6));
        }
        throw new AssertionError("no event");
    }

    @Test
    void badInputIsAClear4xxAndChangesNothing() throws Exception {
        String s = session(60_000);
        List<Answer> answers = List.of(
                send("PUT", kv("bad/unknown-fence") + "?fence=nobody:1", "1"),
                send("PUT", kv("bad/ifversion") + "?ifVersion=abc", "1"),
                send("PUT", kv("bad/no-session") + "?session=0123abcd", "1"),
                send("PUT", kv("bad/bad-session") + "?session=NOT-HEX", "1"),
                send("POST", "/v1/sessions", "{\"ttlMs\":5}"),
                send("POST", "/v1/sessions", "{\"ttl\":1000}"),
                send("POST", "/v1/sessions", "not json"),
                send("POST", "/v1/elections/e1/campaign", "{\"candidate\":\"x\"}"),
                send("POST", "/v1/elections/e1/campaign", "{\"candidate\":\"x\",\"session\":\"0123abcd\"}"),
                send("DELETE", "/v1/elections/e1/leader?token=x", null),
                send("DELETE", "/v1/elections/e1/leader?token=3", null),
                send("GET", "/v1/elections/e1", null),
                send("PUT", "/v1/sessions/0123abcd/keepalive", null));
        List<String> errors = new ArrayList<>();
        for (Answer answer : answers) {
            assertThat(answer.status()).as("%s", answer.body()).isBetween(400, 499);
            assertThat(answer.body().path("detail").asText()).isNotEmpty();
            assertThat(answer.body().path("definite").asBoolean()).isTrue();
            errors.add(answer.body().path("error").asText());
        }
        assertThat(errors.get(0)).isEqualTo("unknown_election");
        assertThat(errors.get(2)).isEqualTo("unknown_session");
        for (String key : List.of("bad/unknown-fence", "bad/ifversion", "bad/no-session", "bad/bad-session")) {
            assertThat(send("GET", kv(key), null).status()).isEqualTo(404);
        }
        // A token never issued, and an expired session: refused too.
        long token = campaign("e2", "x", s).body().path("token").asLong();
        assertThat(send("PUT", kv("bad/future") + "?fence=e2:" + (token + 1000), "1").status()).isEqualTo(400);
        send("DELETE", "/v1/sessions/" + s, null);
        Answer expired = send("PUT", kv("bad/expired") + "?session=" + s, "1");
        assertThat(expired.status()).isEqualTo(404);
        assertThat(expired.body().path("error").asText()).isEqualTo("session_expired");
        Answer late = campaign("e2", "y", s);
        assertThat(late.status()).isEqualTo(404);
        assertThat(send("GET", kv("bad/expired"), null).status()).isEqualTo(404);
        assertThat(send("GET", kv("bad/future"), null).status()).isEqualTo(404);
    }

    @Test
    void servicesListTheirInstancesAWatchWakesOnAChangeAndASessionsInstanceGoesWithIt() throws Exception {
        String s = session(60_000);
        Answer registered = send("PUT", "/v1/services/api/i1?session=" + s, "{\"address\":\"10.0.0.1\",\"port\":8080,\"meta\":{\"zone\":\"a\"}}");
        assertThat(registered.status()).isEqualTo(200);
        assertThat(send("PUT", "/v1/services/api/i2", "{\"address\":\"10.0.0.2\",\"port\":8081}").status()).isEqualTo(200);
        Answer listed = send("GET", "/v1/services/api", null);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body().path("instances")).hasSize(2);
        assertThat(listed.body().path("instances").get(0).path("meta").path("zone").asText()).isEqualTo("a");
        long index = listed.body().path("index").asLong();
        assertThat(index).isPositive();

        // A watch at the current index blocks until the session's end deregisters i1.
        var watch = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return send("GET", "/v1/services/api?watch=true&index=" + index + "&wait=20000", null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertThat(watch).isNotDone();
        send("DELETE", "/v1/sessions/" + s, null);
        Answer changed = watch.get(15, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(changed.body().path("index").asLong()).isGreaterThan(index);
        assertThat(changed.body().path("instances")).hasSize(1);
        assertThat(changed.body().path("instances").get(0).path("instance").asText()).isEqualTo("i2");
        Answer timedOut = send("GET", "/v1/services/api?watch=true&index=" + changed.body().path("index").asLong() + "&wait=200", null);
        assertThat(timedOut.body().path("index").asLong()).isEqualTo(changed.body().path("index").asLong());
        assertThat(send("DELETE", "/v1/services/api/i2", null).status()).isEqualTo(200);
        assertThat(send("DELETE", "/v1/services/api/i2", null).status()).isEqualTo(404);

        Answer nodes = send("GET", "/v1/services/ringwork", null);
        assertThat(nodes.status()).isEqualTo(200);
        assertThat(nodes.body().path("instances").get(0).path("instance").asText()).isEqualTo("coord-test");
        assertThat(nodes.body().path("instances").get(0).path("port").asLong()).isEqualTo(node.http().address().getPort());

        for (Answer bad : List.of(send("PUT", "/v1/services/api/i3", "{\"address\":\"h\",\"port\":\"80\"}"),
                send("PUT", "/v1/services/api/i3", "{\"port\":80}"),
                send("PUT", "/v1/services/api/i3?session=" + s, "{\"address\":\"h\",\"port\":80}"),
                send("PUT", "/v1/services/ringwork/x", "{\"address\":\"h\",\"port\":80}"),
                send("GET", "/v1/services/api?watch=true&index=x", null))) {
            assertThat(bad.status()).as("%s", bad.body()).isBetween(400, 499);
            assertThat(bad.body().path("definite").asBoolean()).isTrue();
        }
        assertThat(send("GET", "/v1/services/api", null).body().path("instances")).isEmpty();
    }
}
