package io.ringwork.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole in-process node's {@code GET /metrics}, after it applied records: it passes
 * {@code promtool check metrics} (Prometheus's own parser and linter), keeps the naming
 * conventions promtool does not check, and serves every metric the Grafana dashboard in
 * {@code docs/grafana-dashboard.json} queries.
 */
class MetricsExpositionTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern METRIC_NAME = Pattern.compile("\\bringwork_[a-z0-9_]+");
    @TempDir static Path dir;
    static RingworkNode node;
    static String scrape;
    static String contentType;

    @BeforeAll
    static void startAndApply() throws Exception {
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("metrics-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(4));
        String base = "http://127.0.0.1:" + node.http().address().getPort();
        HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/events"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[{\"key\":\"user/1\",\"type\":\"resource.create\",\"data\":{\"n\":1}},"
                        + "{\"key\":\"user/2\",\"type\":\"resource.create\",\"data\":{\"n\":2}}]")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(200);
        // Applied records bring the per-namespace counters and the latency histogram's buckets.
        HttpResponse<String> metrics = await().atMost(Duration.ofSeconds(20)).until(
                () -> HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()),
                r -> r.body().contains("ringwork_records_applied_total{") && r.body().contains("ringwork_end_to_end_latency_seconds_count{"));
        scrape = metrics.body();
        contentType = metrics.headers().firstValue("Content-Type").orElse("");
    }

    @AfterAll
    static void stop() {
        if (node != null) node.close();
    }

    /** Where promtool is, or null: on PATH, or where Debian's {@code prometheus} package puts it. */
    static Path promtool() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/bin");
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path candidate = Path.of(d, "promtool");
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    @Test
    void promtoolChecksTheScrapeWithoutAProblem() throws Exception {
        Path promtool = promtool();
        assumeTrue(promtool != null, "promtool is not installed, so /metrics was not checked with it: "
                + "run ./ringwork tools install promtool (Debian/Ubuntu package 'prometheus'), or put promtool on PATH");
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = check.getOutputStream()) {
            in.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(output).as("promtool's findings").isEmpty();
        assertThat(check.exitValue()).as("promtool check metrics exit code; output:%n%s", output).isZero();
    }

    @Test
    void everyFamilyHasHelpAndTypeCountersEndInTotalAndTimesAreInSeconds() {
        assertThat(contentType).startsWith("text/plain");
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new TreeSet<>();
        for (String line : scrape.lines().toList()) {
            String[] words = line.split(" ", 4);
            if (line.startsWith("# TYPE ")) types.put(words[2], words[3]);
            if (line.startsWith("# HELP ") && words.length == 4 && !words[3].isBlank()) helped.add(words[2]);
        }
        assertThat(types).isNotEmpty();
        assertThat(helped).containsAll(types.keySet());
        types.forEach((name, type) -> {
            assertThat(name).startsWith("ringwork_");
            if (type.equals("counter")) assertThat(name).as("a counter's name").endsWith("_total");
            if (type.equals("gauge")) assertThat(name).as("a gauge's name").doesNotEndWith("_total");
            assertThat(name).as("units: seconds, not ms").doesNotContain("_ms").doesNotContain("millis").doesNotContain("latency_ms");
        });
        // Running totals the node used to serve as gauges; a rate() over them needs counters.
        for (String total : List.of("ringwork_commits_total", "ringwork_replication_changes_fed_total",
                "ringwork_replication_changes_relayed_total", "ringwork_replication_partitions_dropped_total",
                "ringwork_replication_handoffs_total", "ringwork_replication_repairs_total", "ringwork_replication_terms_refused_total")) {
            assertThat(types).as(total).containsEntry(total, "counter");
        }
        assertThat(types).containsEntry("ringwork_end_to_end_latency_seconds", "histogram");
    }

    @Test
    void nameParametersNarrowTheScrapeToThoseFamilies() throws Exception {
        String base = "http://127.0.0.1:" + node.http().address().getPort();
        String narrow = HTTP.send(HttpRequest.newBuilder(URI.create(base
                        + "/metrics?name%5B%5D=ringwork_records_applied_total&name%5B%5D=ringwork_end_to_end_latency_seconds")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Set<String> families = new TreeSet<>();
        for (String line : narrow.lines().toList()) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            families.add(line.replaceAll("[{ ].*", "").replaceAll("_(bucket|count|sum|max)$", ""));
        }
        assertThat(families).as("the narrow scrape:\n%s", narrow).containsExactlyInAnyOrder("ringwork_records_applied_total", "ringwork_end_to_end_latency_seconds");
        assertThat(narrow).contains("ringwork_end_to_end_latency_seconds_bucket{").contains("# TYPE ringwork_records_applied_total counter");
        assertThat(narrow.length()).isLessThan(scrape.length() / 4);
        // Without the parameter, everything (the other tests read that scrape).
        assertThat(scrape).contains("ringwork_jvm_gc_collections_total");
    }

    @Test
    void theGrafanaDashboardQueriesOnlyMetricsTheNodeServes() throws Exception {
        Path file = Path.of("..", "docs", "grafana-dashboard.json");
        JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
        assertThat(dashboard.path("title").asText()).isNotBlank();
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) expressions.add(target.path("expr").asText());
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("query").isObject()) expressions.add(variable.path("query").path("query").asText());
        }
        assertThat(expressions).hasSizeGreaterThan(20).doesNotContain("");

        Set<String> served = new TreeSet<>();
        for (String line : scrape.lines().toList()) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int end = line.indexOf('{');
            served.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        Set<String> queried = new TreeSet<>();
        for (String expr : expressions) {
            Matcher m = METRIC_NAME.matcher(expr);
            while (m.find()) queried.add(m.group());
        }
        // The main figures are there: throughput, latency, lag, partitions, replication, membership, HTTP errors.
        assertThat(queried).contains("ringwork_records_applied_total", "ringwork_end_to_end_latency_seconds_bucket",
                "ringwork_partitions_lag", "ringwork_partition_starts_total", "ringwork_partition_releases_total",
                "ringwork_replication_changes_fed_total", "ringwork_membership_members_active", "ringwork_http_unauthenticated_total");
        assertThat(served).as("series in the node's /metrics").containsAll(queried);
    }
}
