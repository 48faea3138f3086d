package io.ringwork.harness.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.harness.process.NodeProcess;
import io.ringwork.runtime.health.HealthFarm;
import io.ringwork.runtime.http.auth.ApiTokens;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The operator console in a real headless Chromium (issue 23 item 5, issue 22 item 7), driven by
 * chromedriver through Selenium, on three real node processes with API tokens: the page asks for
 * a token, then shows the members, the partitions' owners and the ring as {@code /v1/cluster} has
 * them; the health map's counts, not-healthy list and transitions for targets on a farm; the
 * service registry, an election, a key and a document through the browser; and, after kill -9 of
 * a node by its PID, that node dead and its partitions owned by the survivors. The page must throw
 * no JavaScript error. A screenshot of the end goes to {@code docs/console.png}.
 *
 * <p>Runs with {@code ./ringwork test -Pbrowser} and needs Debian's {@code chromium} and
 * {@code chromium-driver}; where they are missing it is skipped and says so.
 */
@Tag("browser")
class ConsoleBrowserTest {
    private static final int PARTITIONS = 8;
    private static final String SECRET = "rwt_console-browser-test-secret";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Reads what the page shows in one call, so a view is never half of one refresh and half of the next. */
    private static final String VIEW = """
            const text = id => { const e = document.getElementById(id); return e ? e.textContent : null; };
            const members = {}, owners = {};
            document.querySelectorAll('#members tr[data-member]').forEach(r => members[r.dataset.member] = r.querySelector('[data-field=state]').textContent);
            document.querySelectorAll('#partitions tr[data-partition]').forEach(r => owners[r.dataset.partition] = r.dataset.owner);
            const ring = {};
            document.querySelectorAll('#ring g[data-partition]').forEach(g => ring[g.dataset.partition] = g.dataset.owner);
            return { memberCount: text('member-count'), alive: text('alive-count'), partitionCount: text('partition-count'),
                     status: text('status'), members, owners, ring,
                     healthy: text('health-healthy'), unhealthy: text('health-unhealthy'), unknown: text('health-unknown'),
                     notHealthy: [...document.querySelectorAll('#health-list tr[data-target]')].map(r => r.dataset.target),
                     transitions: text('health-transitions'), elections: text('elections'), services: text('services'),
                     target: text('health-target'), kvKeys: text('kv-keys'),
                     kvRows: document.querySelectorAll('#kv-keys button').length, kvMore: !document.getElementById('kv-more').hidden, browserOut: text('browser-out'),
                     throughputPoints: [...document.querySelectorAll('#chart-throughput polyline')].map(l => l.getAttribute('points').split(' ').length),
                     throughputTop: document.getElementById('chart-throughput').dataset.max || '0',
                     errors: window.ringworkErrors === undefined ? ['console.js did not run'] : window.ringworkErrors.slice() };
            """;

    @TempDir Path dir;

