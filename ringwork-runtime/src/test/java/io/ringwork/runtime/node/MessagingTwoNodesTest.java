package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.id.Partitioner;
import io.ringwork.runtime.http.SseSubscriber;
import io.ringwork.runtime.load.LoadLimits;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messaging and load refusal across two in-process nodes: a publish reaches both nodes'
 * subscribers, a send is relayed to the owner's inbox both ways, an anycast reaches the only
 * subscriber on the other node; a node over its in-flight limit answers 503 busy naming the other
 * node, keeps serving reads, counts the refusal and takes work again once under it.
 */
@Timeout(120)
class MessagingTwoNodesTest {
    private static final int PARTITIONS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    @TempDir static Path dir;
    static RingworkNode n1;
    static RingworkNode n2;

    private static NodeConfig config(String id) {
        return NodeConfig.defaults().withNodeId(id).withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve(id)).withLogDir(dir.resolve("log")).withPartitions(PARTITIONS).withWorkerThreads(1);
    }

    @BeforeAll
    static void start() {
        n1 = RingworkNode.start(config("n1"));
        // n2 takes one request that adds work at a time: the load test holds that one.
        n2 = RingworkNode.start(config("n2").withLoadLimits(LoadLimits.DEFAULTS.withInFlightMax(1))
                .withSeeds(List.of(n1.membership().localAddress().host() + ":" + n1.membership().localAddress().port())));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> settled(List.of(n1, n2)));
    }

    @AfterAll
    static void stop() {
        if (n2 != null) n2.close();
        if (n1 != null) n1.close();
    }

    private static boolean settled(List<RingworkNode> nodes) {
        var plan = nodes.get(0).cluster().plan();
        if (plan == null || plan.members().size() != nodes.size()) return false;
        java.util.Set<String> owners = new java.util.HashSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            String owner = plan.owner(p);
            if (owner == null) return false;
            owners.add(owner);
            for (RingworkNode node : nodes) {
                var other = node.cluster().plan();
                if (other == null || !owner.equals(other.owner(p)) || !node.engine().runs(p) == node.config().nodeId().equals(owner)) return false;
            }
        }
        return owners.size() == nodes.size();
    }

    static String url(RingworkNode node) {
        return "http://" + node.httpAddress();
    }

    static HttpResponse<String> post(RingworkNode node, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(node) + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An ID whose partition {@code owner} owns. */
    static String idOwnedBy(String owner) {
        return idOwnedBy(owner, "dev-");
    }

    static String idOwnedBy(String owner, String prefix) {
        Partitioner partitioner = new Partitioner(PARTITIONS);
        for (int i = 0; ; i++) {
            if (owner.equals(n1.cluster().plan().owner(partitioner.partitionOf(prefix + i)))) return prefix + i;
        }
    }

    @Test
    void aPublishReachesBothNodesAndASendIsRelayedToTheOwnersInboxBothWays() throws Exception {
        try (SseSubscriber on1 = SseSubscriber.open(HTTP, url(n1) + "/v1/topics/alerts/subscribe");
             SseSubscriber on2 = SseSubscriber.open(HTTP, url(n2) + "/v1/topics/alerts/subscribe");
             SseSubscriber inbox1 = SseSubscriber.open(HTTP, url(n1) + "/v1/inbox");
             SseSubscriber inbox2 = SseSubscriber.open(HTTP, url(n2) + "/v1/inbox")) {
            JsonNode published = JSON.readTree(post(n1, "/v1/topics/alerts/publish", "{\"level\":\"red\"}").body());
            assertThat(published.path("delivered").asInt()).as("%s", published).isEqualTo(2);
            assertThat(published.path("nodes").path("n2").asInt()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> on1.messages.size() == 1 && on2.messages.size() == 1);

            String ofN1 = idOwnedBy("n1");
            String ofN2 = idOwnedBy("n2");
            JsonNode toN1 = JSON.readTree(post(n2, "/v1/send/" + ofN1, "{\"to\":1}").body());
            assertThat(toN1.path("node").asText()).as("%s", toN1).isEqualTo("n1");
            assertThat(toN1.path("delivered").asInt()).isEqualTo(1);
            JsonNode toN2 = JSON.readTree(post(n1, "/v1/send/" + ofN2, "{\"to\":2}").body());
            assertThat(toN2.path("node").asText()).as("%s", toN2).isEqualTo("n2");
            await().atMost(Duration.ofSeconds(10)).until(() -> inbox1.messages.size() == 1 && inbox2.messages.size() == 1);
            assertThat(inbox1.messages.get(0).event().path("target").asText()).isEqualTo(ofN1);
            assertThat(inbox1.messages.get(0).event().path("origin").asText()).isEqualTo("n2");
            assertThat(inbox2.messages.get(0).event().path("target").asText()).isEqualTo(ofN2);
        }
    }

    @Test
    void anAnycastReachesTheOnlySubscriberOnTheOtherNode() throws Exception {
        try (SseSubscriber only = SseSubscriber.open(HTTP, url(n2) + "/v1/topics/solo/subscribe")) {
            for (int i = 0; i < 5; i++) {
                JsonNode answer = JSON.readTree(post(n1, "/v1/topics/solo/anycast", "{\"i\":" + i + "}").body());
                assertThat(answer.path("node").asText()).as("%s", answer).isEqualTo("n2");
                assertThat(answer.path("subscriber").asText()).isEqualTo(only.id);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> only.messages.size() == 5);
        }
    }

    @Test
    void aNodeOverItsInFlightLimitRefusesWorkNamesTheOtherNodeAndKeepsServingReads() throws Exception {
        // n2 must know n1's load level from gossip before it can name n1 (below 100: n1 takes work).
        await().atMost(Duration.ofSeconds(20)).until(() -> n2.membership().members().stream()
                .anyMatch(m -> m.id().equals("n1") && m.metadata().containsKey("load") && Integer.parseInt(m.metadata().get("load")) < 100));
        String key = idOwnedBy("n2", "user/");
        assertThat(post(n2, "/v1/events", "{\"key\":\"" + key + "\",\"type\":\"resource.create\",\"data\":{}}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> HTTP.send(HttpRequest.newBuilder(URI.create(url(n2) + "/v1/state/" + key)).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("version"));
        try (Socket slow = new Socket("127.0.0.1", n2.http().address().getPort())) {
            // A request whose body never finishes holds n2's one slot.
            OutputStream out = slow.getOutputStream();
            out.write(("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> n2.loadGate().inFlight() == 1);

            HttpResponse<String> refused = post(n2, "/v1/topics/any/publish", "1");
            assertThat(refused.statusCode()).isEqualTo(503);
            JsonNode body = JSON.readTree(refused.body());
            assertThat(body.path("error").asText()).isEqualTo("busy");
            assertThat(body.path("definite").asBoolean()).isTrue();
            assertThat(body.path("limit").asText()).isEqualTo("inflight");
            assertThat(body.path("tryNode").asText()).isEqualTo("n1");
            assertThat(body.path("try").asText()).isEqualTo(n1.httpAddress());
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("Ringwork-Try")).hasValue(n1.httpAddress());
            assertThat(post(n2, "/v1/events", "{\"key\":\"k\",\"type\":\"resource.create\",\"data\":{}}").statusCode()).isEqualTo(503);

            // Reads of its own partitions add no work: still served.
            HttpResponse<String> read = HTTP.send(HttpRequest.newBuilder(URI.create(url(n2) + "/v1/state/" + key)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url(n2) + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher refusals = Pattern.compile("(?m)^ringwork_load_refused_total\\{[^}]*limit=\"inflight\"[^}]*\\} (\\S+)$").matcher(metrics);
            assertThat(refusals.find()).as(metrics).isTrue();
            assertThat(Double.parseDouble(refusals.group(1))).isEqualTo(2.0);
        }
        // The slow client went away: its slot is given back and work is taken again.
        await().atMost(Duration.ofSeconds(10)).until(() -> n2.loadGate().inFlight() == 0);
        assertThat(post(n2, "/v1/topics/any/publish", "1").statusCode()).isEqualTo(200);
    }
}
