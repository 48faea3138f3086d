package io.ringwork.runtime.log;

import io.ringwork.core.log.AppendResult;
import io.ringwork.core.record.NewRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The second process of the multi-process log tests, started by {@link ChildJvm}. Commands:
 *
 * <ul>
 *   <li>{@code append DIR PARTITIONS SEGMENT_BYTES COUNT PREFIX SHARED}: prints {@code ready},
 *       waits for {@code go} on stdin, appends COUNT records in batches of ten (ids
 *       {@code PREFIX-i}), printing {@code started} after the first batch; batch j starts with
 *       one shared-id record {@code shared-j} (j below SHARED) whose result it prints as
 *       {@code shared ID PARTITION OFFSET DUPLICATE}; prints {@code done}.</li>
 *   <li>{@code crash DIR PARTITIONS}: appends batches of five under {@code ALWAYS} fsync forever,
 *       printing {@code acked PARTITION OFFSET DATA} for each record once its append returned.</li>
 * </ul>
 */
public final class LogChildProcess {
    private LogChildProcess() {}

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        switch (args[0]) {
            case "append" -> append(args, out);
            case "crash" -> crash(args, out);
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static void append(String[] args, PrintStream out) throws Exception {
        LogConfig cfg = LogFixtures.config(Path.of(args[1]), Integer.parseInt(args[2])).withSegmentBytes(Long.parseLong(args[3]));
        int count = Integer.parseInt(args[4]);
        String prefix = args[5];
        int shared = Integer.parseInt(args[6]);
        try (EmbeddedLog log = EmbeddedLog.open(cfg)) {
            out.println("ready");
            String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (!"go".equals(go)) throw new IllegalStateException("expected go, got " + go);
            for (String line : appendWorkload(log, prefix, count, shared, () -> out.println("started"))) out.println(line);
        }
        out.println("done");
    }

    /** The workload both processes run; returns the {@code shared …} result lines. */
    static List<String> appendWorkload(EmbeddedLog log, String prefix, int count, int shared, Runnable afterFirstBatch) {
        List<String> sharedResults = new ArrayList<>();
        for (int i = 0, batchNo = 0; i < count; batchNo++) {
            List<NewRecord> batch = new ArrayList<>();
            String sharedId = batchNo < shared ? "shared-" + batchNo : null;
            if (sharedId != null) batch.add(LogFixtures.rec("shared-key-" + batchNo, sharedId, prefix + "-" + sharedId));
            for (int j = 0; j < 10 && i < count; j++, i++) {
                batch.add(LogFixtures.rec("key-" + (i % 16), prefix + "-" + i, prefix + "-" + i));
            }
            List<AppendResult> results = log.append(batch);
            if (sharedId != null) {
                AppendResult r = results.get(0);
                sharedResults.add("shared " + sharedId + " " + r.partition() + " " + r.offset() + " " + r.duplicate());
            }
            if (batchNo == 0) afterFirstBatch.run();
        }
        return sharedResults;
    }

    private static void crash(String[] args, PrintStream out) {
        LogConfig cfg = LogFixtures.config(Path.of(args[1]), Integer.parseInt(args[2])).withFsyncPolicy(FsyncPolicy.ALWAYS);
        EmbeddedLog log = EmbeddedLog.open(cfg);
        for (long i = 0; ; i += 5) {
            List<NewRecord> batch = new ArrayList<>();
            for (long j = i; j < i + 5; j++) batch.add(LogFixtures.rec("k-" + (j % 8), "c-" + j, "c-" + j));
            List<AppendResult> results = log.append(batch);
            StringBuilder acks = new StringBuilder();
            for (int j = 0; j < results.size(); j++) {
                AppendResult r = results.get(j);
                acks.append("acked ").append(r.partition()).append(' ').append(r.offset()).append(" c-").append(i + j).append('\n');
            }
            out.print(acks);
            out.flush();
        }
    }
}
