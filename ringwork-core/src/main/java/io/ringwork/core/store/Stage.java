package io.ringwork.core.store;

import io.ringwork.core.util.Invariants;

/**
 * Where a staged change waits for durability: the owner's term and the number of the commit that
 * carried it ({@code seq}). A change is staged, not fed, until its node learns that a write quorum
 * holds it ({@link StateStore#promote}).
 *
 * <p>{@link #BY_CHECKPOINT} marks changes that no commit of the term carried: those a catch-up from
 * the log brought in, and those of a local commit no replication took (its owner had stopped).
 * They are covered once a quorum holds every record up to theirs (a durable checkpoint of this or
 * a later term), whatever commit brought that.
 */
public record Stage(StoredTerm term, long seq) {
    /** Covered by a durable checkpoint only, never by a commit number (see the class). */
    public static final long BY_CHECKPOINT = Long.MAX_VALUE;

    public Stage {
        Invariants.require(term != null, "term is required");
        Invariants.require(seq >= -1, "seq must be >= -1, got %s", seq);
    }
}