    @Test
    @Timeout(240)
    void theConsoleShowsTheClusterTheHealthMapAndANodeDying() throws Exception {
        Path chromium = find("chromium", "chromium-browser", "google-chrome");
        Path chromedriver = find("chromedriver");
        Assumptions.assumeTrue(chromium != null && chromedriver != null,
                "the console's browser test needs Chromium and its driver (found chromium: " + chromium + ", chromedriver: "
                        + chromedriver + "); on Debian or Ubuntu: apt-get install chromium chromium-driver");
        long startedMs = System.currentTimeMillis();
        Path tokens = Files.write(dir.resolve("api.tokens"), List.of(ApiTokens.line("ops", SECRET, List.of("admin"))));
        List<NodeProcess> nodes = new ArrayList<>();
        WebDriver browser = null;
        try (HealthFarm farm = new HealthFarm(4, 0, 0)) {
            List<String> base = List.of("--membership", "fast", "--partitions", Integer.toString(PARTITIONS), "--api-tokens", tokens.toString());
            NodeProcess n1 = start(nodes, "n1", base);
            String url = n1.awaitReady(60_000);
            List<String> seeded = new ArrayList<>(base);
            seeded.addAll(List.of("--seeds", n1.bindAddress()));
            start(nodes, "n2", seeded);
            NodeProcess n3 = start(nodes, "n3", seeded);
            for (NodeProcess node : nodes) node.awaitReady(60_000);
            System.out.printf("CONSOLE 3 nodes ready after %d ms%n", System.currentTimeMillis() - startedMs);
            // Three alive members are enough: the page is compared with /v1/cluster until they agree, moves or not.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> alive(url) == 3);
            System.out.printf("CONSOLE n1 sees 3 alive members after %d ms%n", System.currentTimeMillis() - startedMs);

            // Something for each part of the console: health targets (2 of 4 failing), a key, a document, an election.
            farm.flip(2, 3, false);
            for (int n = 0; n < 4; n++) {
                call("PUT", url + "/v1/health/targets/t-" + n, "{\"http\":\"" + farm.httpUrl() + "/t/" + n
                        + "\",\"intervalMs\":1000,\"timeoutMs\":800,\"failureThreshold\":1,\"successThreshold\":1}", 200);
            }
            call("PUT", url + "/v1/kv/console/k1", "{\"shown\":true}", 200);
            // Two pages of 50 keys, written at once.
            List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> puts = new ArrayList<>();
            for (int i = 0; i < 55; i++) {
                puts.add(HTTP.sendAsync(request("PUT", url + "/v1/kv/page/" + (100 + i), Integer.toString(i), "application/json").build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (var put : puts) assertThat(put.get(30, TimeUnit.SECONDS).statusCode()).as("PUT page/...").isEqualTo(200);
            call("POST", url + "/v1/gluer/acme/doc-1?op=put", "{\"title\":\"Dune\"}", 200);
            String session = call("POST", url + "/v1/sessions", "{\"ttlMs\":120000}", 200).path("session").asText();
            call("POST", url + "/v1/elections/scheduler/campaign", "{\"candidate\":\"worker-7\",\"session\":\"" + session + "\"}", 200);

            browser = chrome(chromium, chromedriver);
            JavascriptExecutor page = (JavascriptExecutor) browser;
            browser.get(url + "/");
            // 1. Without a token the page says it needs one; the data calls are refused.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> String.valueOf(view(page).get("status")).contains("needs an API token"));
            browser.findElement(By.id("token")).sendKeys(SECRET);
            browser.findElement(By.id("token-save")).click();

            // 2. With it: members, states, partition owners and the ring as /v1/cluster has them.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> matchesCluster(view(page), url));
            Map<String, Object> shown = view(page);
            assertThat(shown.get("memberCount")).isEqualTo("3");
            assertThat(shown.get("alive")).isEqualTo("3");
            assertThat(shown.get("partitionCount")).isEqualTo(Integer.toString(PARTITIONS));
            assertThat((Map<?, ?>) shown.get("ring")).hasSize(PARTITIONS);
            assertThat(String.valueOf(shown.get("status"))).contains("with a token");

            // 3. The throughput chart: 400 records make its line rise above the 1 record/s it shows at rest.
            StringBuilder events = new StringBuilder();
            for (int i = 0; i < 400; i++) events.append("{\"key\":\"load/").append(i).append("\",\"type\":\"resource.create\",\"data\":{}}\n");
            call("POST", url + "/v1/events", events.toString(), 200, "application/x-ndjson");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                List<?> points = (List<?>) v.get("throughputPoints");
                double top = Double.parseDouble(String.valueOf(v.get("throughputTop")));
                return !points.isEmpty() && ((Number) points.getFirst()).intValue() >= 5 && top > 1.1;
            });

            // 4. The health map: counts, the failing targets, and a recovery among the transitions.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                return "2".equals(v.get("healthy")) && "2".equals(v.get("unhealthy")) && "0".equals(v.get("unknown"))
                        && List.of("t-2", "t-3").equals(sorted(v.get("notHealthy")));
            });
            farm.flip(3, 3, true);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                return "3".equals(v.get("healthy")) && List.of("t-2").equals(v.get("notHealthy"))
                        && String.valueOf(v.get("transitions")).contains("t-3unhealthyhealthy");
            });
            browser.findElement(By.xpath("//table[@id='health-list']//button[text()='t-2']")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
                String target = String.valueOf(view(page).get("target"));
                return target.contains("t-2: unhealthy, checked by") && target.contains("uptime");
            });
            JsonNode health = call("GET", url + "/v1/health", null, 200);
            assertThat(health.path("counts").path("healthy").asInt()).isEqualTo(3);
            assertThat(health.path("counts").path("unhealthy").asInt()).isEqualTo(1);

            // 5. Elections and services (the cluster's own nodes), a key and a document through the browser.
            browser.findElement(By.id("kv-prefix")).sendKeys("console/");
            browser.findElement(By.cssSelector("#kv-form button[type=submit]")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                return String.valueOf(v.get("kvKeys")).contains("console/k1") && String.valueOf(v.get("elections")).contains("worker-7")
                        && String.valueOf(v.get("services")).contains("n1") && String.valueOf(v.get("services")).contains("n3");
            });
            browser.findElement(By.xpath("//table[@id='kv-keys']//button[text()='console/k1']")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> String.valueOf(view(page).get("browserOut")).contains("\"shown\": true"));
            WebElement prefix = browser.findElement(By.id("kv-prefix"));
            prefix.clear();
            prefix.sendKeys("page/");
            browser.findElement(By.cssSelector("#kv-form button[type=submit]")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                return ((Number) v.get("kvRows")).intValue() == 50 && String.valueOf(v.get("kvKeys")).contains("page/149") && Boolean.TRUE.equals(v.get("kvMore"));
            });
            browser.findElement(By.id("kv-more")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                return ((Number) v.get("kvRows")).intValue() == 5 && String.valueOf(v.get("kvKeys")).contains("page/154") && Boolean.FALSE.equals(v.get("kvMore"));
            });
            browser.findElement(By.id("doc-tenant")).sendKeys("acme");
            browser.findElement(By.id("doc-content")).sendKeys("doc-1");
            browser.findElement(By.cssSelector("#doc-form button[type=submit]")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> String.valueOf(view(page).get("browserOut")).contains("\"title\": \"Dune\""));

            // 6. kill -9 of n3 by its PID: the console shows it dead and its partitions owned by the survivors.
            Process kill = new ProcessBuilder("kill", "-9", Long.toString(n3.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -9 " + n3.pid()).isTrue();
            long killedMs = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                Object state = ((Map<?, ?>) v.get("members")).get("n3");
                return "dead".equals(state) && "2".equals(v.get("alive"));
            });
            long deadShownMs = System.currentTimeMillis() - killedMs;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                Map<String, Object> v = view(page);
                return matchesCluster(v, url) && !((Map<?, ?>) v.get("owners")).containsValue("n3");
            });
            long ownersMovedMs = System.currentTimeMillis() - killedMs;
            Map<String, Object> end = view(page);
            System.out.printf("CONSOLE page matched /v1/cluster, health map, keys, document, election and services checked%n");
            System.out.printf("CONSOLE kill -9 of n3: shown %s after %d ms, its partitions owned by survivors on the page after %d ms%n",
                    ((Map<?, ?>) end.get("members")).get("n3"), deadShownMs, ownersMovedMs);

            // 7. No JavaScript error all along: the page's own collection, and the browser's log where the driver has one.
            assertThat((List<?>) end.get("errors")).as("errors the page collected").isEmpty();
            assertThat(severeScriptErrors(browser)).as("errors on the browser's console").isEmpty();

            Path screenshot = Path.of("..", "docs", "console.png");
            Files.createDirectories(screenshot.getParent());
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
            System.out.printf("CONSOLE screenshot %s; test body took %d ms%n", screenshot.toAbsolutePath().normalize(),
                    System.currentTimeMillis() - startedMs);

            // 8. "forget" drops the token: the page asks for one again.
            browser.findElement(By.id("token-clear")).click();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> String.valueOf(view(page).get("status")).contains("needs an API token"));
            assertThat(page.executeScript("return sessionStorage.getItem('ringwork.token')")).isNull();
            assertThat((List<?>) view(page).get("errors")).as("errors the page collected").isEmpty();
        } finally {
            if (browser != null) browser.quit();
            for (NodeProcess node : nodes) node.close();
        }
    }

    private WebDriver chrome(Path chromium, Path chromedriver) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,2000",
                "--user-data-dir=" + dir.resolve("chromium-profile"), "--no-first-run", "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // The driver given by path: Selenium Manager then downloads nothing.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort()
                .withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        return new ChromeDriver(service, options);
    }

    /**
     * SEVERE entries of the browser's console other than refused requests (the 401s before the
     * token is pasted are expected and logged by Chromium as "Failed to load resource").
     */
    private static List<String> severeScriptErrors(WebDriver browser) {
        List<String> errors = new ArrayList<>();
        try {
            for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
                if (entry.getLevel().intValue() >= Level.SEVERE.intValue() && !entry.getMessage().contains("Failed to load resource")) {
                    errors.add(entry.getMessage());
                }
            }
        } catch (RuntimeException e) {
            System.out.println("CONSOLE the driver has no browser log (" + e.getMessage() + "); the page's own collection stands");
        }
        return errors;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> view(JavascriptExecutor page) {
        return (Map<String, Object>) page.executeScript(VIEW);
    }

    private static List<String> sorted(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) out.add(String.valueOf(o));
        out.sort(null);
        return out;
    }

    /** The page's members, their states and the partitions' owners are those of /v1/cluster now. */
    private static boolean matchesCluster(Map<String, Object> shown, String url) throws Exception {
        JsonNode cluster = call("GET", url + "/v1/cluster", null, 200);
        if (!String.valueOf(cluster.path("members").size()).equals(shown.get("memberCount"))) return false;
        Map<String, String> states = new HashMap<>();
        for (JsonNode m : cluster.path("members")) states.put(m.path("id").asText(), m.path("state").asText());
        Map<?, ?> members = (Map<?, ?>) shown.get("members");
        if (members.size() != states.size()) return false;
        for (var entry : states.entrySet()) if (!entry.getValue().equals(members.get(entry.getKey()))) return false;
        Map<String, String> owners = new HashMap<>();
        for (JsonNode p : cluster.path("partitions")) owners.put(p.path("partition").asText(), p.path("owner").asText());
        return owners.size() == PARTITIONS && owners.equals(shown.get("owners")) && owners.equals(shown.get("ring"));
    }

    private static long alive(String url) throws Exception {
        JsonNode cluster = call("GET", url + "/v1/cluster", null, 200);
        long alive = 0;
        for (JsonNode m : cluster.path("members")) if (m.path("state").asText().equals("alive")) alive++;
        return alive;
    }

    private static JsonNode call(String method, String url, String body, int expected) throws IOException, InterruptedException {
        return call(method, url, body, expected, "application/json");
    }

    private static HttpRequest.Builder request(String method, String url, String body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + SECRET)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) request.header("Content-Type", contentType);
        return request;
    }

    private static JsonNode call(String method, String url, String body, int expected, String contentType) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(request(method, url, body, contentType).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(method + " " + url + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private NodeProcess start(List<NodeProcess> nodes, String id, List<String> args) throws Exception {
        NodeProcess node = NodeProcess.start(id, dir.resolve(id), dir.resolve("log"), args);
        nodes.add(node);
        return node;
    }

    /** The first of the names on PATH (or in /usr/bin), or null. */
    private static Path find(String... names) {
        List<String> directories = new ArrayList<>(List.of(Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator)));
        directories.add("/usr/bin");
        for (String name : names) {
            for (String directory : directories) {
                if (directory.isEmpty()) continue;
                Path candidate = Path.of(directory, name);
                if (Files.isExecutable(candidate)) return candidate;
            }
        }
        return null;
    }
}
