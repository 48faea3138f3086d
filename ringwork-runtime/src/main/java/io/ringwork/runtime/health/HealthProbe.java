package io.ringwork.runtime.health;

import io.ringwork.core.health.HealthTarget;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * One check of one target: an HTTP GET (status and optional body text) or a TCP connect, each
 * bounded by the target's timeout, so a hanging target costs its own virtual thread and nothing
 * else. Thread-safe; one shared HTTP client.
 */
final class HealthProbe implements AutoCloseable {
    /** The body bytes read to look for {@code bodyContains}; the rest is not read. */
    static final int BODY_READ_MAX_BYTES = 64 << 10;
    /** The header naming the node that sent an HTTP check. */
    static final String CHECKER_HEADER = "Ringwork-Checker";

    /** What one check found: passed or not, its latency (-1 without an answer) and why it failed. */
    record Outcome(boolean passed, long latencyMs, String error) {}

    private final HttpClient http = HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** This node's id, sent as {@code Ringwork-Checker} so a target's operator sees which node checks it. */
    private final String checker;

    HealthProbe(String checker) {
        // URL-encoded: a node id is free text, and a header value the HTTP client refuses would fail every check.
        this.checker = java.net.URLEncoder.encode(checker, StandardCharsets.UTF_8);
    }

    Outcome check(HealthTarget target) {
        long startNs = System.nanoTime();
        try {
            String error = target.http() != null ? checkHttp(target) : checkTcp(target);
            long latencyMs = (System.nanoTime() - startNs) / 1_000_000;
            return new Outcome(error == null, latencyMs, error == null ? "" : error);
        } catch (java.net.http.HttpTimeoutException | java.net.SocketTimeoutException e) {
            return new Outcome(false, -1, "timeout after " + target.timeoutMs() + " ms");
        } catch (IOException e) {
            return new Outcome(false, -1, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, -1, "interrupted");
        } catch (RuntimeException e) {
            return new Outcome(false, -1, e.toString());
        }
    }

    /** Null when the answer passes, else why not. */
    private String checkHttp(HealthTarget target) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(target.http())).timeout(Duration.ofMillis(target.timeoutMs()))
                .header("User-Agent", "ringwork-health")
                .header(CHECKER_HEADER, checker).GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (!target.statusPasses(response.statusCode())) {
                return "status " + response.statusCode() + ", expected " + target.expectStatus();
            }
            if (target.bodyContains() == null) return null;
            String text = new String(body.readNBytes(BODY_READ_MAX_BYTES), StandardCharsets.UTF_8);
            return text.contains(target.bodyContains()) ? null : "the body lacks '" + target.bodyContains() + "'";
        }
    }

    private static String checkTcp(HealthTarget target) throws IOException {
        int colon = target.tcp().lastIndexOf(':');
        String host = target.tcp().substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = Integer.parseInt(target.tcp().substring(colon + 1));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) target.timeoutMs());
        }
        return null;
    }

    @Override
    public void close() {
        http.close();
    }
}
