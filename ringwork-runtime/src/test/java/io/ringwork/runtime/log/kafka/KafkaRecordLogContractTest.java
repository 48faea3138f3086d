package io.ringwork.runtime.log.kafka;

import io.ringwork.core.log.RecordLog;
import io.ringwork.core.log.RecordLogContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The log contract on Kafka: one in-process broker for the class, a new topic per test. */
class KafkaRecordLogContractTest extends RecordLogContract {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private static KafkaTestBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @Override
    protected RecordLog newLog(int partitions) {
        String topic = "contract-" + TOPICS.incrementAndGet();
        broker.createTopic(topic, partitions);
        return KafkaRecordLog.open(KafkaLogConfig.defaults(broker.bootstrap(), topic, "contract"));
    }
}
