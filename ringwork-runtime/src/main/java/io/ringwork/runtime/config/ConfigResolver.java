package io.ringwork.runtime.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ringwork.runtime.node.NodeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Builds a node's {@link NodeConfig} from four layers, highest first: flags, {@code RINGWORK_*}
 * environment variables, the YAML config file, defaults. Each setting takes its value from the
 * highest layer that has it, and remembers which one that was for {@code --print-config}.
 *
 * <p>Mistakes are {@link ConfigException}s with one line that names the origin and the key: an
 * unknown key in the file (with the nearest valid key), a value of the wrong type, a value out of
 * range ({@link NodeConfig}'s checks). An unknown {@code RINGWORK_*} variable is only a warning: the
 * environment is shared with other tools (see {@link NodeSettings#OTHER_ENV}).
 *
 * <p>Pure apart from reading the config file: the environment comes in as a map, so tests do not
 * depend on the process's environment.
 */
public final class ConfigResolver {
    private ConfigResolver() {}

    /** The layers, highest precedence first. */
    public enum Layer { FLAG, ENV, FILE, DEFAULT }

    /**
     * Where a value came from.
     *
     * @param layer the layer
     * @param where the flag ({@code --http}), the variable ({@code RINGWORK_HTTP}), the file and line
     *              ({@code node.yaml line 3}), or {@code default}
     */
    public record Origin(Layer layer, String where) {
        static final Origin DEFAULT = new Origin(Layer.DEFAULT, "default");

        @Override
        public String toString() {
            return switch (layer) {
                case FLAG -> "flag " + where;
                case ENV -> "env " + where;
                case FILE -> "file " + where;
                case DEFAULT -> where;
            };
        }
    }

    /**
     * The outcome: the config, each setting's origin, and the config file read (null for none).
     *
     * @param origins by key, in {@link NodeSettings#ALL} order
     */
    public record Resolved(NodeConfig config, Map<String, Origin> origins, Path configFile, Origin configFileOrigin) {
        /** The effective configuration as YAML that is itself a valid config file, each value followed by its origin. */
        public String toYaml() {
            return ConfigResolver.toYaml(this);
        }
    }

    private record Raw(Object value, Origin origin) {}

    /**
     * Resolves the configuration.
     *
     * @param flags      the flags given, by key (the flag without {@code --}): a String, or a List of
     *                   Strings for a list setting; keys must be {@link NodeSettings} keys
     * @param configFlag {@code --config}, or null: then {@value NodeSettings#CONFIG_ENV}, if set, names the file
     * @param env        the environment (only {@code RINGWORK_*} entries are looked at)
     * @param warnings   receives one line per ignored {@code RINGWORK_*} variable
     * @throws ConfigException for any mistake, with one line naming the origin and the key
     */
    public static Resolved resolve(Map<String, Object> flags, Path configFlag, Map<String, String> env, Consumer<String> warnings) {
        for (String key : flags.keySet()) {
            // A programming error in the command, not a user's: every flag passed here is a setting.
            if (NodeSettings.byKey(key).isEmpty()) throw new IllegalStateException("not a node setting: " + key);
        }
        // 1. The file: --config, else RINGWORK_CONFIG; all of it is read and its keys checked before any value is used.
        Path configFile = configFlag;
        Origin fileOrigin = configFlag == null ? null : new Origin(Layer.FLAG, "--config");
        String fromEnv = env.get(NodeSettings.CONFIG_ENV);
        if (configFile == null && fromEnv != null && !fromEnv.isBlank()) {
            configFile = Path.of(fromEnv.trim());
            fileOrigin = new Origin(Layer.ENV, NodeSettings.CONFIG_ENV);
        }
        Map<String, Raw> fileValues = configFile == null ? Map.of() : fileValues(configFile);
        // 2. The variables that name settings.
        Map<String, Raw> envValues = envValues(env, warnings);

        // 3. Each setting in table order (node-id before data-dir, whose default follows it) from its highest layer.
        NodeConfig config = NodeConfig.defaults();
        Map<String, Origin> origins = new LinkedHashMap<>();
        for (Setting setting : NodeSettings.ALL) {
            Raw raw = flags.containsKey(setting.key())
                    ? new Raw(flags.get(setting.key()), new Origin(Layer.FLAG, setting.flag()))
                    : envValues.getOrDefault(setting.envName(), fileValues.get(setting.key()));
            if (raw == null) {
                config = NodeSettings.applyDefault(setting, config);
                origins.put(setting.key(), Origin.DEFAULT);
            } else {
                config = apply(setting, raw, config);
                origins.put(setting.key(), raw.origin());
            }
        }
        return new Resolved(config, origins, configFile, fileOrigin);
    }

    private static NodeConfig apply(Setting setting, Raw raw, NodeConfig config) {
        String prefix = prefix(raw.origin());
        Object value;
        try {
            value = setting.parse(raw.value());
        } catch (ConfigException e) {
            throw new ConfigException(prefix + e.getMessage());
        }
        try {
            return setting.apply().apply(config, value);
        } catch (IllegalArgumentException e) {
            String hint = setting.choices().isEmpty() ? "" : Suggestions.didYouMean(String.valueOf(value), setting.choices());
            throw new ConfigException(prefix + e.getMessage() + hint);
        }
    }

    private static String prefix(Origin origin) {
        return origin.layer() == Layer.DEFAULT ? "" : origin.where() + ": ";
    }

    private static Map<String, Raw> fileValues(Path file) {
        Map<String, Raw> values = new LinkedHashMap<>();
        for (Map.Entry<String, YamlConfigFile.Entry> e : YamlConfigFile.read(file).entrySet()) {
            String where = file + " line " + e.getValue().line();
            if (NodeSettings.byKey(e.getKey()).isEmpty()) {
                throw new ConfigException(where + ": unknown key '" + e.getKey() + "'"
                        + Suggestions.didYouMean(e.getKey(), NodeSettings.keys()));
            }
            values.put(e.getKey(), new Raw(e.getValue().value(), new Origin(Layer.FILE, where)));
        }
        return values;
    }

    private static Map<String, Raw> envValues(Map<String, String> env, Consumer<String> warnings) {
        Map<String, Raw> values = new LinkedHashMap<>();
        // Sorted so that warnings come out in the same order every time.
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("RINGWORK_")) continue;
            if (NodeSettings.byEnvName(name).isPresent()) {
                values.put(name, new Raw(e.getValue(), new Origin(Layer.ENV, name)));
            } else if (!NodeSettings.OTHER_ENV.contains(name)) {
                warnings.accept("ignoring " + name + ": not a node setting" + Suggestions.didYouMean(name, NodeSettings.envNames()));
            }
        }
        return values;
    }

    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());

    static String toYaml(Resolved resolved) {
        // 1. Jackson writes the values (quoting what YAML would misread); unset values become comments.
        Map<String, Object> values = new LinkedHashMap<>();
        for (Setting setting : NodeSettings.ALL) {
            Object value = setting.read().apply(resolved.config());
            values.put(setting.key(), value instanceof Path path ? path.toString() : value);
        }
        String body;
        try {
            body = YAML.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the configuration as YAML", e);
        }
        // 2. Each key's line gets its origin as a comment, in one column.
        List<String> lines = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        for (String line : body.split("\n")) {
            int colon = line.indexOf(':');
            String key = colon > 0 ? line.substring(0, colon) : "";
            Origin origin = resolved.origins().get(key);
            if (origin != null && line.equals(key + ": null")) {
                lines.add("# " + key + ": (not set)");
            } else {
                lines.add(line);
            }
            comments.add(origin == null ? null : origin.toString());
        }
        int column = lines.stream().mapToInt(String::length).max().orElse(0) + 2;
        StringBuilder out = new StringBuilder();
        out.append("# ringwork node: the effective configuration (precedence: flag > env > file > default)\n");
        out.append("# config file: ").append(resolved.configFile() == null ? "none"
                : resolved.configFile() + " (" + resolved.configFileOrigin() + ")").append('\n');
        for (int i = 0; i < lines.size(); i++) {
            out.append(lines.get(i));
            if (comments.get(i) != null) out.append(" ".repeat(column - lines.get(i).length())).append("# ").append(comments.get(i));
            out.append('\n');
        }
        return out.toString();
    }
}
