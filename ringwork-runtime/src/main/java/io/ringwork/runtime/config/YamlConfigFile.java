package io.ringwork.runtime.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a node's YAML config file: one mapping of keys to values, each a scalar or a sequence of
 * scalars. Parsing is Jackson's YAML module (SnakeYAML underneath); this class only walks the
 * tokens, so it keeps each scalar's text as written ({@code cluster: 007} stays {@code 007}) and each
 * key's line for error messages. Which keys exist and what their values mean is the resolver's job.
 */
public final class YamlConfigFile {
    /** A config file is a few dozen lines; anything this large is the wrong file. */
    static final long MAX_BYTES = 1 << 20;

    private static final YAMLFactory YAML = YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private YamlConfigFile() {}

    /**
     * One value in the file.
     *
     * @param value a String, or a List of Strings for a sequence
     * @param line  the key's line, from 1
     */
    public record Entry(Object value, int line) {}

    /**
     * The file's keys, in file order. An empty file has none.
     *
     * @throws ConfigException (one line, naming the file and the line) when the file cannot be read, is
     *                         not YAML, is not one flat mapping, repeats a key or has a key without value
     */
    public static Map<String, Entry> read(Path file) {
        return parse(load(file), file.toString());
    }

    static Map<String, Entry> parse(String text, String name) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (JsonParser p = YAML.createParser(text)) {
            JsonToken token = p.nextToken();
            if (token == null) return entries;
            if (token != JsonToken.START_OBJECT) {
                // An old properties file ("http=127.0.0.1:8080") parses as one long scalar.
                String hint = token.isScalarValue() && p.getText().contains("=")
                        ? ": write 'key: value', one per line (the file is YAML, not Java properties)" : "";
                throw new ConfigException(at(name, p.currentTokenLocation()) + "the config file must be a mapping of keys to values" + hint);
            }
            while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int line = p.currentTokenLocation().getLineNr();
                entries.put(key, new Entry(value(p, key, name, line), line));
            }
            if (p.nextToken() != null) {
                throw new ConfigException(at(name, p.currentTokenLocation()) + "the config file must hold one YAML document");
            }
            return entries;
        } catch (JsonProcessingException e) {
            // SnakeYAML's own messages run over several lines with a source excerpt; keep the problem and its line.
            if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
                String context = yaml.getContext() == null || yaml.getContextMark() == null ? ""
                        : " (" + yaml.getContext() + " from line " + (yaml.getContextMark().getLine() + 1) + ")";
                throw new ConfigException(name + " line " + (yaml.getProblemMark().getLine() + 1) + ": not valid YAML: "
                        + firstLine(yaml.getProblem()) + context);
            }
            throw new ConfigException(at(name, e.getLocation()) + "not valid YAML: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot be read: " + e.getMessage());
        }
    }

    private static Object value(JsonParser p, String key, String name, int line) throws IOException {
        JsonToken token = p.nextToken();
        String where = name + " line " + line + ": ";
        if (token == JsonToken.VALUE_NULL) {
            throw new ConfigException(where + key + " has no value (leave the key out for its default)");
        }
        if (token == JsonToken.START_OBJECT) throw new ConfigException(where + key + " must be a value, got a mapping");
        if (token != JsonToken.START_ARRAY) {
            // "key:" with nothing after it; an explicit '' is the same mistake.
            if (p.getText().isEmpty()) throw new ConfigException(where + key + " has no value (leave the key out for its default)");
            return p.getText();
        }
        List<String> items = new ArrayList<>();
        while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
            if (!token.isScalarValue() || token == JsonToken.VALUE_NULL) {
                throw new ConfigException(where + key + " must be a list of values, got a nested or empty item");
            }
            items.add(p.getText());
        }
        return items;
    }

    private static String load(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException(file + ": a config file is at most " + MAX_BYTES + " bytes; is this the right file?");
            }
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such config file");
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": a config file must be UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read: " + e.getMessage());
        }
    }

    private static String at(String name, JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? name + ": " : name + " line " + location.getLineNr() + ": ";
    }

    private static String firstLine(String message) {
        if (message == null) return "(no detail)";
        String line = message.strip().lines().findFirst().orElse("");
        return line.isEmpty() ? "(no detail)" : line;
    }
}
