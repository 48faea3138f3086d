package io.ringwork.core.processing;

import io.ringwork.core.util.Invariants;

/**
 * The bounds every record and every state must keep, checked where a record enters (the API
 * answers 4xx) and again where it is applied (a record past a bound is a dead letter and its key
 * moves on), because records can reach the log by other paths than this node's API. Immutable.
 *
 * @param maxKeyBytes        a key's length in UTF-8 bytes
 * @param maxDepth           nesting of JSON arrays and objects, in payloads and in states
 *                           ({@code {}} is depth 1, {@code {"a":[1]}} depth 2)
 * @param maxDocumentBytes   a state's size as stored JSON after a record applied
 * @param maxPatchOperations operations in one JSON Patch
 */
public record Limits(int maxKeyBytes, int maxDepth, int maxDocumentBytes, int maxPatchOperations) {
    /** The highest max-document-bytes a node accepts (states travel whole in replication frames). */
    public static final int MAX_DOCUMENT_BYTES_CEILING = 64 << 20;

    /** A record type's length in UTF-8 bytes; the same bound the HTTP API applies at ingest. */
    public static final int MAX_TYPE_BYTES = 256;
    /** A record id's length in UTF-8 bytes; the same bound the HTTP API applies at ingest. */
    public static final int MAX_ID_BYTES = io.ringwork.core.record.RecentIds.MAX_ID_BYTES;

    /** 1 KiB keys, depth 100, 1 MiB documents, 1,000 patch operations. */
    public static final Limits DEFAULT = new Limits(1024, 100, 1 << 20, 1000);

    public Limits {
        Invariants.require(maxKeyBytes >= 1 && maxKeyBytes <= 32_768, "maxKeyBytes must be in [1, 32768], got %s", maxKeyBytes);
        Invariants.require(maxDepth >= 2 && maxDepth <= 500, "maxDepth must be in [2, 500], got %s", maxDepth);
        Invariants.require(maxDocumentBytes >= 1024 && maxDocumentBytes <= MAX_DOCUMENT_BYTES_CEILING,
                "maxDocumentBytes must be in [1024, %s], got %s", MAX_DOCUMENT_BYTES_CEILING, maxDocumentBytes);
        Invariants.require(maxPatchOperations >= 1, "maxPatchOperations must be positive, got %s", maxPatchOperations);
    }

    public Limits withMaxDocumentBytes(int bytes) {
        return new Limits(maxKeyBytes, maxDepth, bytes, maxPatchOperations);
    }
}
