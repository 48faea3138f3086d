package io.ringwork.runtime.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ringwork.core.record.NewRecord;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** A small client of a node's HTTP API, used by the CLI, the demo and the tests. Thread-safe. */
public final class RingworkClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;
    /** The API token sent as {@code Authorization: Bearer}, or null. */
    private volatile String token;

    /** An error answer of the API: status and the {@code {"error","detail"}} body. */
    public static final class ApiException extends IOException {
        private final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** Sends {@code token} as {@code Authorization: Bearer} with every request from now on (null: none). Returns this. */
    public RingworkClient withToken(String token) {
        this.token = token;
        return this;
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        String bearer = token;
        return bearer == null ? builder : builder.header("Authorization", "Bearer " + bearer);
    }

    public RingworkClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(30));
    }

    public RingworkClient(String baseUrl, Duration timeout) {
        this(baseUrl, timeout, null);
    }

    /**
     * A client whose https URLs are checked with {@code tls} (e.g. {@code ClientTls.trusting(ca)});
     * null: the Java runtime's default trust store.
     */
    public RingworkClient(String baseUrl, Duration timeout, javax.net.ssl.SSLContext tls) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) builder.sslContext(tls);
        this.http = builder.build();
    }

    /**
     * The client of a command line: {@code node}'s URL, {@code token} (else {@code $RINGWORK_TOKEN}),
     * and for an https URL the CA file {@code cacert} to trust (else the runtime's trust store).
     *
     * @throws IOException one line when the CA file cannot be used
     */
    public static RingworkClient forCommandLine(String node, String token, java.nio.file.Path cacert) throws IOException {
        javax.net.ssl.SSLContext tls = cacert == null ? null : io.ringwork.runtime.tls.ClientTls.trusting(cacert);
        return new RingworkClient(node, Duration.ofSeconds(30), tls).withToken(token != null ? token : System.getenv("RINGWORK_TOKEN"));
    }

    public URI base() {
        return base;
    }

    /** Appends records as one NDJSON request; returns the {@code results} array of the answer. */
    public JsonNode produce(List<NewRecord> records) throws IOException, InterruptedException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(records.size() * 160);
        for (NewRecord record : records) {
            // The payload is already JSON: write its bytes as they are instead of parsing them again.
            try (JsonGenerator json = JSON.getFactory().createGenerator(body)) {
                json.writeStartObject();
                json.writeStringField("key", record.key());
                json.writeStringField("type", record.type());
                if (record.id() != null) json.writeStringField("id", record.id());
                json.writeFieldName("data");
                json.writeRawValue(new String(record.data(), StandardCharsets.UTF_8));
                json.writeEndObject();
            }
            body.write('\n');
        }
        return post("/v1/events", "application/x-ndjson", body.toByteArray()).get("results");
    }

    public JsonNode post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(base.resolve(path))).timeout(timeout)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return send(request);
    }

    /**
     * GET of a JSON resource; an error status is an {@link ApiException}. A GET is safe to repeat,
     * so a connection that broke without an answer (a pooled keep-alive connection the server had
     * just closed) is tried again, twice at most.
     */
    public JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(base.resolve(path))).timeout(timeout).GET().build();
        for (int attempt = 1; ; attempt++) {
            try {
                return send(request);
            } catch (ApiException | java.net.ConnectException | java.net.http.HttpTimeoutException e) {
                throw e;
            } catch (IOException e) {
                if (attempt == 3) throw e;
                Thread.sleep(20L * attempt);
            }
        }
    }

    /** An answer of any status, with its JSON body ({@code NullNode} when empty, a text node when not JSON). */
    public record Answer(int status, JsonNode body) {}

    /**
     * {@code method path} with {@code json} as the body (null: none), sent once: any status is an
     * {@link Answer}, for callers that tell errors apart by their body (the key-value API's
     * {@code definite}, a conflict's {@code version}). Only a transport failure throws: a
     * {@link java.net.ConnectException} or {@link java.net.http.HttpConnectTimeoutException} means
     * nothing was sent; a {@link java.net.http.HttpTimeoutException} or another {@link IOException}
     * leaves unknown whether the node acted on it. Never retried, since the request may not be idempotent.
     */
    public Answer exchange(String method, String path, byte[] json) throws IOException, InterruptedException {
        HttpRequest.Builder builder = authorized(HttpRequest.newBuilder(base.resolve(path))).timeout(timeout);
        if (json != null) builder.header("Content-Type", "application/json");
        HttpRequest request = builder.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(json)).build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), response.body().length == 0 ? JSON.nullNode() : parse(response.body()));
    }

    /** {@code GET /v1/state/{key}}, or null on 404. */
    public JsonNode state(String key) throws IOException, InterruptedException {
        try {
            return get("/v1/state/" + encodeKey(key));
        } catch (ApiException e) {
            if (e.status() == 404) return null;
            throw e;
        }
    }

    public JsonNode cluster() throws IOException, InterruptedException {
        return get("/v1/cluster");
    }

    /**
     * Reads the change feed ({@code GET /v1/changes?from=...}) until the stream ends or the thread is
     * interrupted, giving each change's JSON to {@code onChange}.
     */
    public void changes(String from, Consumer<JsonNode> onChange) throws IOException, InterruptedException {
        changes(from, data -> onChange.accept(parse(data.getBytes(StandardCharsets.UTF_8))), true);
    }

    /**
     * Reads the change feed, giving each event's raw {@code data:} JSON text to {@code onData}: for
     * consumers that parse only the fields they need.
     */
    public void changes(String from, Consumer<String> onData, boolean raw) throws IOException, InterruptedException {
        String query = from == null ? "" : "?from=" + from;
        HttpRequest request = authorized(HttpRequest.newBuilder(base.resolve("/v1/changes" + query))).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.ConnectException e) {
            throw new java.net.ConnectException("cannot reach a node at " + base + " (is it running? is the address right?)");
        }
        if (response.statusCode() != 200) throw new ApiException(response.statusCode(), "change feed: " + response.statusCode());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) onData.accept(line.substring(6));
                if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
            }
        }
    }

    private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.ConnectException e) {
            throw new java.net.ConnectException("cannot reach a node at " + base + " (is it running? is the address right?)");
        }
        JsonNode body = response.body().length == 0 ? JSON.nullNode() : parse(response.body());
        if (response.statusCode() >= 300) {
            String detail = body.path("detail").asText(new String(response.body(), StandardCharsets.UTF_8));
            throw new ApiException(response.statusCode(), response.statusCode() + " " + body.path("error").asText("") + ": " + detail);
        }
        return body;
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8));
        }
    }

    /** Percent-encodes a key for a path, keeping '/' readable. */
    public static String encodeKey(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
    }
}
