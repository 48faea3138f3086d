package io.ringwork.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.client.RingworkClient;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ringwork produce}: send a JSONL file of envelopes, or a generated gluer workload, to a node. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Append records to the log through a node: from a JSONL file of envelopes, or generated.")
final class ProduceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--node", defaultValue = "http://127.0.0.1:8080", description = "a node's HTTP URL (default ${DEFAULT-VALUE})") String node;
    @Option(names = "--token", paramLabel = "SECRET", description = "API token (default: $RINGWORK_TOKEN)") String token;
    @Option(names = "--cacert", paramLabel = "FILE", description = "for an https --node: trust the CA certificate(s) in this PEM file (default: the Java runtime's trust store)") java.nio.file.Path cacert;
    @Option(names = "--batch", defaultValue = "1000", description = "records per request (default ${DEFAULT-VALUE})") int batch;

    @ArgGroup(multiplicity = "1") Source source;

    static final class Source {
        @Option(names = "--file", paramLabel = "FILE", description = "JSONL: one {\"key\",\"type\",\"id\",\"data\"} per line") Path file;
        @Option(names = "--generate", paramLabel = "N", description = "generate N gluer pieces") Long generate;
    }

    @Mixin WorkloadOptions workloadOptions;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || batch > 100_000) throw new IllegalArgumentException("--batch must be in [1, 100000]");
        RingworkClient client = RingworkClient.forCommandLine(node, token, cacert);
        return source.file != null ? fromFile(client) : generated(client);
    }

    private int generated(RingworkClient client) throws Exception {
        GluerWorkload workload = workloadOptions.workload(source.generate);
        Progress progress = new Progress(System.err, "records", source.generate);
        long sent = 0;
        long duplicates = 0;
        while (workload.hasNext()) {
            List<NewRecord> records = workload.next(batch);
            duplicates += countDuplicates(client.produce(records));
            sent += records.size();
            progress.update(sent);
        }
        progress.finish(sent);
        report(sent, duplicates, progress.elapsedSeconds());
        return 0;
    }

    private int fromFile(RingworkClient client) throws Exception {
        long lines = 0;
        try (var stream = Files.lines(source.file, StandardCharsets.UTF_8)) {
            lines = stream.filter(l -> !l.isBlank()).count();
        }
        Progress progress = new Progress(System.err, "records", lines);
        long sent = 0;
        long duplicates = 0;
        long lineNumber = 0;
        List<NewRecord> records = new ArrayList<>(batch);
        try (BufferedReader reader = Files.newBufferedReader(source.file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) continue;
                try {
                    records.add(envelope(line, lineNumber));
                } catch (IllegalArgumentException e) {
                    progress.finish(sent);
                    throw new IllegalArgumentException(e.getMessage() + " (stopped there; the " + sent
                            + " records before it were sent and stay in the log)");
                }
                if (records.size() == batch) {
                    duplicates += countDuplicates(client.produce(records));
                    sent += records.size();
                    records.clear();
                    progress.update(sent);
                }
            }
        }
        if (!records.isEmpty()) {
            duplicates += countDuplicates(client.produce(records));
            sent += records.size();
        }
        progress.finish(sent);
        report(sent, duplicates, progress.elapsedSeconds());
        return 0;
    }

    private NewRecord envelope(String line, long lineNumber) {
        try {
            JsonNode node = JSON.readTree(line);
            if (!node.isObject() || !node.path("key").isTextual() || !node.path("type").isTextual()) {
                throw new IllegalArgumentException("line " + lineNumber + ": needs an object with string \"key\" and \"type\"");
            }
            String id = node.path("id").isTextual() ? node.get("id").asText() : null;
            return new NewRecord(node.get("key").asText(), node.get("type").asText(), id,
                    JSON.writeValueAsBytes(node.has("data") ? node.get("data") : JSON.nullNode()));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("line " + lineNumber + ": malformed JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static long countDuplicates(JsonNode results) {
        long n = 0;
        for (JsonNode r : results) if (r.path("duplicate").asBoolean(false)) n++;
        return n;
    }

    private static void report(long sent, long duplicates, double seconds) {
        System.out.printf("produced %,d records (%,d duplicates not appended again) in %.2f s: %,.0f records/s%n",
                sent, duplicates, seconds, sent / Math.max(seconds, 1e-9));
    }
}
