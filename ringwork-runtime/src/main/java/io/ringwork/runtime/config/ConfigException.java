package io.ringwork.runtime.config;

/**
 * A configuration mistake: an unknown key, a value of the wrong type or out of range, an unreadable
 * file. The message is one line that says where the value came from (flag, environment variable,
 * file and line) and which key it is, so the CLI prints it as is and exits 2.
 */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}
