package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.http.auth.ApiTokens;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API tokens on an in-process node: who may do what, and that a refused request changes nothing. */
class ApiAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ADMIN = "rwt_admin-secret", READER = "rwt_reader-secret", ACME = "rwt_acme-secret",
            GLOBEX = "rwt_globex-secret";
    @TempDir static Path dir;
    static RingworkNode node;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.write(tokens, List.of(ApiTokens.line("ops", ADMIN, List.of("admin")), ApiTokens.line("dash", READER, List.of("read")),
                ApiTokens.line("acme-app", ACME, List.of("tenant:acme")), ApiTokens.line("globex-app", GLOBEX, List.of("tenant:globex"))));
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("auth-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(4).withApiTokens(tokens));
        base = "http://127.0.0.1:" + node.http().address().getPort();
        // Each tenant has a document, written by its own token.
        assertThat(send("POST", "/v1/gluer/acme/doc?op=merge", ACME, "{\"owner\":\"acme\"}").status()).isEqualTo(200);
        assertThat(send("POST", "/v1/gluer/globex/doc?op=merge", GLOBEX, "{\"owner\":\"globex\"}").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/gluer/acme/doc", ADMIN, null).status() == 200
                && send("GET", "/v1/gluer/globex/doc", ADMIN, null).status() == 200);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Answer(int status, JsonNode body, HttpResponse<String> response) {}

    static Answer send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (token != null) request.header("Authorization", "Bearer " + token);
        if (body != null) request.header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        boolean json = response.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
        return new Answer(response.statusCode(), json && !response.body().isEmpty() ? JSON.readTree(response.body()) : null, response);
    }

    private static void assertRefused(Answer answer, int status, String code) {
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body().path("error").asText()).isEqualTo(code);
        assertThat(answer.body().path("definite").asBoolean()).isTrue();
    }

    private static JsonNode acmeDoc() throws Exception {
        return send("GET", "/v1/gluer/acme/doc", ADMIN, null).body().path("document");
    }

    @Test
    void withoutATokenOrWithAnUnknownOneNothingIsReadOrChanged() throws Exception {
        Answer none = send("POST", "/v1/gluer/acme/doc?op=merge", null, "{\"owner\":\"mallory\"}");
        assertRefused(none, 401, "unauthenticated");
        assertThat(none.response().headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");
        assertRefused(send("POST", "/v1/gluer/acme/doc?op=merge", "rwt_guess", "{\"owner\":\"mallory\"}"), 401, "unauthenticated");
        assertRefused(send("GET", "/v1/gluer/acme/doc", null, null), 401, "unauthenticated");
        assertRefused(send("GET", "/v1/cluster", "rwt_guess", null), 401, "unauthenticated");
        assertRefused(send("GET", "/metrics", null, null), 401, "unauthenticated");
        assertRefused(send("POST", "/v1/events", null, "{\"key\":\"acme/doc\",\"type\":\"gluer.merge\",\"data\":{}}"), 401,
                "unauthenticated");
        assertThat(acmeDoc().path("owner").asText()).isEqualTo("acme");
    }

    @Test
    void livenessAndTheConsolesPageAreOpen() throws Exception {
        Answer health = send("GET", "/healthz", null, null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().path("status").asText()).isEqualTo("ok");
        assertThat(send("GET", "/", null, null).status()).isEqualTo(200);
    }

    @Test
    void aReadOnlyTokenReadsEverythingAndWritesNothing() throws Exception {
        assertThat(send("GET", "/v1/gluer/globex/doc", READER, null).status()).isEqualTo(200);
        assertThat(send("GET", "/v1/cluster", READER, null).status()).isEqualTo(200);
        assertThat(send("GET", "/metrics", READER, null).status()).isEqualTo(200);
        assertRefused(send("POST", "/v1/gluer/acme/doc?op=merge", READER, "{\"owner\":\"reader\"}"), 403, "forbidden");
        assertRefused(send("POST", "/v1/events", READER, "{\"key\":\"acme/doc\",\"type\":\"gluer.merge\",\"data\":{\"owner\":\"reader\"}}"),
                403, "forbidden");
        assertThat(acmeDoc().path("owner").asText()).isEqualTo("acme");
    }

    @Test
    void aTenantsTokenCannotTouchAnotherTenantsDocumentsCountersOrClusterState() throws Exception {
        assertThat(send("GET", "/v1/gluer/acme/doc", ACME, null).status()).isEqualTo(200);
        assertThat(send("GET", "/v1/state/acme/doc", ACME, null).status()).isEqualTo(200);
        assertThat(send("GET", "/v1/gluer/acme", ACME, null).status()).as("its own counters").isEqualTo(200);
        Answer other = send("GET", "/v1/gluer/globex/doc", ACME, null);
        assertRefused(other, 403, "forbidden");
        assertThat(other.body().path("detail").asText()).contains("acme-app").contains("globex/doc");
        assertRefused(send("GET", "/v1/state/globex/doc", ACME, null), 403, "forbidden");
        assertRefused(send("GET", "/v1/gluer/globex", ACME, null), 403, "forbidden");
        assertRefused(send("POST", "/v1/gluer/globex/doc?op=merge", ACME, "{\"owner\":\"acme\"}"), 403, "forbidden");
        // A batch with one key of another tenant is refused whole: not even acme's record is appended.
        String batch = "[{\"key\":\"acme/doc\",\"type\":\"gluer.merge\",\"data\":{\"batch\":1}},"
                + "{\"key\":\"globex/doc\",\"type\":\"gluer.merge\",\"data\":{\"owner\":\"acme\"}}]";
        assertRefused(send("POST", "/v1/events", ACME, batch), 403, "forbidden");
        assertRefused(send("GET", "/v1/cluster", ACME, null), 403, "forbidden");
        assertRefused(send("GET", "/metrics", ACME, null), 403, "forbidden");
        assertThat(send("GET", "/v1/gluer/globex/doc", ADMIN, null).body().path("document").path("owner").asText()).isEqualTo("globex");
        assertThat(acmeDoc().has("batch")).isFalse();
    }

    @Test
    void aTenantsChangeFeedAndDeadLettersCarryItsOwnKeysOnly() throws Exception {
        // globex's change is on the feed before acme's (both were applied in start()), so a feed that
        // let it through would show it first.
        List<String> keys = new ArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/changes?from=earliest"))
                .header("Authorization", "Bearer " + ACME).build();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while (!keys.contains("acme/doc") && (line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) keys.add(JSON.readTree(line.substring(6)).path("key").asText());
            }
        }
        assertThat(keys).contains("acme/doc").allMatch(key -> key.startsWith("acme/"));
        // A piece that fails: a dead letter of globex, which acme's token does not see and the reader's does.
        assertThat(send("POST", "/v1/gluer/globex/bad?op=patch", GLOBEX, "[{\"op\":\"test\",\"path\":\"/x\",\"value\":1}]").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> send("GET", "/v1/dead-letters", READER, null).body().toString()
                .contains("globex/bad"));
        assertThat(send("GET", "/v1/dead-letters", ACME, null).body().toString()).doesNotContain("globex");
    }

    @Test
    void refusalsAreCountedInTheMetrics() throws Exception {
        send("GET", "/v1/cluster", null, null);
        send("GET", "/v1/cluster", ACME, null);
        String metrics = send("GET", "/metrics", ADMIN, null).response().body();
        assertThat(metric(metrics, "ringwork_http_unauthenticated_total")).isPositive();
        assertThat(metric(metrics, "ringwork_http_forbidden_total")).isPositive();
    }

    private static double metric(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void withoutTokensTheApiStaysOnLoopbackUnlessToldOtherwise() {
        NodeConfig open = NodeConfig.defaults().withNodeId("open").withHttp("0.0.0.0:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("open-data")).withLogDir(dir.resolve("open-log")).withPartitions(4);
        assertThatThrownBy(() -> RingworkNode.start(open)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--api-tokens").hasMessageContaining("--insecure-api");
        assertThat(Files.exists(dir.resolve("open-data"))).as("refused before anything was opened").isFalse();
    }
}
