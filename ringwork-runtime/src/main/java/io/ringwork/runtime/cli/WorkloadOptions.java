package io.ringwork.runtime.cli;

import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.workload.GluerWorkload;
import io.ringwork.runtime.node.Processors;
import picocli.CommandLine.Option;

/** The seeded gluer workload's options, shared by {@code demo} (in the harness) and {@code produce}. */
public final class WorkloadOptions {
    @Option(names = "--seed", defaultValue = "42", description = "workload seed (default ${DEFAULT-VALUE})") public long seed;
    @Option(names = "--tenants", defaultValue = "10", description = "tenants (default ${DEFAULT-VALUE})") public int tenants;
    @Option(names = "--docs", defaultValue = "1000", description = "documents per tenant (default ${DEFAULT-VALUE})") public int docs;
    @Option(names = "--invalid", defaultValue = "0.005", description = "share of invalid pieces (default ${DEFAULT-VALUE})") public double invalid;

    /** A workload of {@code pieces} pieces that folds, as it goes, into the expected documents. */
    public GluerWorkload workload(long pieces) {
        return new GluerWorkload(new GluerWorkload.Config(seed, tenants, docs, pieces, invalid),
                new SequentialFold(new RecordApplier(new ProcessorRegistry(Processors.load()), Limits.DEFAULT)));
    }
}
