package io.ringwork.core.lincheck;

import io.ringwork.core.util.Invariants;

/**
 * A map of string keys to string values with get, put and append, each key starting as the empty
 * string: the model of Porcupine's key-value test histories. Keys are independent, so the history
 * is checked key by key and the state is one key's value. Stateless and thread-safe.
 */
public final class KvModel implements Model<String, KvModel.Input, String> {
    public static final KvModel INSTANCE = new KvModel();

    public enum Kind { GET, PUT, APPEND }

    /** An operation on {@code key}; {@code value} is what put or append writes (null for get). */
    public record Input(Kind kind, String key, String value) {
        public Input {
            Invariants.require(kind != null && key != null, "a kv operation needs a kind and a key");
            Invariants.require(kind == Kind.GET || value != null, "%s needs a value", kind);
        }

        @Override
        public String toString() {
            return kind == Kind.GET ? "get(" + key + ")" : kind.name().toLowerCase() + "(" + key + ", '" + value + "')";
        }
    }

    private KvModel() {}

    @Override
    public String init() {
        return "";
    }

    /** A get's output is the value it read; a put's or append's output is ignored. */
    @Override
    public Step<String> step(String state, Input input, String output) {
        return switch (input.kind()) {
            case GET -> Step.okIf(state.equals(output), state);
            case PUT -> Step.ok(input.value());
            case APPEND -> Step.ok(state + input.value());
        };
    }

    @Override
    public Step<String> stepIndeterminate(String state, Input input) {
        return switch (input.kind()) {
            case GET -> Step.ok(state);
            case PUT -> Step.ok(input.value());
            case APPEND -> Step.ok(state + input.value());
        };
    }

    @Override
    public Object key(Input input) {
        return input.key();
    }

    @Override
    public String describe(String state) {
        return "'" + state + "'";
    }
}
