package io.ringwork.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.record.NewRecord;
import java.util.List;
import java.util.Map;

/** One system under the peers bench: its processes, its input and how the bench reads its results. */
interface Peer extends AutoCloseable {
    String name();

    /**
     * Writes {@code records} to the system's input while its processes are paused (SIGSTOP): the
     * throughput is of applying, not producing, timed from the SIGCONT, so neither JVM starts nor
     * a cluster's forming are in it.
     */
    void fill(List<NewRecord> records) throws Exception;

    /** Waits until everything given to {@link #fill} is in the input (acknowledged). */
    void filled() throws Exception;

    /** Starts the system's processes and its result reader; returns when they run (not necessarily processing yet). */
    void start(Outputs outputs) throws Exception;

    /** Waits until the system is ready to process (all instances running, partitions assigned). */
    void awaitReady(long timeoutMs) throws Exception;

    /** SIGSTOP to every process of the system, by PID. */
    void pause() throws Exception;

    /** SIGCONT to every process of the system. */
    void resume() throws Exception;

    /** Whether the system applied everything produced so far ({@code total} records). */
    boolean done(long total) throws Exception;

    /** Produces {@code records} while the system runs, timing each in {@code outputs}. */
    void send(List<NewRecord> records, Outputs outputs) throws Exception;

    /** Waits until what {@link #send} handed over is in the input. */
    void flush() throws Exception;

    /** The documents the system holds now for {@code keys} (a null value for an absent or deleted key). */
    Map<String, JsonNode> documents(List<String> keys) throws Exception;

    /** Waits until the instance to be killed holds some partitions; returns them, for the report. */
    String awaitVictimReady(long timeoutMs) throws Exception;

    /** SIGKILLs one instance, by its PID. */
    void killOne() throws Exception;

    @Override
    void close() throws Exception;
}
