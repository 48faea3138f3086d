package io.ringwork.harness.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A leader as its own process, for {@link ElectionClusterTest} to SIGSTOP: opens a session with
 * {@code ttlMs} on {@code url}, campaigns in {@code election}, prints {@code TOKEN t} once it leads,
 * then sends a keepalive every {@code ttlMs / 4} on a thread of its own and, for each line
 * {@code write VALUE} on its input, writes {@code key} with {@code ?fence=election:t} and prints
 * {@code WRITE status error}. It never checks whether it still leads before writing: that is the
 * paused leader the fence exists for. Args: url ttlMs election key.
 */
public final class PausableLeader {
    private PausableLeader() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long ttlMs = Long.parseLong(args[1]);
        String election = args[2];
        String key = args[3];
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ObjectMapper json = new ObjectMapper();
        String session = json.readTree(send(http, "POST", url + "/v1/sessions", "{\"ttlMs\":" + ttlMs + "}").body()).path("session").asText();
        JsonNode won = json.readTree(send(http, "POST", url + "/v1/elections/" + election + "/campaign",
                "{\"candidate\":\"paused-leader\",\"session\":\"" + session + "\"}").body());
        if (!won.path("elected").asBoolean()) {
            System.out.println("NOT_ELECTED " + won);
            return;
        }
        long token = won.path("token").asLong();
        System.out.println("TOKEN " + token);
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                try {
                    Thread.sleep(ttlMs / 4);
                    send(http, "PUT", url + "/v1/sessions/" + session + "/keepalive", null);
                } catch (Exception e) {
                    // Keep trying: a keepalive that fails is what expires the session.
                }
            }
        });
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = input.readLine(); line != null; line = input.readLine()) {
            if (!line.startsWith("write ")) continue;
            HttpResponse<String> written = send(http, "PUT", url + "/v1/kv/" + key + "?fence=" + election + ":" + token,
                    json.writeValueAsString(line.substring(6)));
            System.out.println("WRITE " + written.statusCode() + " " + json.readTree(written.body()).path("error").asText("-"));
        }
    }

    private static HttpResponse<String> send(HttpClient http, String method, String uri, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
