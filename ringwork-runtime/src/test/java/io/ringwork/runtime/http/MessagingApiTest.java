package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Messaging on one in-process node: publish, send, anycast with its spread and fall-over, and bad input. */
class MessagingApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    @TempDir static Path dir;
    static RingworkNode node;
    static String base;

    @BeforeAll
    static void start() {
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("msg-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(4).withMaxRequestBytes(4 << 20));
        base = "http://127.0.0.1:" + node.http().address().getPort();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Answer(int status, JsonNode body, HttpResponse<String> response) {}

    static Answer post(String path, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()), response);
    }

    @Test
    void aPublishReachesEverySubscriberOfItsTopicInOrderAndNoOneElse() throws Exception {
        try (SseSubscriber a = SseSubscriber.open(HTTP, base + "/v1/topics/news/subscribe");
             SseSubscriber b = SseSubscriber.open(HTTP, base + "/v1/topics/news/subscribe");
             SseSubscriber other = SseSubscriber.open(HTTP, base + "/v1/topics/sports/subscribe")) {
            for (int i = 0; i < 20; i++) {
                Answer answer = post("/v1/topics/news/publish", "{\"n\": " + i + ",\n \"text\": \"line\\nbreak\"}");
                assertThat(answer.status()).as("%s", answer.body()).isEqualTo(200);
                assertThat(answer.body().path("delivered").asInt()).isEqualTo(2);
                assertThat(answer.body().path("nodes").path("msg-test").asInt()).isEqualTo(2);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.messages.size() == 20 && b.messages.size() == 20);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 20; i++) expected.add("{\"n\":" + i + ",\"text\":\"line\\nbreak\"}");
            assertThat(a.payloads()).containsExactlyElementsOf(expected);
            assertThat(b.payloads()).containsExactlyElementsOf(expected);
            JsonNode first = a.messages.get(0).event();
            assertThat(first.path("mode").asText()).isEqualTo("publish");
            assertThat(first.path("target").asText()).isEqualTo("news");
            assertThat(first.path("origin").asText()).isEqualTo("msg-test");
            assertThat(first.path("sentAtMs").asLong()).isPositive();
            assertThat(other.messages).isEmpty();
        }
        // Nobody subscribed: a 200 that says none took it (at most once: it is gone).
        Answer none = post("/v1/topics/empty/publish", "1");
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.body().path("delivered").asInt()).isZero();
    }

    @Test
    void aSendReachesTheOwnersInboxSubscribersThatWantItsId() throws Exception {
        try (SseSubscriber all = SseSubscriber.open(HTTP, base + "/v1/inbox");
             SseSubscriber users = SseSubscriber.open(HTTP, base + "/v1/inbox?prefix=user/")) {
            Answer toUser = post("/v1/send/user%2F42", "{\"hello\":1}");
            assertThat(toUser.status()).as("%s", toUser.body()).isEqualTo(200);
            assertThat(toUser.body().path("delivered").asInt()).isEqualTo(2);
            assertThat(toUser.body().path("node").asText()).isEqualTo("msg-test");
            assertThat(toUser.body().path("partition").asInt()).isBetween(0, 3);
            assertThat(post("/v1/send/order-9", "\"x\"").body().path("delivered").asInt()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> all.messages.size() == 2 && users.messages.size() == 1);
            assertThat(users.messages.get(0).event().path("target").asText()).isEqualTo("user/42");
            assertThat(all.messages.get(1).event().path("message").asText()).isEqualTo("x");
        }
    }

    @Test
    void anAnycastGoesToExactlyOneSubscriberSpreadsOverAllAndSkipsOneThatWentAway() throws Exception {
        assertThat(post("/v1/topics/jobs/anycast", "{}").status()).isEqualTo(404);
        SseSubscriber gone = SseSubscriber.open(HTTP, base + "/v1/topics/jobs/subscribe");
        try (SseSubscriber a = SseSubscriber.open(HTTP, base + "/v1/topics/jobs/subscribe");
             SseSubscriber b = SseSubscriber.open(HTTP, base + "/v1/topics/jobs/subscribe")) {
            Map<String, Integer> bySubscriber = new HashMap<>();
            for (int i = 0; i < 60; i++) {
                Answer answer = post("/v1/topics/jobs/anycast", "{\"job\":" + i + "}");
                assertThat(answer.status()).as("%s", answer.body()).isEqualTo(200);
                assertThat(answer.body().path("delivered").asInt()).isEqualTo(1);
                bySubscriber.merge(answer.body().path("subscriber").asText(), 1, Integer::sum);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.messages.size() + b.messages.size() + gone.messages.size() == 60);
            Set<String> jobs = new HashSet<>();
            for (SseSubscriber s : List.of(a, b, gone)) jobs.addAll(s.payloads());
            assertThat(jobs).as("each job once").hasSize(60);
            System.out.printf("anycast spread over 3 subscribers on one node: %s%n", bySubscriber.values());
            assertThat(bySubscriber).containsOnlyKeys(a.id, b.id, gone.id).allSatisfy((id, n) -> assertThat(n).isBetween(15, 25));

            gone.close();
            // The node finds the closed stream at its next write (a heartbeat at the latest) and drops it.
            await().atMost(Duration.ofSeconds(15)).until(() -> node.messaging().local().load("jobs").subscribers() == 2);
            int before = a.messages.size() + b.messages.size();
            for (int i = 0; i < 20; i++) {
                Answer answer = post("/v1/topics/jobs/anycast", "{\"later\":" + i + "}");
                assertThat(answer.body().path("subscriber").asText()).isIn(a.id, b.id);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> a.messages.size() + b.messages.size() == before + 20);
        }
    }

    @Test
    void aDurableTopicKeepsEveryMessageInOrderAndAResumedSubscriberGetsWhatItMissed() throws Exception {
        List<Long> versions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Answer answer = post("/v1/topics/ledger/publish?durable=true", "{\"entry\":" + i + "}");
            assertThat(answer.status()).as("%s", answer.body()).isEqualTo(200);
            assertThat(answer.body().path("durable").asBoolean()).isTrue();
            versions.add(answer.body().path("version").asLong());
        }
        assertThat(versions).isSorted().doesNotHaveDuplicates();
        // A 200 means the message is in the log; a linearizable read of the topic's key waits until it is applied,
        // so the subscriber below gets these five from the retained feed (the replay), not live.
        await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/kv/topics/ledger"))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).path("version").asLong() == versions.get(4));
        // From the start: the five retained, then live ones, each once and in order.
        try (SseSubscriber fromStart = SseSubscriber.open(HTTP, base + "/v1/topics/ledger/subscribe?durable=true&after=0");
             SseSubscriber liveOnly = SseSubscriber.open(HTTP, base + "/v1/topics/ledger/subscribe?durable=true")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> fromStart.messages.size() == 5);
            for (int i = 5; i < 8; i++) versions.add(post("/v1/topics/ledger/publish?durable=true", "{\"entry\":" + i + "}").body().path("version").asLong());
            await().atMost(Duration.ofSeconds(10)).until(() -> fromStart.messages.size() == 8 && liveOnly.messages.size() == 3);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 8; i++) expected.add("{\"entry\":" + i + "}");
            assertThat(fromStart.payloads()).containsExactlyElementsOf(expected);
            assertThat(fromStart.messages.stream().map(r -> r.event().path("version").asLong()).toList()).containsExactlyElementsOf(versions);
            assertThat(liveOnly.payloads()).containsExactlyElementsOf(expected.subList(5, 8));
        }
        // Resumed after the third: the rest, nothing before.
        try (SseSubscriber resumed = SseSubscriber.open(HTTP, base + "/v1/topics/ledger/subscribe?durable=true&after=" + versions.get(2))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> resumed.messages.size() == 5);
            Thread.sleep(300);
            assertThat(resumed.messages.get(0).event().path("message").path("entry").asInt()).isEqualTo(3);
            assertThat(resumed.messages).hasSize(5);
        }
        // The latest message is the key-value key's value; a non-durable publish does not touch it.
        HttpResponse<String> latest = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/kv/topics/ledger")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(latest.body()).path("value").path("entry").asInt()).isEqualTo(7);
        assertThat(post("/v1/topics/ledger/publish?durable=maybe", "1").status()).isEqualTo(400);
    }

    @Test
    void oneClientGetsAtMostItsShareOfSubscriberStreams() throws Exception {
        // Streams the other tests closed hold their slots until the node finds them gone (its next write).
        await().atMost(Duration.ofSeconds(15)).until(() -> node.messaging().local().count() == 0);
        List<SseSubscriber> open = new ArrayList<>();
        try {
            for (int i = 0; i < MessagingHandlers.STREAMS_PER_CLIENT; i++) open.add(SseSubscriber.open(HTTP, base + "/v1/topics/crowd/subscribe"));
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/inbox")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(refused.body()).path("error").asText()).isEqualTo("too_many_streams");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(post("/v1/topics/crowd/publish", "1").body().path("delivered").asInt()).isEqualTo(MessagingHandlers.STREAMS_PER_CLIENT);
        } finally {
            open.forEach(SseSubscriber::close);
        }
        // Closed streams give their slots back (the node finds them at its next write).
        await().atMost(Duration.ofSeconds(15)).until(() -> node.messaging().local().count() == 0);
        SseSubscriber again = await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(
                () -> SseSubscriber.open(HTTP, base + "/v1/inbox"), java.util.Objects::nonNull);
        assertThat(again.id).isNotEmpty();
        again.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> node.messaging().local().count() == 0);
    }

    @Test
    void badInputIsAClearDefiniteError() throws Exception {
        record Case(String method, String path, String body, int status, String error) {}
        for (Case c : List.of(
                new Case("POST", "/v1/topics/t/publish", "{not json", 400, "bad_request"),
                new Case("POST", "/v1/topics/t/publish", "", 400, "bad_request"),
                new Case("POST", "/v1/topics/t%20x/publish", "1", 400, "bad_request"),
                new Case("POST", "/v1/topics/t/shout", "1", 404, "not_found"),
                new Case("GET", "/v1/topics/t/publish", null, 405, "method_not_allowed"),
                new Case("POST", "/v1/topics/t/subscribe", "1", 405, "method_not_allowed"),
                new Case("POST", "/v1/send/", "1", 400, "bad_request"),
                new Case("POST", "/v1/send/" + "k".repeat(1025), "1", 400, "bad_request"),
                new Case("POST", "/v1/send/k", "[" + "1,".repeat(600_000) + "1]", 413, "payload_too_large"),
                new Case("POST", "/v1/inbox", "1", 405, "method_not_allowed"))) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + c.path())).timeout(Duration.ofSeconds(20));
            request.method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(c.body()));
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("%s %s: %s", c.method(), c.path(), response.body()).isEqualTo(c.status());
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("error").asText()).as("%s %s", c.method(), c.path()).isEqualTo(c.error());
            assertThat(body.path("definite").asBoolean()).isTrue();
            assertThat(body.path("detail").asText()).isNotBlank();
        }
    }
}
