package io.ringwork.core.lincheck;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ringwork.core.lincheck.VersionedKvModel.Cas;
import io.ringwork.core.lincheck.VersionedKvModel.Conflict;
import io.ringwork.core.lincheck.VersionedKvModel.Delete;
import io.ringwork.core.lincheck.VersionedKvModel.Deleted;
import io.ringwork.core.lincheck.VersionedKvModel.Found;
import io.ringwork.core.lincheck.VersionedKvModel.Input;
import io.ringwork.core.lincheck.VersionedKvModel.NotFound;
import io.ringwork.core.lincheck.VersionedKvModel.Output;
import io.ringwork.core.lincheck.VersionedKvModel.Read;
import io.ringwork.core.lincheck.VersionedKvModel.Write;
import io.ringwork.core.lincheck.VersionedKvModel.Written;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;

/**
 * A history of key-value operations ({@link VersionedKvModel}) as JSON lines, one operation per
 * line, for recorders (chaos runs, the simulator) and {@link CheckHistory}:
 *
 * <pre>
 * {"client":3,"op":"read","input":{"key":"k"},"output":{"version":4,"value":{"n":1}},"call":1000,"return":2500}
 * {"client":3,"op":"read","input":{"key":"k"},"output":"not-found","call":3000,"return":3100}
 * {"client":1,"op":"write","input":{"key":"k","value":"v"},"output":{"version":5},"call":1200,"return":2000}
 * {"client":2,"op":"cas","input":{"key":"k","ifVersion":5,"value":7},"output":{"conflict":true,"version":6},"call":1,"return":9}
 * {"client":2,"op":"delete","input":{"key":"k","ifVersion":6},"output":"deleted","call":10,"return":20}
 * {"client":4,"op":"cas","input":{"key":"k","ifVersion":0,"value":[1]},"output":"timeout","call":30}
 * </pre>
 *
 * <p>{@code op} is read, write, cas or delete; {@code ifVersion} is required for cas (0: only if
 * absent) and optional for delete. {@code output} is one of {@code {"version","value"}} (a read
 * that found the key), {@code "not-found"} (read or delete), {@code {"version"}} (a write or cas
 * that succeeded), {@code {"conflict":true,"version"}} (a refused cas or conditional delete;
 * version 0 when absent), {@code "deleted"}, or {@code "timeout"}/{@code "indeterminate"} for an
 * operation whose outcome is unknown (its {@code return}, if any, is ignored). {@code call} and
 * {@code return} are nanoseconds on one clock. Values are any JSON, compared after sorting object
 * members; unknown fields are ignored; blank lines and lines starting with {@code #} are skipped.
 * A bad line is an {@link IllegalArgumentException} naming the line and the field.
 */
public final class JsonLinesHistory {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLinesHistory() {}

    /** Reads every operation of {@code in}. */
    public static List<Operation<Input, Output>> parse(Reader in) throws IOException {
        BufferedReader reader = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Operation<Input, Output>> ops = new ArrayList<>();
        String text;
        int line = 0;
        while ((text = reader.readLine()) != null) {
            if (!text.isBlank() && !text.startsWith("#")) ops.add(parseLine(line, text));
            line++;
        }
        return ops;
    }

    /** One line (without its newline) for {@code op}, which {@link #parse} reads back as an equal operation. */
    public static String line(Operation<Input, Output> op) {
        ObjectNode node = JSON.createObjectNode();
        node.put("client", op.client());
        ObjectNode input = node.putObject("input");
        input.put("key", op.input().key());
        switch (op.input()) {
            case Read r -> node.put("op", "read");
            case Write w -> {
                node.put("op", "write");
                input.set("value", readJson(w.value()));
            }
            case Cas c -> {
                node.put("op", "cas");
                input.put("ifVersion", c.ifVersion());
                input.set("value", readJson(c.value()));
            }
            case Delete d -> {
                node.put("op", "delete");
                if (d.ifVersion() != VersionedKvModel.ANY_VERSION) input.put("ifVersion", d.ifVersion());
            }
        }
        if (op.indeterminate()) {
            node.put("output", "timeout");
        } else {
            switch (op.output()) {
                case Found f -> node.putObject("output").put("version", f.version()).set("value", readJson(f.value()));
                case NotFound nf -> node.put("output", "not-found");
                case Written w -> node.putObject("output").put("version", w.version());
                case Conflict c -> node.putObject("output").put("conflict", true).put("version", c.version());
                case Deleted d -> node.put("output", "deleted");
            }
        }
        node.put("call", op.callNs());
        if (!op.indeterminate()) node.put("return", op.returnNs());
        return node.toString();
    }

