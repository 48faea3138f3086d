package io.ringwork.core.gluer.json;

/**
 * A JSON Patch or JSON Pointer was rejected: it is malformed, or one of its operations failed
 * against the document. The message is a human-readable reason meant for the client, for example
 * {@code operation 2 (test) at /a/b: value differs}.
 *
 * <p>A rejected patch is an ordinary outcome of client input (a failing {@code test} is how
 * clients express preconditions), not a bug, so the exception carries no stack trace: filling it
 * would cost more than applying a typical patch, and it would only ever point into this package.
 */
public final class JsonPatchException extends Exception {
    public JsonPatchException(String message) {
        super(message, null, false, false);
    }
}
