package io.ringwork.sim.cluster;

import io.ringwork.core.log.RecordLog;
import io.ringwork.core.log.RecordLogContract;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.gluer.GluerProcessor;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** The log contract on the simulator's log, through the view the contract needs ({@link SimLog#asRecordLog}). */
class SimLogContractTest extends RecordLogContract {
    @Override
    protected RecordLog newLog(int partitions) {
        AtomicLong clock = new AtomicLong(1_000);
        return new SimLog(partitions, new RecordApplier(new ProcessorRegistry(List.of(new GluerProcessor()))))
                .asRecordLog(clock::incrementAndGet);
    }

    @Override
    protected boolean awaitBlocks() {
        return false;
    }
}
