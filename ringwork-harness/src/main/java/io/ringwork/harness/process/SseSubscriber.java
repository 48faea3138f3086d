package io.ringwork.harness.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An SSE client of a messaging stream for tests and benchmarks: collects the messages it receives,
 * with the time each arrived (wall clock, and this JVM's monotonic clock for latencies).
 */
public final class SseSubscriber implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Received(JsonNode event, long atMs, long atNs) {}

    public final List<Received> messages = new CopyOnWriteArrayList<>();
    public final List<String> otherEvents = new CopyOnWriteArrayList<>();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final InputStream body;
    public volatile String id;

    private SseSubscriber(InputStream body) {
        this.body = body;
        Thread.ofVirtual().start(this::read);
    }

    /** Opens {@code url} and waits for its {@code subscribed} event. */
    public static SseSubscriber open(HttpClient http, String url) throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        SseSubscriber subscriber = new SseSubscriber(response.body());
        if (!subscriber.subscribed.await(10, TimeUnit.SECONDS)) throw new IllegalStateException(url + " never said subscribed");
        return subscriber;
    }

    private void read() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String event = null;
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    JsonNode data = JSON.readTree(line.substring(6));
                    if ("message".equals(event)) {
                        messages.add(new Received(data, System.currentTimeMillis(), System.nanoTime()));
                    } else if ("subscribed".equals(event)) {
                        id = data.path("subscriber").asText();
                        subscribed.countDown();
                    } else {
                        otherEvents.add(event + " " + data);
                    }
                } else if (line.isEmpty()) {
                    event = null;
                }
            }
        } catch (Exception e) {
            // Closed by the test, or the node went away.
        }
    }

    public List<String> payloads() {
        return messages.stream().map(r -> r.event().path("message").toString()).toList();
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}