    /** {@code value}'s JSON in canonical form (object members sorted, recursively), as the model compares it. */
    public static String canonical(JsonNode value) {
        return sorted(value).toString();
    }

    private static Operation<Input, Output> parseLine(int line, String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw PorcupineHistories.bad(line, "not JSON (" + e.getOriginalMessage() + ")", text);
        }
        if (node == null || !node.isObject()) throw PorcupineHistories.bad(line, "not a JSON object", text);
        long clientId = longField(line, node, "client");
        if (clientId != (int) clientId) throw PorcupineHistories.bad(line, "\"client\" must fit in 32 bits", Long.toString(clientId));
        int client = (int) clientId;
        String op = stringField(line, node, "op");
        JsonNode inputNode = node.get("input");
        if (inputNode == null || !inputNode.isObject()) throw PorcupineHistories.bad(line, "\"input\" must be an object", text);
        String key = stringField(line, inputNode, "key");
        Input input = switch (op) {
            case "read" -> new Read(key);
            case "write" -> new Write(key, valueField(line, inputNode));
            case "cas" -> new Cas(key, version(line, longField(line, inputNode, "ifVersion")), valueField(line, inputNode));
            case "delete" -> new Delete(key, inputNode.has("ifVersion")
                    ? version(line, longField(line, inputNode, "ifVersion")) : VersionedKvModel.ANY_VERSION);
            default -> throw PorcupineHistories.bad(line, "\"op\" must be read, write, cas or delete", op);
        };
        long call = longField(line, node, "call");
        JsonNode outputNode = node.get("output");
        if (outputNode == null) throw PorcupineHistories.bad(line, "\"output\" is missing", text);
        if (outputNode.isTextual() && (outputNode.asText().equals("timeout") || outputNode.asText().equals("indeterminate"))) {
            return Operation.indeterminate(client, input, call);
        }
        Output output = output(line, op, outputNode);
        long ret = longField(line, node, "return");
        if (ret < call) throw PorcupineHistories.bad(line, "\"return\" is before \"call\"", text);
        return Operation.completed(client, input, output, call, ret);
    }

    private static Output output(int line, String op, JsonNode out) {
        Output output;
        if (out.isTextual()) {
            output = switch (out.asText()) {
                case "not-found" -> new NotFound();
                case "deleted" -> new Deleted();
                default -> throw PorcupineHistories.bad(line, "unknown output", out.asText());
            };
        } else if (out.isObject()) {
            long version = version(line, longField(line, out, "version"));
            if (out.path("conflict").asBoolean(false)) output = new Conflict(version);
            else if (out.has("value")) output = new Found(canonical(out.get("value")), version);
            else output = new Written(version);
        } else {
            throw PorcupineHistories.bad(line, "\"output\" must be an object or a string", out.toString());
        }
        boolean fits = switch (op) {
            case "read" -> output instanceof Found || output instanceof NotFound;
            case "write" -> output instanceof Written;
            case "cas" -> output instanceof Written || output instanceof Conflict;
            default -> output instanceof Deleted || output instanceof NotFound || output instanceof Conflict;
        };
        if (!fits) throw PorcupineHistories.bad(line, "a " + op + " cannot return", out.toString());
        return output;
    }

    private static long longField(int line, JsonNode node, String name) {
        JsonNode field = node.get(name);
        if (field == null || !field.canConvertToLong() || !field.isIntegralNumber()) {
            throw PorcupineHistories.bad(line, "\"" + name + "\" must be an integer", String.valueOf(field));
        }
        return field.longValue();
    }

    private static long version(int line, long version) {
        if (version < 0) throw PorcupineHistories.bad(line, "a version must be >= 0", Long.toString(version));
        return version;
    }

    private static String stringField(int line, JsonNode node, String name) {
        JsonNode field = node.get(name);
        if (field == null || !field.isTextual()) throw PorcupineHistories.bad(line, "\"" + name + "\" must be a string", String.valueOf(field));
        return field.asText();
    }

    private static String valueField(int line, JsonNode input) {
        if (!input.has("value")) throw PorcupineHistories.bad(line, "\"value\" is missing", input.toString());
        return canonical(input.get("value"));
    }

    private static JsonNode readJson(String canonicalValue) {
        try {
            return JSON.readTree(canonicalValue);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a value in a history must be JSON: " + canonicalValue, e);
        }
    }

    private static JsonNode sorted(JsonNode value) {
        if (value.isObject()) {
            TreeMap<String, JsonNode> members = new TreeMap<>();
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                members.put(name, sorted(value.get(name)));
            }
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            members.forEach(out::set);
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode element : value) out.add(sorted(element));
            return out;
        }
        return value;
    }
}
