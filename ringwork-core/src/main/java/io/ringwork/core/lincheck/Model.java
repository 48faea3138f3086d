package io.ringwork.core.lincheck;


/**
 * A sequential specification: what one object does when operations reach it one at a time. The
 * checker asks whether some order of a concurrent history's operations, consistent with their call
 * and return times, is a run of this specification.
 *
 * <p>States must be immutable values with {@code equals} and {@code hashCode} (records are): the
 * checker remembers (set of operations linearized, state) pairs it has explored and compares states
 * with {@code equals}. A null state is not allowed. Implementations must be pure functions.
 *
 * @param <S> the state
 * @param <I> an operation's input
 * @param <O> an operation's output
 */
public interface Model<S, I, O> {

    /** The state before any operation. */
    S init();

    /**
     * Applies {@code input} to {@code state} and says whether {@code output} is what the object
     * would have returned. Returns {@link Step#illegal()} when it is not.
     */
    Step<S> step(S state, I input, O output);

    /**
     * Applies an operation whose output is unknown, assuming it took effect: the state after it,
     * whatever it returned. Returns {@link Step#illegal()} if it cannot take effect in this state.
     * That it may also never have taken effect is the checker's business, not the model's.
     */
    Step<S> stepIndeterminate(S state, I input);

    /**
     * The independent object (key) an operation touches, or null when all operations touch one
     * object. Operations on different keys are checked separately: a history is linearizable if and
     * only if each key's part is (linearizability is local, Herlihy and Wing 1990), and small parts
     * are far cheaper to search than one large history. Keys need {@code equals} and {@code hashCode}.
     */
    default Object key(I input) {
        return null;
    }

    /** A short description of a state for explanations. */
    default String describe(S state) {
        return String.valueOf(state);
    }

    /** The outcome of one step: whether it was allowed and, if so, the new state. */
    record Step<S>(boolean ok, S state) {
        private static final Step<?> ILLEGAL = new Step<>(false, null);

        public Step {
            if (ok && state == null) throw new IllegalArgumentException("a legal step needs a (non-null) new state");
        }

        public static <S> Step<S> ok(S state) {
            return new Step<>(true, state);
        }

        @SuppressWarnings("unchecked")
        public static <S> Step<S> illegal() {
            return (Step<S>) ILLEGAL;
        }

        /** {@code ok(state)} if {@code condition}, else illegal. */
        public static <S> Step<S> okIf(boolean condition, S state) {
            return condition ? ok(state) : illegal();
        }
    }
}
