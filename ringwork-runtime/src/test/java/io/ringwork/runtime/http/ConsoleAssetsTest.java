package io.ringwork.runtime.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.runtime.http.auth.ApiTokens;
import io.ringwork.runtime.node.NodeConfig;
import io.ringwork.runtime.node.RingworkNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's files on a node with API tokens: served without a token (they carry no data) with
 * their content types and caching headers, revalidated with a 304, every file the page names is
 * there and nothing comes from elsewhere; and no request path reaches anything but the listed files.
 * Requests go over a raw socket so that the path arrives exactly as written (no client normalizes
 * {@code ..} away).
 */
class ConsoleAssetsTest {
    @TempDir static Path dir;
    static RingworkNode node;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.write(tokens, List.of(ApiTokens.line("ops", "rwt_console-test-secret", List.of("admin"))));
        node = RingworkNode.start(NodeConfig.defaults().withNodeId("console-test").withHttp("127.0.0.1:0").withBind("127.0.0.1:0")
                .withDataDir(dir.resolve("data")).withLogDir(dir.resolve("log")).withPartitions(2).withApiTokens(tokens));
        port = node.http().address().getPort();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    record Raw(int status, String head, byte[] body) {
        String header(String name) {
            Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ":\\s*(.*?)\\s*$").matcher(head);
            return m.find() ? m.group(1) : null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One request as written, on its own connection; the answer read to its end. */
    static Raw raw(String method, String path, String... headers) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
            for (String h : headers) request.append(h).append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] all = in.readAllBytes();
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            assertThat(split).as("a complete head for " + method + " " + path).isPositive();
            String head = text.substring(0, split);
            int status = Integer.parseInt(head.substring(9, 12));
            byte[] body = java.util.Arrays.copyOfRange(all, split + 4, all.length);
            return new Raw(status, head, body);
        }
    }

    @Test
    void thePageAndItsFilesAreServedWithoutATokenWithTypesAndCachingHeaders() throws Exception {
        for (String path : List.of("/", "/index.html")) {
            Raw page = raw("GET", path);
            assertThat(page.status()).as(path).isEqualTo(200);
            assertThat(page.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(page.header("ETag")).matches("\"[0-9a-f]{32}\"");
            assertThat(page.text()).contains("<title>ringwork console</title>");
        }
        Raw js = raw("GET", "/console/console.js");
        assertThat(js.status()).isEqualTo(200);
        assertThat(js.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
        assertThat(js.text()).contains("'/v1/cluster'");
        Raw css = raw("GET", "/console/console.css");
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type")).isEqualTo("text/css; charset=utf-8");
        assertThat(js.header("ETag")).isNotEqualTo(css.header("ETag"));

        // A browser revalidates with the ETag and gets a 304 without a body while the file is unchanged.
        Raw again = raw("GET", "/console/console.js", "If-None-Match: " + js.header("ETag"));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(raw("GET", "/console/console.js", "If-None-Match: \"0000\"").status()).isEqualTo(200);
        Raw head = raw("HEAD", "/console/console.css");
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(raw("POST", "/console/console.js", "Content-Length: 0").status()).isEqualTo(405);

        // The data is not open: the page's first call needs the token.
        assertThat(raw("GET", "/v1/cluster").status()).isEqualTo(401);
        assertThat(raw("GET", "/v1/cluster", "Authorization: Bearer rwt_console-test-secret").status()).isEqualTo(200);
    }

    @Test
    void everyFileThePageNamesIsInTheJarAndNothingComesFromElsewhere() throws Exception {
        String page = raw("GET", "/").text();
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(page);
        List<String> local = new ArrayList<>();
        while (refs.find()) {
            String ref = refs.group(1);
            assertThat(ref.toLowerCase(Locale.ROOT)).as("no CDN or other origin").doesNotContain("//");
            if (ref.startsWith("/")) local.add(ref);
        }
        assertThat(local).contains("/console/console.js", "/console/console.css");
        for (String ref : local) assertThat(raw("GET", ref).status()).as(ref).isEqualTo(200);
        String script = raw("GET", "/console/console.js").text();
        // The one absolute URL is SVG's namespace, a name and not a fetch; values go in as text, never as HTML.
        assertThat(script.replace("'http://www.w3.org/2000/svg'", "")).doesNotContain("http://", "https://").doesNotContain("innerHTML");
    }

    @Test
    void noPathReachesAnythingButTheListedFiles() throws Exception {
        for (String path : List.of("/console/", "/console/../metrics", "/console/..%2fmetrics", "/console/%2e%2e/%2e%2e/pom.xml",
                "/console/../../../../etc/passwd", "/console/..%2F..%2F..%2Fetc%2Fpasswd", "/console//console.js",
                "/console/./console.js", "/console/console.js/", "/console/console.js%00.html", "/console/CONSOLE.JS",
                "/console/io/ringwork/runtime/console/console.js", "/console/%2fetc%2fpasswd", "/console/console.js?x=../../etc/passwd",
                "/console/ConsoleAssets.class", "/console/index.html/..", "/index.html/../metrics")) {
            Raw answer = raw("GET", path);
            if (path.startsWith("/console/console.js?")) { // a query is not part of the name: the file itself
                assertThat(answer.status()).as(path).isEqualTo(200);
                continue;
            }
            assertThat(answer.status()).as(path).isEqualTo(404);
            assertThat(answer.header("Content-Type")).as(path).startsWith("application/json");
            assertThat(answer.text()).as(path).contains("\"error\"").doesNotContain("root:").doesNotContain("ringwork_");
        }
    }
}
