package io.ringwork.core.lincheck;

import java.util.Objects;

/**
 * One register of integers, initially empty (null), with read, write and compare-and-set by
 * value: the model of Jepsen's etcd test (Porcupine's etcd histories). A failed compare-and-set
 * observed that the register did not hold the expected value. For a register with versions, as
 * the key-value API has, see {@link VersionedKvModel}. Stateless and thread-safe.
 */
public final class CasRegisterModel implements Model<CasRegisterModel.Value, CasRegisterModel.Input, CasRegisterModel.Output> {
    public static final CasRegisterModel INSTANCE = new CasRegisterModel();

    /** The register's content; {@code value} null means empty. */
    public record Value(Integer value) {
        @Override
        public String toString() {
            return String.valueOf(value);
        }
    }

    /** An operation on the register. */
    public sealed interface Input {}

    public record Read() implements Input {
        @Override
        public String toString() {
            return "read";
        }
    }

    public record Write(Integer value) implements Input {
        @Override
        public String toString() {
            return "write(" + value + ")";
        }
    }

    public record Cas(Integer expected, Integer value) implements Input {
        @Override
        public String toString() {
            return "cas(" + expected + " -> " + value + ")";
        }
    }

    /** What an operation returned: the value read, or whether a write or compare-and-set succeeded. */
    public record Output(Integer value, boolean ok) {
        public static Output read(Integer value) {
            return new Output(value, true);
        }

        public static Output ok(boolean ok) {
            return new Output(null, ok);
        }

        @Override
        public String toString() {
            return value != null ? String.valueOf(value) : ok ? "ok" : "fail";
        }
    }

    private CasRegisterModel() {}

    @Override
    public Value init() {
        return new Value(null);
    }

    @Override
    public Step<Value> step(Value state, Input input, Output output) {
        return switch (input) {
            case Read r -> Step.okIf(Objects.equals(state.value(), output.value()), state);
            case Write w -> Step.okIf(output.ok(), new Value(w.value()));
            case Cas c -> {
                boolean matches = Objects.equals(state.value(), c.expected());
                if (output.ok()) yield Step.okIf(matches, new Value(c.value()));
                yield Step.okIf(!matches, state);
            }
        };
    }

    @Override
    public Step<Value> stepIndeterminate(Value state, Input input) {
        return switch (input) {
            case Read r -> Step.ok(state);
            case Write w -> Step.ok(new Value(w.value()));
            // A compare-and-set that found another value changed nothing: the same as never taking effect.
            case Cas c -> Step.okIf(Objects.equals(state.value(), c.expected()), new Value(c.value()));
        };
    }
}
