package io.ringwork.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.health.HealthFarm;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ringwork health import|list|farm}: the health checker from the command line. */
@Command(name = "health", mixinStandardHelpOptions = true, description = "Register, list and test health check targets.",
        subcommands = {HealthCommand.Import.class, HealthCommand.ListTargets.class, HealthCommand.Farm.class})
final class HealthCommand {
    /** Targets per request of an import: a request stays well under the node's body limit. */
    static final int IMPORT_BATCH = 2_000;

    static class Connection {
        @Option(names = "--node", defaultValue = "http://127.0.0.1:8080", description = "a node's HTTP URL (default ${DEFAULT-VALUE})") String node;
        @Option(names = "--token", paramLabel = "SECRET", description = "API token (default: $RINGWORK_TOKEN)") String token;
        @Option(names = "--cacert", paramLabel = "FILE", description = "for an https --node: trust the CA certificate(s) in this PEM file") Path cacert;

        RingworkClient client() throws java.io.IOException {
            return RingworkClient.forCommandLine(node, token, cacert);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Register the targets of an NDJSON file (one target with its \"id\" per line), with progress.")
    static final class Import extends Connection implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "NDJSON targets; - for stdin") String file;

        @Override
        public Integer call() throws Exception {
            RingworkClient client = client();
            long lines;
            try (var counted = reader()) {
                lines = counted.lines().filter(line -> !line.isBlank()).count();
            }
            Progress progress = new Progress(System.err, "targets", lines);
            long registered = 0;
            int lineNumber = 0, batchStart = 1;
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            int inBatch = 0;
            try (BufferedReader in = reader()) {
                for (String line; (line = in.readLine()) != null; ) {
                    lineNumber++;
                    if (line.isBlank()) continue;
                    if (inBatch == 0) batchStart = lineNumber;
                    batch.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
                    if (++inBatch == IMPORT_BATCH) {
                        registered += send(client, batch, batchStart);
                        batch.reset();
                        inBatch = 0;
                        progress.update(registered);
                    }
                }
            }
            if (inBatch > 0) registered += send(client, batch, batchStart);
            progress.finish(registered);
            System.out.printf("registered %,d targets%n", registered);
            return 0;
        }

        private BufferedReader reader() throws java.io.IOException {
            if (file.equals("-")) throw new IllegalArgumentException("import reads a file twice (to count it): give a path, not -");
            return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
        }

        /** Posts one batch; a refused line is reported with its line number in the file. */
        private static long send(RingworkClient client, ByteArrayOutputStream batch, int firstLine) throws Exception {
            try {
                return client.post("/v1/health/targets", "application/x-ndjson", batch.toByteArray()).path("registered").asLong();
            } catch (RingworkClient.ApiException e) {
                throw new IllegalArgumentException("the batch starting at line " + firstLine + " was refused (lines in the "
                        + "message count from there; earlier batches are registered): " + e.getMessage());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List targets as a node knows them, from its memory.")
    static final class ListTargets extends Connection implements Callable<Integer> {
        @Option(names = "--status", description = "healthy, unhealthy or unknown") String status;
        @Option(names = "--label", paramLabel = "KEY:VALUE", description = "only targets with this label") String label;

        @Override
        public Integer call() throws Exception {
            StringBuilder query = new StringBuilder();
            if (status != null) query.append("status=").append(RingworkClient.encodeKey(status));
            if (label != null) query.append(query.isEmpty() ? "" : "&").append("label=").append(RingworkClient.encodeKey(label));
            JsonNode answer = client().get("/v1/health" + (query.isEmpty() ? "" : "?" + query));
            JsonNode counts = answer.path("counts");
            System.out.printf("node %s: %d healthy, %d unhealthy, %d unknown%n", answer.path("node").asText(),
                    counts.path("healthy").asLong(), counts.path("unhealthy").asLong(), counts.path("unknown").asLong());
            System.out.printf("%-32s %-10s %-10s %8s  %s%n", "TARGET", "STATUS", "CHECKER", "LATENCY", "ERROR");
            for (JsonNode t : answer.path("targets")) {
                System.out.printf("%-32s %-10s %-10s %6dms  %s%n", t.path("id").asText(), t.path("status").asText(),
                        t.path("checker").asText(), t.path("latencyMs").asLong(), t.path("error").asText());
            }
            return 0;
        }
    }

    @Command(name = "farm", mixinStandardHelpOptions = true,
            description = "Serve many virtual targets on loopback for tests and benchmarks, counting the checks each receives.")
    static final class Farm implements Callable<Integer> {
        @Option(names = "--targets", defaultValue = "1000", description = "HTTP targets, GET /t/0 .. /t/N-1 (default ${DEFAULT-VALUE})") int targets;
        @Option(names = "--port", defaultValue = "0", description = "the HTTP port (default: a free one)") int port;
        @Option(names = "--tcp", defaultValue = "0", description = "TCP targets, one port each (default ${DEFAULT-VALUE})") int tcp;
        @Option(names = "--interval-ms", defaultValue = "10000", description = "intervalMs of the targets written by --write (default ${DEFAULT-VALUE})") long intervalMs;
        @Option(names = "--write", paramLabel = "FILE", description = "write the targets as NDJSON for 'ringwork health import'") Path write;

        @Override
        public Integer call() throws Exception {
            try (HealthFarm farm = new HealthFarm(targets, port, tcp)) {
                if (write != null) {
                    try (var out = Files.newBufferedWriter(write, StandardCharsets.UTF_8)) {
                        for (int n = 0; n < targets; n++) {
                            out.write("{\"id\":\"farm-" + n + "\",\"http\":\"" + farm.httpUrl() + "/t/" + n + "\",\"intervalMs\":" + intervalMs + "}\n");
                        }
                        for (int k = 0; k < tcp; k++) {
                            out.write("{\"id\":\"farm-tcp-" + k + "\",\"tcp\":\"" + farm.tcpAddress(k) + "\",\"intervalMs\":" + intervalMs + "}\n");
                        }
                    }
                }
                System.out.printf("farm of %,d HTTP targets at %s/t/N and %d TCP targets; control: %s/farm/stats, /farm/flip?from=A&to=B&healthy=false, /farm/reset%n",
                        targets, farm.httpUrl(), tcp, farm.httpUrl());
                System.out.flush();
                new CountDownLatch(1).await(); // until the process is stopped
            }
            return 0;
        }
    }
}
