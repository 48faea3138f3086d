package io.ringwork.core.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A target of the health checker, as registered with {@code PUT /v1/health/targets/{id}}: an HTTP
 * URL or a TCP {@code host:port}, how often and how long to check it, what counts as passing, how
 * many checks in a row change its status, and free-form labels. Immutable.
 *
 * <p>{@link #parse} is the one validation, used by the API (a 400 naming the field) and again by
 * {@link HealthProcessor} (a dead letter), so a definition that reaches a checker is always valid.
 *
 * @param http             the URL to GET (http or https), or null for a TCP target
 * @param tcp              {@code host:port} to connect to, or null for an HTTP target
 * @param intervalMs       between two checks; at least {@link #INTERVAL_MIN_MS}
 * @param timeoutMs        a check that takes longer fails; at most the interval
 * @param expectStatus     the HTTP statuses that pass: {@code "2xx"} (a class) or one code such as {@code "204"}
 * @param bodyContains     text the HTTP body must contain to pass, or null
 * @param failureThreshold failed checks in a row that make a healthy (or unknown) target unhealthy
 * @param successThreshold passed checks in a row that make an unhealthy (or unknown) target healthy
 */
public record HealthTarget(String id, String http, String tcp, long intervalMs, long timeoutMs, String expectStatus,
                           String bodyContains, int failureThreshold, int successThreshold, SortedMap<String, String> labels) {
    public static final long INTERVAL_MIN_MS = 1_000;
    public static final long INTERVAL_DEFAULT_MS = 10_000;
    public static final long INTERVAL_MAX_MS = 86_400_000;
    public static final long TIMEOUT_DEFAULT_MS = 5_000;
    public static final int ID_MAX_BYTES = 200;
    public static final int LABELS_MAX = 16;
    public static final int LABEL_KEY_MAX_BYTES = 64;
    public static final int LABEL_VALUE_MAX_BYTES = 256;
    public static final int BODY_CONTAINS_MAX_BYTES = 1_024;
    public static final int THRESHOLD_MAX = 100;
    /** The record key prefix of targets: target {@code ID} is the state of key {@code health/ID}. */
    public static final String KEY_PREFIX = "health/";

    private static final Set<String> FIELDS = Set.of("id", "http", "tcp", "intervalMs", "timeoutMs", "expectStatus",
            "bodyContains", "failureThreshold", "successThreshold", "labels");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~:@-]+");
    private static final Pattern STATUS = Pattern.compile("[1-5]xx|[1-5][0-9][0-9]");

    /** A definition that is not valid: {@code field} names what is wrong (the JSON field, or "id", or "body"). */
    public static final class Invalid extends Exception {
        private final String field;

        public Invalid(String field, String message) {
            super(field + ": " + message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** The record key of target {@code id}. */
    public static String key(String id) {
        return KEY_PREFIX + id;
    }

    /** Checks a target id: 1 to {@link #ID_MAX_BYTES} of letters, digits and {@code . _ ~ : @ -}. */
    public static void checkId(String id) throws Invalid {
        if (id == null || id.isEmpty()) throw new Invalid("id", "a target needs an id");
        if (id.getBytes(StandardCharsets.UTF_8).length > ID_MAX_BYTES) {
            throw new Invalid("id", "an id is at most " + ID_MAX_BYTES + " bytes");
        }
        if (!ID.matcher(id).matches()) {
            throw new Invalid("id", "an id has letters, digits and . _ ~ : @ - only, got '" + id + "'");
        }
    }

    /**
     * Parses a definition. {@code json} may carry {@code "id"}; if {@code id} is given too they
     * must agree. Throws {@link Invalid} naming the first field that is wrong, including any field
     * this version does not know (a typo must not silently fall back to a default).
     */
    public static HealthTarget parse(String id, JsonNode json) throws Invalid {
        if (json == null || !json.isObject()) throw new Invalid("body", "a target is a JSON object");
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new Invalid(name, "unknown field; a target has " + String.join(", ", new java.util.TreeSet<>(FIELDS)));
            }
        }
        JsonNode idNode = json.get("id");
        if (idNode != null && !idNode.isTextual()) throw new Invalid("id", "the id is a string");
        if (id == null) id = idNode == null ? null : idNode.asText();
        else if (idNode != null && !idNode.asText().equals(id)) {
            throw new Invalid("id", "the body says '" + idNode.asText() + "' but the path says '" + id + "'");
        }
        checkId(id);
        String http = text(json, "http");
        String tcp = text(json, "tcp");
        if ((http == null) == (tcp == null)) throw new Invalid(http == null ? "http" : "tcp", "a target has one of http or tcp");
        if (http != null) checkUrl(http);
        else checkHostPort(tcp);
        long intervalMs = number(json, "intervalMs", INTERVAL_DEFAULT_MS, INTERVAL_MIN_MS, INTERVAL_MAX_MS);
        long timeoutMs = number(json, "timeoutMs", Math.min(TIMEOUT_DEFAULT_MS, intervalMs), 1, intervalMs);
        String expectStatus = json.has("expectStatus") ? json.get("expectStatus").asText() : "2xx";
        if (!(json.path("expectStatus").isMissingNode() || json.get("expectStatus").isTextual() || json.get("expectStatus").isInt())
                || !STATUS.matcher(expectStatus).matches()) {
            throw new Invalid("expectStatus", "a status class such as \"2xx\" or one code such as 200, got " + json.get("expectStatus"));
        }
        String bodyContains = text(json, "bodyContains");
        if (bodyContains != null && tcp != null) throw new Invalid("bodyContains", "only an http target has a body");
        if (bodyContains != null && bodyContains.getBytes(StandardCharsets.UTF_8).length > BODY_CONTAINS_MAX_BYTES) {
            throw new Invalid("bodyContains", "at most " + BODY_CONTAINS_MAX_BYTES + " bytes");
        }
        if (json.has("expectStatus") && tcp != null) throw new Invalid("expectStatus", "only an http target has a status");
        int failureThreshold = (int) number(json, "failureThreshold", 3, 1, THRESHOLD_MAX);
        int successThreshold = (int) number(json, "successThreshold", 2, 1, THRESHOLD_MAX);
        return new HealthTarget(id, http, tcp, intervalMs, timeoutMs, expectStatus, bodyContains, failureThreshold,
                successThreshold, labels(json.get("labels")));
    }

    public HealthTarget {
        labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels == null ? Map.of() : labels));
    }

    /** True when an HTTP answer with {@code status} passes. */
    public boolean statusPasses(int status) {
        if (expectStatus.endsWith("xx")) return status / 100 == expectStatus.charAt(0) - '0';
        return status == Integer.parseInt(expectStatus);
    }

    /** The definition as JSON, every field given (defaults filled in); {@link #parse} reads it back to an equal target. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("id", id);
        if (http != null) json.put("http", http);
        else json.put("tcp", tcp);
        json.put("intervalMs", intervalMs).put("timeoutMs", timeoutMs);
        if (http != null) json.put("expectStatus", expectStatus);
        if (bodyContains != null) json.put("bodyContains", bodyContains);
        json.put("failureThreshold", failureThreshold).put("successThreshold", successThreshold);
        ObjectNode labelsJson = json.putObject("labels");
        labels.forEach(labelsJson::put);
        return json;
    }

    private static String text(JsonNode json, String field) throws Invalid {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) throw new Invalid(field, "a string, got " + node.getNodeType().name().toLowerCase());
        return node.asText();
    }

    private static long number(JsonNode json, String field, long fallback, long min, long max) throws Invalid {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) return fallback;
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < min || node.asLong() > max) {
            throw new Invalid(field, "an integer from " + min + " to " + max + ", got " + node);
        }
        return node.asLong();
    }

    /**
     * Checks an http(s) URL by hand: core may not use {@code java.net} (files and sockets live in
     * the runtime), and what a check needs is a scheme, a host and no spaces.
     */
    private static void checkUrl(String url) throws Invalid {
        if (url.length() > 2_048) throw new Invalid("http", "the URL is over 2,048 characters");
        int colon = url.indexOf("://");
        String scheme = colon <= 0 ? null : url.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
        if (scheme == null || !scheme.matches("[a-z][a-z0-9+.-]*")) throw new Invalid("http", "not a URL: '" + url + "'");
        if (!(scheme.equals("http") || scheme.equals("https"))) {
            throw new Invalid("http", "unsupported URL scheme '" + scheme + "' (http or https)");
        }
        for (int i = 0; i < url.length(); i++) {
            if (url.charAt(i) <= ' ' || url.charAt(i) == 0x7f) throw new Invalid("http", "a URL has no spaces or control characters");
        }
        String rest = url.substring(colon + 3);
        int end = rest.length();
        for (char stop : new char[]{'/', '?', '#'}) if (rest.indexOf(stop) >= 0) end = Math.min(end, rest.indexOf(stop));
        String authority = rest.substring(0, end);
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        String host = hostPort.startsWith("[") ? hostPort.substring(0, hostPort.indexOf(']') + 1)
                : hostPort.contains(":") ? hostPort.substring(0, hostPort.indexOf(':')) : hostPort;
        if (host.isEmpty() || host.equals("[]")) throw new Invalid("http", "the URL has no host: '" + url + "'");
        String port = hostPort.substring(host.length());
        if (!port.isEmpty() && !port.matches(":[0-9]{1,5}")) throw new Invalid("http", "a bad port in '" + url + "'");
    }

    private static void checkHostPort(String hostPort) throws Invalid {
        int colon = hostPort.lastIndexOf(':');
        int port = -1;
        try {
            if (colon > 0) port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException ignored) {
            // answered below
        }
        if (colon <= 0 || port < 1 || port > 65_535 || hostPort.length() > 300) {
            throw new Invalid("tcp", "host:port with a port from 1 to 65535, got '" + hostPort + "'");
        }
    }

    private static SortedMap<String, String> labels(JsonNode node) throws Invalid {
        SortedMap<String, String> labels = new TreeMap<>();
        if (node == null || node.isNull()) return labels;
        if (!node.isObject()) throw new Invalid("labels", "an object of strings");
        if (node.size() > LABELS_MAX) throw new Invalid("labels", "at most " + LABELS_MAX + " labels");
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> label = fields.next();
            if (!label.getValue().isTextual()) throw new Invalid("labels", "label '" + label.getKey() + "' is not a string");
            if (label.getKey().isEmpty() || label.getKey().getBytes(StandardCharsets.UTF_8).length > LABEL_KEY_MAX_BYTES
                    || label.getKey().indexOf(':') >= 0) {
                throw new Invalid("labels", "a label name is 1 to " + LABEL_KEY_MAX_BYTES + " bytes without ':', got '" + label.getKey() + "'");
            }
            if (label.getValue().asText().getBytes(StandardCharsets.UTF_8).length > LABEL_VALUE_MAX_BYTES) {
                throw new Invalid("labels", "label '" + label.getKey() + "' is over " + LABEL_VALUE_MAX_BYTES + " bytes");
            }
            labels.put(label.getKey(), label.getValue().asText());
        }
        return labels;
    }
}
