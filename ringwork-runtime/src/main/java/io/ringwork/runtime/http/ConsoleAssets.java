package io.ringwork.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The operator console's files ({@code GET /} and {@code GET /console/NAME}): an HTML page, a
 * script and a style sheet from the jar (resources under {@code io/ringwork/runtime/console/}), so
 * a node needs no CDN and no build step. They carry no data: the script fetches it from the API
 * with the operator's token. Only the names listed here are served, looked up as exact strings,
 * so no request path can reach another resource or a file ({@code ..}, encoded slashes and the
 * like are simply unknown names: 404).
 */
final class ConsoleAssets {
    /** The URL prefix of the console's files. */
    static final String PREFIX = "/console/";

    private record Asset(String contentType, byte[] body, String etag) {}

    private static final Map<String, Asset> ASSETS = Map.of(
            "index.html", load("index.html", "text/html; charset=utf-8"),
            "console.js", load("console.js", "text/javascript; charset=utf-8"),
            "console.css", load("console.css", "text/css; charset=utf-8"));

    private ConsoleAssets() {}

    /** {@code GET /} and {@code /index.html}: the page. */
    static void page(HttpExchange exchange) throws IOException {
        send(exchange, ASSETS.get("index.html"));
    }

    /** {@code GET /console/NAME}: one of the listed files, or a 404 naming them. */
    static void file(HttpExchange exchange) throws IOException {
        String name = exchange.getRequestURI().getRawPath().substring(PREFIX.length());
        Asset asset = ASSETS.get(name);
        if (asset == null) {
            throw ApiError.notFound("no console file '" + name + "'; the console's files are " + String.join(", ", ASSETS.keySet().stream().sorted().toList()));
        }
        send(exchange, asset);
    }

    /**
     * The file with its type, and an ETag that a browser sends back to revalidate: {@code no-cache}
     * means it asks every time (so a node upgraded in place serves its new console at once) and
     * gets a body-less 304 while the file is unchanged.
     */
    private static void send(HttpExchange exchange, Asset asset) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Cache-Control", "no-cache");
        headers.set("ETag", asset.etag());
        headers.set("X-Content-Type-Options", "nosniff");
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        if (ifNoneMatch != null && ifNoneMatch.contains(asset.etag())) {
            exchange.sendResponseHeaders(304, -1);
            exchange.close();
            return;
        }
        Exchanges.send(exchange, 200, asset.contentType(), asset.body());
    }

    private static Asset load(String name, String contentType) {
        String resource = "/io/ringwork/runtime/console/" + name;
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("the console's file " + resource + " is missing from the jar");
            byte[] body = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return new Asset(contentType, body, "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"");
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot read the console's file " + resource + ": " + e.getMessage(), e);
        }
    }
}
