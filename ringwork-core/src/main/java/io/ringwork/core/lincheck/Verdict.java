package io.ringwork.core.lincheck;

/** A checker's answer. */
public enum Verdict {
    /** Some order of the operations, consistent with their times, is a run of the model. */
    LINEARIZABLE,
    /** No such order exists. */
    NOT_LINEARIZABLE,
    /** The budget ran out before the search finished. */
    UNKNOWN
}
