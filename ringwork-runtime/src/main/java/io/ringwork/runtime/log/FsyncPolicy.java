package io.ringwork.runtime.log;

/** When the embedded log forces appended bytes to the disk. */
public enum FsyncPolicy {
    /** Every batch is fsynced before its appends return: an acknowledged record survives power loss. */
    ALWAYS,
    /**
     * A background flusher fsyncs every {@link LogConfig#fsyncIntervalMs()}: an acknowledged record
     * survives a process crash, and power loss may lose the last interval.
     */
    INTERVAL,
    /** The operating system decides; {@link EmbeddedLog#close()} and segment rolls still fsync. */
    NEVER
}
