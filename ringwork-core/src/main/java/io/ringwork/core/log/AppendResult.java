package io.ringwork.core.log;

/**
 * Where an appended record landed. When {@code duplicate} is true the record was not appended
 * again: its idempotency id was already in the partition's dedupe window, and
 * {@code partition}/{@code offset} name the earlier copy.
 */
public record AppendResult(int partition, long offset, boolean duplicate) {}
