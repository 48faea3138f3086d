package io.ringwork.core.log;

/**
 * Where an appended record landed. When {@code duplicate} is true the record was not appended
 * again: the log saw its idempotency id recently (only the embedded log looks; see
 * {@link RecordLog#append}), and {@code partition}/{@code offset} name the earlier copy.
 */
public record AppendResult(int partition, long offset, boolean duplicate) {}
