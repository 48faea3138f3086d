package io.ringwork.runtime.log.kafka;

import io.ringwork.core.log.RecordLog;
import io.ringwork.core.log.RecordLogContract;

/** The log contract on Kafka: the in-process broker of the test JVM, a new topic per test. */
class KafkaRecordLogContractTest extends RecordLogContract {
    @Override
    protected RecordLog newLog(int partitions) {
        KafkaTestBroker broker = KafkaTestBroker.shared();
        return KafkaRecordLog.open(KafkaLogConfig.defaults(broker.bootstrap(), broker.newTopic("contract", partitions), "contract"));
    }
}
