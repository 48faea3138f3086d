package io.ringwork.core.processing;

import java.util.Objects;

/** What a {@link Processor} decided for one record. */
public sealed interface Result<S> {
    /** The key's state becomes {@code state}. */
    record Update<S>(S state) implements Result<S> {
        public Update {
            Objects.requireNonNull(state, "state; use Result.delete() to remove a key");
        }
    }

    /**
     * The key's state becomes {@code state}, and nothing goes on the change feed: bookkeeping a
     * reader needs but a watcher of the key's value does not, such as the answer to a refused
     * compare-and-set (the value did not change).
     */
    record Note<S>(S state) implements Result<S> {
        public Note {
            Objects.requireNonNull(state, "state");
        }
    }

    /** The key's state is deleted (a tombstone keeps its version). */
    record Delete<S>() implements Result<S> {}

    /** The record is bad input: the state stays, the record goes to the dead letters with {@code reason}. */
    record Reject<S>(String reason) implements Result<S> {
        public Reject {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static <S> Result<S> update(S state) {
        return new Update<>(state);
    }

    static <S> Result<S> note(S state) {
        return new Note<>(state);
    }

    static <S> Result<S> delete() {
        return new Delete<>();
    }

    static <S> Result<S> reject(String reason) {
        return new Reject<>(reason);
    }
}
