package io.ringwork.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs a JMH benchmark class with short, fixed settings (1 fork, 2 × 1 s warmup, 5 × 2 s
 * measurement) and prints a table of the median, min and max of the measurement iterations.
 * Medians, because the machines this runs on are shared and noisy.
 */
final class JmhTable {
    private JmhTable() {}

    /**
     * Runs the methods of {@code benchmarks} matching {@code methodRegex}. When {@code bytesPerOp}
     * is positive, also prints MB/s (score × bytesPerOp / 10^6).
     */
    static void run(Class<?> benchmarks, String methodRegex, int bytesPerOp) throws RunnerException {
        Options options = new OptionsBuilder()
                .include(benchmarks.getName() + "\\.(" + methodRegex + ")$")
                .forks(1)
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(2))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        print(results, bytesPerOp);
    }

    private static void print(Collection<RunResult> results, int bytesPerOp) {
        System.out.println();
        System.out.printf("%-24s %-28s %12s %12s %12s %8s %s%n", "benchmark", "params", "median", "min", "max",
                bytesPerOp > 0 ? "MB/s" : "", "unit");
        for (RunResult run : results) {
            for (BenchmarkResult b : run.getBenchmarkResults()) {
                List<Double> scores = new ArrayList<>();
                for (IterationResult it : b.getIterationResults()) scores.add(it.getPrimaryResult().getScore());
                scores.sort(null);
                double median = scores.get(scores.size() / 2);
                String name = b.getParams().getBenchmark();
                String params = b.getParams().getParamsKeys().stream()
                        .map(k -> k + "=" + b.getParams().getParam(k)).collect(Collectors.joining(","));
                System.out.printf("%-24s %-28s %12.0f %12.0f %12.0f %8s %s%n",
                        name.substring(name.lastIndexOf('.') + 1), params, median, scores.get(0),
                        scores.get(scores.size() - 1),
                        bytesPerOp > 0 ? String.format("%.1f", median * bytesPerOp / 1e6) : "",
                        b.getPrimaryResult().getScoreUnit());
            }
        }
    }
}
