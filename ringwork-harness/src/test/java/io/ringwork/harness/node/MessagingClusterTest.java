package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.id.Partitioner;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.harness.process.SseSubscriber;
import io.ringwork.runtime.client.RingworkClient;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messaging and load refusal on three real node processes: a publish from any node reaches the
 * subscribers on all three, in each origin's order; a send from any node reaches only the
 * inbox of the ID's owner; anycasts spread over one subscriber per node, each message to exactly
 * one, and after a SIGKILL of one node every anycast still lands, on the survivors; a durable topic
 * published through every node reads back in publish order on another. n3 takes one
 * request that adds work at a time: held, it answers 503 busy naming another node's API. Prints
 * the publish-to-subscriber latency and the anycast spread.
 */
class MessagingClusterTest {
    private static final int PARTITIONS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    @TempDir Path dir;

    @Test
    @Timeout(300)
    void publishSendAnycastAndLoadRefusalAcrossThreeProcesses() throws Exception {
        List<NodeProcess> nodes = new ArrayList<>();
        List<SseSubscriber> streams = new ArrayList<>();
        try {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(PARTITIONS));
            NodeProcess n1 = start(nodes, "n1", base);
            String url1 = n1.awaitReady(60_000);
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            NodeProcess n2 = start(nodes, "n2", seeded);
            List<String> limited = new ArrayList<>(seeded);
            limited.addAll(List.of("--max-inflight-requests", "1"));
            NodeProcess n3 = start(nodes, "n3", limited);
            List<String> urls = List.of(url1, n2.awaitReady(60_000), n3.awaitReady(60_000));
            RingworkClient c1 = new RingworkClient(url1);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> settled(c1));

            // 1. Publish: 300 messages, from each node in turn, to one subscriber per node.
            List<SseSubscriber> news = new ArrayList<>();
            for (String url : urls) news.add(open(streams, url + "/v1/topics/news/subscribe"));
            int published = 300;
            for (int i = 0; i < published; i++) {
                JsonNode answer = post(urls.get(i % 3), "/v1/topics/news/publish", "{\"from\":" + (i % 3) + ",\"seq\":" + i + "}");
                assertThat(answer.path("delivered").asInt()).as("%s", answer).isEqualTo(3);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> news.stream().allMatch(s -> s.messages.size() == published));
            long[] latencies = new long[3 * published];
            int l = 0;
            for (SseSubscriber subscriber : news) {
                int[] lastSeq = {-1, -1, -1};
                for (SseSubscriber.Received received : subscriber.messages) {
                    JsonNode message = received.event().path("message");
                    int from = message.path("from").asInt();
                    assertThat(message.path("seq").asInt()).as("order of origin n%s's messages", from + 1).isGreaterThan(lastSeq[from]);
                    lastSeq[from] = message.path("seq").asInt();
                    latencies[l++] = received.atMs() - received.event().path("sentAtMs").asLong();
                }
            }
            Arrays.sort(latencies);
            System.out.printf("messaging: publish to subscriber on 3 processes, %d deliveries: p50 %d ms, p99 %d ms, max %d ms%n",
                    latencies.length, latencies[latencies.length / 2], latencies[latencies.length * 99 / 100], latencies[latencies.length - 1]);

