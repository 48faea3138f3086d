package io.ringwork.runtime.health;

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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The health checker on one in-process node against a {@link HealthFarm}: registration (one and
 * bulk), every kind of bad definition, checks at the interval counted at the farm, thresholds,
 * reads from memory with filters, transitions, deletion, TCP targets, and a restart that keeps
 * the targets.
 */
class HealthApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir static Path dir;
    static RingworkNode node;
    static HealthFarm farm;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        farm = new HealthFarm(50, 0, 2); // targets 0-29 web-*, 30-39 cli-*, 45 hook-1, 46 flappy: one farm target each
        node = startNode();
    }

    static RingworkNode startNode() {
        RingworkNode started = RingworkNode.start(NodeConfig.defaults().withNodeId("health-test").withHttp("127.0.0.1:0")
                .withBind("127.0.0.1:0").withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(8));
        base = "http://127.0.0.1:" + started.http().address().getPort();
        return started;
    }

    @AfterAll
    static void stop() {
        node.close();
        farm.close();
    }

    record Answer(int status, JsonNode body) {}

    static Answer send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
    }

    static String http(int n, String extra) {
        return "{\"http\":\"" + farm.httpUrl() + "/t/" + n + "\",\"intervalMs\":1000,\"timeoutMs\":500,"
                + "\"failureThreshold\":2,\"successThreshold\":1" + extra + "}";
    }

    static Set<String> listed(String query) throws Exception {
        Set<String> ids = new HashSet<>();
        for (JsonNode t : send("GET", "/v1/health" + query, null).body().path("targets")) ids.add(t.path("id").asText());
        return ids;
    }

    @Test
    void badDefinitionsAre400sNamingTheirFieldAndRegisterNothing() throws Exception {
        String[][] cases = {
                {"{\"http\":\"http://h/\",\"colour\":\"red\"}", "colour"},
                {"{\"http\":\"http://h/\",\"intervalMs\":500}", "intervalMs"},
                {"{\"http\":\"gopher://h/\"}", "http"},
                {"{\"tcp\":\"nohost\"}", "tcp"},
                {"{\"http\":", "body"},
        };
        for (String[] c : cases) {
            Answer answer = send("PUT", "/v1/health/targets/bad", c[0]);
            assertThat(answer.status()).as(c[0]).isEqualTo(400);
            assertThat(answer.body().path("detail").asText()).as(c[0]).contains(c[1]);
            assertThat(answer.body().path("definite").asBoolean()).isTrue();
        }
        Answer bulk = send("POST", "/v1/health/targets", "{\"id\":\"ok-1\",\"tcp\":\"h:1\"}\n{\"id\":\"bad-2\",\"tcp\":\"h:1\",\"intervalMs\":10}\n");
        assertThat(bulk.status()).isEqualTo(400);
        assertThat(bulk.body().path("detail").asText()).startsWith("line 2: intervalMs");
        assertThat(bulk.body().path("line").asInt()).isEqualTo(2);
        assertThat(send("PUT", "/v1/health/targets/a%2Fb", "{\"tcp\":\"h:1\"}").status()).isEqualTo(400);
        assertThat(send("GET", "/v1/health?status=sideways", null).status()).isEqualTo(400);
        Thread.sleep(1_500); // nothing was appended, so nothing is checked either
        assertThat(send("GET", "/v1/health/targets/ok-1", null).status()).isEqualTo(404);
    }

    @Test
    void targetsAreCheckedOncePerIntervalFlipUnhealthyAndBackAndCanBeDeleted() throws Exception {
        for (int n = 0; n < 10; n++) {
            String labels = ",\"labels\":{\"group\":\"" + (n % 2 == 0 ? "even" : "odd") + "\"}";
            assertThat(send("PUT", "/v1/health/targets/web-" + n, http(n, labels)).status()).isEqualTo(200);
        }
        StringBuilder ndjson = new StringBuilder();
        for (int n = 10; n < 30; n++) ndjson.append(http(n, ",\"id\":\"web-" + n + "\"")).append('\n');
        Answer bulk = send("POST", "/v1/health/targets", ndjson.toString());
        assertThat(bulk.status()).isEqualTo(200);
        assertThat(bulk.body().path("registered").asInt()).isEqualTo(20);
        Set<String> all = new HashSet<>();
        for (int n = 0; n < 30; n++) all.add("web-" + n);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=healthy").containsAll(all));
        assertThat(listed("?status=healthy&label=group:even")).contains("web-0", "web-8").doesNotContain("web-1", "web-10");

        // About one check per target per interval, counted at the targets.
        farm.reset();
        Thread.sleep(5_000);
        for (int n = 0; n < 30; n++) {
            assertThat(farm.checks(n)).as("checks of web-%s in 5 s", n).isBetween(4L, 6L);
            assertThat(farm.minGapMs(n)).as("no double check of web-%s (a quarter interval: the gaps jitter on a loaded machine)", n).isGreaterThan(250);
        }

        farm.flip(3, 5, false);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> listed("?status=unhealthy").equals(Set.of("web-3", "web-4", "web-5")));
        JsonNode one = send("GET", "/v1/health/targets/web-4", null).body();
        assertThat(one.path("status").asText()).isEqualTo("unhealthy");
        assertThat(one.path("error").asText()).contains("503");
        assertThat(one.path("checker").asText()).isEqualTo("health-test");
        assertThat(one.path("transitions")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(one.path("uptime").path("hour").asDouble()).isBetween(0.0, 100.0);
        farm.flip(3, 5, true);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=unhealthy").isEmpty());

        assertThat(send("DELETE", "/v1/health/targets/web-7", null).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> send("GET", "/v1/health/targets/web-7", null).status() == 404);
        long after = farm.checks(7);
        Thread.sleep(2_500);
        assertThat(farm.checks(7)).as("a deleted target is no longer checked").isLessThanOrEqualTo(after + 1);
    }

    @Test
    void tcpTargetsPassWhileTheirPortListensAndTargetsSurviveARestart() throws Exception {
        String tcp = "{\"tcp\":\"" + farm.tcpAddress(0) + "\",\"intervalMs\":1000,\"timeoutMs\":500,\"failureThreshold\":1,\"successThreshold\":1}";
        assertThat(send("PUT", "/v1/health/targets/db-0", tcp).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=healthy").contains("db-0"));
        assertThat(farm.tcpChecks(0)).isPositive();
        farm.flipTcp(0, false);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=unhealthy").contains("db-0"));
        farm.flipTcp(0, true);

        node.close();
        node = startNode();
        // The definition is cluster state: the restarted node checks the target again.
        long before = farm.tcpChecks(0);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> farm.tcpChecks(0) > before && listed("?status=healthy").contains("db-0"));
    }

    @Test
    void theCommandLineImportsAFileWithProgressAndListsByStatus() throws Exception {
        Path file = dir.resolve("targets.ndjson");
        StringBuilder ndjson = new StringBuilder();
        for (int n = 30; n < 40; n++) ndjson.append(http(n, ",\"id\":\"cli-" + n + "\"")).append('\n');
        java.nio.file.Files.writeString(file, ndjson);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream progress = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(progress, true));
        try {
            assertThat(io.ringwork.runtime.cli.RingworkCli.run("health", "import", file.toString(), "--node", base)).isZero();
        } finally {
            System.setErr(err);
        }
        assertThat(progress.toString()).contains("10/10 targets");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> listed("?status=healthy").containsAll(Set.of("cli-30", "cli-35", "cli-39")));
        farm.flip(35, 35, false);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=unhealthy").contains("cli-35"));
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream listing = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(listing, true));
        try {
            assertThat(io.ringwork.runtime.cli.RingworkCli.run("health", "list", "--status", "unhealthy", "--node", base)).isZero();
        } finally {
            System.setOut(out);
            farm.flip(35, 35, true);
        }
        assertThat(listing.toString()).contains("cli-35").contains("unhealthy").doesNotContain("cli-34");

        java.nio.file.Files.writeString(file, "{\"id\":\"x\",\"http\":\"ftp://h/\"}\n");
        System.setErr(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
        try {
            assertThat(io.ringwork.runtime.cli.RingworkCli.run("health", "import", file.toString(), "--node", base)).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void everyTransitionGoesToTheChangeFeedAndToTheWebhookOnce() throws Exception {
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> posts = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.List<JsonNode> bodies = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger failFirst = new java.util.concurrent.atomic.AtomicInteger(2);
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // The first two posts fail: the webhook retries them with backoff, still once each in effect.
            int status = failFirst.getAndDecrement() > 0 ? 500 : 204;
            if (status == 204) {
                posts.computeIfAbsent(exchange.getRequestHeaders().getFirst("Idempotency-Key"), k -> new java.util.concurrent.atomic.AtomicInteger())
                        .incrementAndGet();
                bodies.add(JSON.readTree(body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        try {
            node.health().webhook(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"));
            assertThat(send("PUT", "/v1/health/targets/hook-1", http(45, ",\"labels\":{\"team\":\"a\"}")).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=healthy").contains("hook-1"));
            for (int flip = 0; flip < 2; flip++) {
                farm.flip(45, 45, false);
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=unhealthy").contains("hook-1"));
                farm.flip(45, 45, true);
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=healthy").contains("hook-1"));
            }
            // unknown -> healthy, then two rounds of healthy -> unhealthy -> healthy: five transitions, each posted once.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                    posts.keySet().stream().filter(k -> k.startsWith("hook-1/")).count() == 5
                            && send("GET", "/v1/state/health/hook-1", null).body().path("value").path("pending").isEmpty());
            Thread.sleep(1_500); // a second post would come within the rescan and the backoff
            assertThat(posts.entrySet().stream().filter(e -> e.getKey().startsWith("hook-1/")).mapToInt(e -> e.getValue().get()))
                    .as("each transition posted once").containsOnly(1);
            List<String> statuses = new java.util.ArrayList<>();
            synchronized (bodies) {
                for (JsonNode b : bodies) if (b.path("target").asText().equals("hook-1")) statuses.add(b.path("status").asText());
            }
            assertThat(statuses).containsExactly("healthy", "unhealthy", "healthy", "unhealthy", "healthy");
            JsonNode last = send("GET", "/v1/state/health/hook-1", null).body().path("value").path("last");
            assertThat(last.path("status").asText()).isEqualTo("healthy");
            // The change feed carries each transition once: five changes of the key with a new "last".
            java.util.Set<String> fed = new java.util.LinkedHashSet<>();
            int changes = 0;
            for (io.ringwork.core.record.FeedEntry e : node.store().changes(0, 100_000)) {
                if (!e.change().key().equals("health/hook-1") || !"health.transition".equals(e.change().type())) continue;
                changes++;
                fed.add(JSON.readTree(e.change().valueJson()).path("last").path("id").asText());
            }
            assertThat(changes).isEqualTo(5);
            assertThat(fed).hasSize(5);
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void aTargetThatFlipsAtEveryCheckIsShownFlappingAndRaisesOneTransitionForIt() throws Exception {
        assertThat(send("PUT", "/v1/health/targets/flappy", "{\"http\":\"" + farm.httpUrl()
                + "/t/46\",\"intervalMs\":1000,\"timeoutMs\":500,\"failureThreshold\":1,\"successThreshold\":1}").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> listed("?status=healthy").contains("flappy"));
        // The farm's answer alternates every check, and with thresholds of 1 so does the status.
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        long seen = farm.checks(46);
        Thread toggler = Thread.ofVirtual().start(() -> {
            long last = seen;
            boolean healthy = true;
            while (!stop.get()) {
                if (farm.checks(46) != last) {
                    last = farm.checks(46);
                    healthy = !healthy;
                    farm.flip(46, 46, healthy);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long transitionsWhenFlapping;
        long suppressedWhenFlapping;
        try {
            await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                    .until(() -> send("GET", "/v1/health/targets/flappy", null).body().path("flapping").asBoolean());
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> "flapping".equals(
                    send("GET", "/v1/state/health/flappy", null).body().path("value").path("last").path("status").asText()));
            transitionsWhenFlapping = transitions("health/flappy");
            suppressedWhenFlapping = node.health().transitionsSuppressed();
            Thread.sleep(4_000); // still flipping at every check
        } finally {
            stop.set(true);
            toggler.join();
            farm.flip(46, 46, true);
        }
        JsonNode state = send("GET", "/v1/state/health/flappy", null).body().path("value");
        assertThat(state.path("last").path("status").asText()).isEqualTo("flapping");
        assertThat(transitions("health/flappy")).as("no transition while it flaps").isEqualTo(transitionsWhenFlapping);
        assertThat(node.health().transitionsSuppressed()).as("the status changes seen meanwhile").isGreaterThan(suppressedWhenFlapping);
    }

    private static long transitions(String key) {
        long transitions = 0;
        for (io.ringwork.core.record.FeedEntry e : node.store().changes(0, 100_000)) {
            if (e.change().key().equals(key) && "health.transition".equals(e.change().type())) transitions++;
        }
        return transitions;
    }
}
