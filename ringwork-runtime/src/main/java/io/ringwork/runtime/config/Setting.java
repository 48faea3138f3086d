package io.ringwork.runtime.config;

import io.ringwork.runtime.node.NodeConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One setting of {@code ringwork node}: its key (the flag without {@code --}, the YAML key, and the
 * environment variable after the {@link #envName() RINGWORK_ rule}), how its text is read, and how it
 * goes into and comes out of a {@link NodeConfig}. Range checks stay in {@link NodeConfig}'s
 * constructor, so a value is checked the same way whichever layer it came from.
 *
 * @param key     lower-case words joined by '-', e.g. {@code fsync-interval-ms}
 * @param kind    how the text of a value is read
 * @param apply   sets the value on a config (throws IllegalArgumentException for a bad value)
 * @param read    the value in a config, or null when unset (printed as not set)
 * @param choices the valid values of an enumerated text setting, for "did you mean"; empty otherwise
 */
public record Setting(String key, Kind kind, BiFunction<NodeConfig, Object, NodeConfig> apply,
                      Function<NodeConfig, Object> read, List<String> choices) {
    /** The types of values; a value is text (flag, env, YAML scalar) or, for {@link #LIST}, also a YAML sequence. */
    public enum Kind {
        TEXT("text"), INT("a whole number"), LONG("a whole number"), BOOLEAN("true or false"), PATH("a file path"),
        LIST("a list (a YAML sequence, or values separated by commas)");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }
    }

    /** {@code RINGWORK_} and the key in upper case with '-' as '_': {@code node-id} is {@code RINGWORK_NODE_ID}. */
    public String envName() {
        return envName(key);
    }

    static String envName(String key) {
        return "RINGWORK_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public String flag() {
        return "--" + key;
    }

    /**
     * Reads a raw value: a String, or for {@link Kind#LIST} also a List of Strings. Whole numbers are
     * decimal only (no 0x, no '_'); booleans are {@code true} or {@code false}; a list given as text is
     * split at commas and blanks around each item dropped.
     *
     * @throws ConfigException naming the key and the value, without the origin (the caller adds it)
     */
    Object parse(Object raw) {
        if (kind == Kind.LIST) {
            List<String> items = raw instanceof List<?> list
                    ? list.stream().map(String::valueOf).toList()
                    : Arrays.asList(((String) raw).split(","));
            return items.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        if (raw instanceof List<?>) throw new ConfigException(key + " must be " + kind.expected + ", got a list");
        String text = ((String) raw).trim();
        return switch (kind) {
            case TEXT -> text;
            case INT -> (int) wholeNumber(text, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case LONG -> wholeNumber(text, Long.MIN_VALUE, Long.MAX_VALUE);
            case BOOLEAN -> switch (text.toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new ConfigException(key + " must be true or false, got '" + text + "'");
            };
            case PATH -> path(text);
            case LIST -> throw new AssertionError("handled above");
        };
    }

    private long wholeNumber(String text, long min, long max) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + text + "'");
        }
        if (value < min || value > max) throw new ConfigException(key + " must be in [" + min + ", " + max + "], got " + text);
        return value;
    }

    private Path path(String text) {
        if (text.isEmpty()) throw new ConfigException(key + " must be a file path, got nothing");
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(key + " must be a file path, got '" + text + "': " + e.getReason());
        }
    }
}