            // 2. Send: from every node to an ID of every owner; only the owner's inbox gets it.
            List<SseSubscriber> inboxes = new ArrayList<>();
            for (String url : urls) inboxes.add(open(streams, url + "/v1/inbox"));
            JsonNode ownership = c1.cluster().path("ownership").path("partitions");
            Partitioner partitioner = new Partitioner(PARTITIONS);
            Map<String, List<String>> expected = new HashMap<>();
            for (int owner = 0; owner < 3; owner++) {
                String ownerId = "n" + (owner + 1);
                String id = null;
                for (int i = 0; id == null; i++) {
                    if (ownership.get(partitioner.partitionOf("device-" + i)).path("owner").asText().equals(ownerId)) id = "device-" + i;
                }
                for (int origin = 0; origin < 3; origin++) {
                    JsonNode answer = post(urls.get(origin), "/v1/send/" + id, "{\"origin\":" + origin + "}");
                    assertThat(answer.path("node").asText()).as("%s", answer).isEqualTo(ownerId);
                    assertThat(answer.path("delivered").asInt()).isEqualTo(1);
                    expected.computeIfAbsent(ownerId, k -> new ArrayList<>()).add(id);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> inboxes.stream().allMatch(s -> s.messages.size() == 3));
            for (int owner = 0; owner < 3; owner++) {
                List<String> targets = inboxes.get(owner).messages.stream().map(r -> r.event().path("target").asText()).toList();
                assertThat(targets).as("inbox of n%s", owner + 1).containsExactlyElementsOf(expected.get("n" + (owner + 1)));
            }

            // 3. Load refusal: n3's one slot held by a request whose body never ends.
            await().atMost(Duration.ofSeconds(20)).until(() -> loadsKnown(urls.get(2)));
            try (Socket slow = new Socket(URI.create(urls.get(2)).getHost(), URI.create(urls.get(2)).getPort())) {
                OutputStream out = slow.getOutputStream();
                out.write("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                HttpResponse<String> refused = await().atMost(Duration.ofSeconds(10)).until(
                        () -> send(urls.get(2), "/v1/topics/news/publish", "1"), r -> r.statusCode() == 503);
                JsonNode body = JSON.readTree(refused.body());
                assertThat(body.path("error").asText()).isEqualTo("busy");
                assertThat(body.path("definite").asBoolean()).isTrue();
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(List.of(urls.get(0), urls.get(1))).as("%s", body).contains("http://" + body.path("try").asText());
                System.out.printf("load refusal: n3 answered %s %s%n", refused.statusCode(), body);
                // Reads add no work: n3 still answers them.
                assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(urls.get(2) + "/v1/cluster")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> send(urls.get(2), "/v1/topics/none/publish", "1").statusCode() == 200);

            // 4. Anycast: one subscriber per node, 300 messages from every node in turn.
            List<SseSubscriber> workers = new ArrayList<>();
            for (String url : urls) workers.add(open(streams, url + "/v1/topics/work/subscribe"));
            Map<String, Integer> spread = new HashMap<>();
            int anycasts = 300;
            for (int i = 0; i < anycasts; i++) {
                JsonNode answer = post(urls.get(i % 3), "/v1/topics/work/anycast", "{\"job\":" + i + "}");
                assertThat(answer.path("delivered").asInt()).as("%s", answer).isEqualTo(1);
                spread.merge(answer.path("node").asText(), 1, Integer::sum);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.stream().mapToInt(s -> s.messages.size()).sum() == anycasts);
            Set<String> jobs = new HashSet<>();
            for (SseSubscriber worker : workers) jobs.addAll(worker.payloads());
            assertThat(jobs).as("every job exactly once").hasSize(anycasts);
            System.out.printf("messaging: anycast spread over 3 subscribers on 3 processes, %d messages: n1 %d, n2 %d, n3 %d%n", anycasts,
                    workers.get(0).messages.size(), workers.get(1).messages.size(), workers.get(2).messages.size());
            for (SseSubscriber worker : workers) assertThat(worker.messages.size()).isBetween(anycasts / 5, anycasts / 2);

            // 5. A durable topic: published through every node, read back in one order from the retained feed of another.
            List<Long> versions = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                versions.add(post(urls.get(i % 3), "/v1/topics/ledger/publish?durable=true", "{\"entry\":" + i + "}").path("version").asLong());
            }
            assertThat(versions).as("one key, one partition: versions in publish order").isSorted().doesNotHaveDuplicates();
            SseSubscriber ledger = open(streams, urls.get(2) + "/v1/topics/ledger/subscribe?durable=true&after=0");
            await().atMost(Duration.ofSeconds(20)).until(() -> ledger.messages.size() == 30);
            assertThat(ledger.messages.stream().map(r -> r.event().path("message").path("entry").asInt()).toList())
                    .as("entries in order, each once").isSorted().doesNotHaveDuplicates().hasSize(30);

            // 6. n2 dies with its subscriber: anycasts from the survivors still land, on theirs.
            nodes.get(1).kill();
            int before = workers.get(0).messages.size() + workers.get(2).messages.size();
            int skipped = 0;
            for (int i = 0; i < 60; i++) {
                JsonNode answer = post(urls.get(i % 2 == 0 ? 0 : 2), "/v1/topics/work/anycast", "{\"after\":" + i + "}");
                assertThat(answer.path("delivered").asInt()).as("%s", answer).isEqualTo(1);
                assertThat(answer.path("node").asText()).isIn("n1", "n3");
                if (answer.path("attempts").asInt() > 1) skipped++;
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> workers.get(0).messages.size() + workers.get(2).messages.size() == before + 60);
            System.out.printf("messaging: after SIGKILL of n2, 60 of 60 anycasts delivered to n1/n3 (%d first tried n2)%n", skipped);
        } finally {
            for (SseSubscriber stream : streams) stream.close();
            for (NodeProcess node : nodes) node.close();
        }
    }

    /** n3 knows both others' load levels from gossip, so it can name one. */
    private static boolean loadsKnown(String url) throws Exception {
        JsonNode members = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/cluster")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).path("members");
        int known = 0;
        for (JsonNode member : members) if (member.path("metadata").has("load")) known++;
        return known == 3;
    }

    private static SseSubscriber open(List<SseSubscriber> streams, String url) throws Exception {
        SseSubscriber subscriber = SseSubscriber.open(HTTP, url);
        streams.add(subscriber);
        return subscriber;
    }

    private static HttpResponse<String> send(String url, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode post(String url, String path, String body) throws Exception {
        HttpResponse<String> response = send(url, path, body);
        assertThat(response.statusCode()).as("%s%s: %s", url, path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static boolean settled(RingworkClient client) throws Exception {
        JsonNode partitions = client.cluster().path("ownership").path("partitions");
        for (JsonNode p : partitions) {
            if (p.path("ready").size() != 3 || !p.path("owner").asText().equals(p.path("target").asText())) return false;
        }
        return partitions.size() == PARTITIONS;
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
        nodes.add(node);
        return node;
    }
}
