package io.ringwork.runtime.http;

import io.ringwork.runtime.http.auth.Principal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.ringwork.core.processing.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** Helpers for reading requests and writing JSON answers on the JDK HTTP server. */
final class Exchanges {
    /** Shares core's mapper, whose buffer pool works on virtual threads (see JsonStateCodec). */
    static final ObjectMapper JSON = io.ringwork.core.processing.JsonStateCodec.mapper();

    private Exchanges() {}

    /** Reads the body, refusing more than {@code maxBytes} with a 413 before reading it all. */
    /** Bodies up to this declared length are read into an array of exactly that size. */
    static final int EXACT_BODY_MAX = 64 * 1024;

    static byte[] body(HttpExchange exchange, int maxBytes) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("Content-Length is not a number: " + declared);
            }
            if (length > maxBytes) throw tooLarge(length, maxBytes);
        }
        try (InputStream in = exchange.getRequestBody()) {
            boolean chunked = exchange.getRequestHeaders().getFirst("Transfer-Encoding") != null;
            if (length >= 0 && length <= EXACT_BODY_MAX && !chunked) {
                // A small declared body is read into an array of its size: the grown buffer and the
                // copy buffer below cost 20 KiB per request, a tenth of a node's allocation per
                // ingested record. The stream ends at the declared length (a chunked body takes the path below).
                return in.readNBytes((int) length);
            }
            // Grown as bytes arrive: a large declared length is a claim, not a reason to allocate.
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                if (out.size() + n > maxBytes) throw tooLarge(out.size() + n, maxBytes);
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    private static ApiError tooLarge(long length, int maxBytes) {
        return new ApiError(413, "payload_too_large",
                "request body of " + length + " bytes is over the limit of " + maxBytes
                        + " bytes (max-request-bytes); split it into smaller requests", true);
    }

    /** The media type without parameters, lower case; empty when absent. */
    static String mediaType(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null) return "";
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase();
    }

    /**
     * The query's parameters, form-decoded ('+' is a space); the first of repeated names wins.
     * A malformed escape, invalid UTF-8 or a control character is a 400.
     */
    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> params = new HashMap<>();
        forEachParameter(exchange, params::putIfAbsent);
        return params;
    }

    /** Every value of the repeated query parameter {@code name} (as {@code name[]=a&name[]=b}), form-decoded. */
    static Set<String> queryValues(HttpExchange exchange, String name) {
        Set<String> values = new LinkedHashSet<>();
        forEachParameter(exchange, (n, value) -> {
            if (n.equals(name)) values.add(value);
        });
        return values;
    }

    /** The query's name-value pairs in order, form-decoded; a bad escape, invalid UTF-8 or a control character is a 400. */
    private static void forEachParameter(HttpExchange exchange, java.util.function.BiConsumer<String, String> each) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) return;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = PercentDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), true, "query parameter name");
            each.accept(name, eq < 0 ? "" : PercentDecoder.decode(pair.substring(eq + 1), true, "query parameter '" + name + "'"));
        }
    }

    /**
     * The request path after {@code prefix}, percent-decoded ('+' stays a plus; keys may contain
     * '/' or '%2F'). A malformed escape, invalid UTF-8 or a control character is a 400.
     */
    static String pathAfter(HttpExchange exchange, String prefix) {
        String raw = exchange.getRequestURI().getRawPath();
        if (!raw.startsWith(prefix)) return "";
        return PercentDecoder.decode(raw.substring(prefix.length()), false, "path");
    }

    /**
     * A key from the path or a query: non-empty and at most {@link Limits#maxKeyBytes()} bytes of
     * UTF-8 (decoding already refused control characters and invalid UTF-8); else a 400 that
     * names the endpoint.
     */
    /** The request's principal, as {@code HttpApi} found it ({@link Principal#OPEN} on a node without tokens). */
    static Principal principal(HttpExchange exchange) {
        return exchange.getAttribute(Principal.ATTRIBUTE) instanceof Principal principal ? principal : Principal.OPEN;
    }

    /** A 403 unless the request's token may read {@code key}. */
    static void requireRead(HttpExchange exchange, String key) {
        Principal principal = principal(exchange);
        if (!principal.reads(key)) throw forbidden(principal, "read", key);
    }

    /** A 403 unless the request's token may write {@code key}. */
    static void requireWrite(HttpExchange exchange, String key) {
        Principal principal = principal(exchange);
        if (!principal.writes(key)) throw forbidden(principal, "write", key);
    }

    private static ApiError forbidden(Principal principal, String what, String key) {
        return new ApiError(403, "forbidden", "token '" + principal.name() + "' may not " + what + " '" + key + "'"
                + (principal.tenants().isEmpty() ? "" : ": its tenants are " + String.join(", ", principal.tenants())), true);
    }

    static String checkKey(String key, String endpoint) {
        if (key.isEmpty()) throw ApiError.badRequest(endpoint + ": the key is missing");
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.DEFAULT.maxKeyBytes()) {
            throw ApiError.badRequest(endpoint + ": the key is " + bytes + " bytes of UTF-8, over the limit of "
                    + Limits.DEFAULT.maxKeyBytes());
        }
        return key;
    }

    static void json(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
    }

    static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    static void error(HttpExchange exchange, ApiError error) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("error", error.code()).put("detail", error.getMessage())
                .put("definite", error.definite());
        error.fields().forEach(body::put);
        error.texts().forEach(body::put);
        json(exchange, error.status(), body);
    }

    /** Refuses with a 405 a method not in {@code allowed}; HEAD passes wherever GET does. */
    static void requireMethod(HttpExchange exchange, String... allowed) {
        String requested = exchange.getRequestMethod();
        for (String method : allowed) {
            if (method.equals(requested) || (method.equals("GET") && requested.equals("HEAD"))) return;
        }
        exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new ApiError(405, "method_not_allowed",
                exchange.getRequestMethod() + " is not allowed here; use " + String.join(" or ", allowed), true);
    }
}
