package io.ringwork.bench.peers;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.RecentIds;
import io.ringwork.core.record.VersionedState;
import io.ringwork.core.processing.JsonStateCodec;
import io.ringwork.runtime.log.kafka.KafkaRecordCodec;
import io.ringwork.runtime.node.Processors;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * One Kafka Streams instance of the peers bench, run as its own process so the bench can SIGKILL
 * it by PID. The topology is the gluer as a Kafka Streams user would write it: the input topic
 * (ringwork's record format: {@link KafkaRecordCodec}), a persistent (RocksDB, changelogged)
 * key-value store holding each key's state, and for every input record one output record to the
 * output topic: the key's document after it (null when absent or deleted), the input's headers, and
 * {@value #POSITION_HEADER}. The state changes through ringwork's own
 * {@link RecordApplier}, so both sides run the same patch code and the bench compares the
 * frameworks. The applier's version check uses the input offset: a record replayed after a
 * failover under at-least-once is skipped instead of applied twice, so the final documents can be
 * checked against the fold under both guarantees.
 *
 * <p>Settings are Kafka Streams' defaults but for the processing guarantee, the standby count and
 * the output producer's {@code linger.ms} (5, as ringwork's changes-topic producer; Kafka Streams'
 * own default of 100 would add up to 100 ms to every latency).
 *
 * <p>Usage: {@code KafkaStreamsPeer BOOTSTRAP INPUT OUTPUT APPLICATION_ID GUARANTEE STATE_DIR STANDBYS}.
 * Prints {@code state RUNNING} and the like as the instance changes state, and
 * {@code tasks active=0,3 standby=1} when the partitions it processes change.
 */
public final class KafkaStreamsPeer {
    static final String STORE = "gluer-documents";
    /** On every output record: the input record's partition (int) and offset (long). */
    static final String POSITION_HEADER = "bench.position";

    private KafkaStreamsPeer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: KafkaStreamsPeer BOOTSTRAP INPUT OUTPUT APPLICATION_ID GUARANTEE STATE_DIR STANDBYS");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[4]);
        props.put(StreamsConfig.STATE_DIR_CONFIG, Path.of(args[5]).toAbsolutePath().toString());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, Integer.parseInt(args[6]));
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()));
        builder.stream(args[1], Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .process(GluerAggregate::new, STORE)
                .to(args[2], Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            System.out.println("state " + now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
        streams.start();
        // Which input partitions this instance processes, printed when that changes: the bench
        // kills an instance that has some, and times the failover of those.
        String printed = "";
        while (!stopped.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (streams.state() != KafkaStreams.State.RUNNING) continue;
            java.util.TreeSet<Integer> active = new java.util.TreeSet<>();
            java.util.TreeSet<Integer> standby = new java.util.TreeSet<>();
            streams.metadataForLocalThreads().forEach(thread -> {
                thread.activeTasks().forEach(task -> active.add(task.taskId().partition()));
                thread.standbyTasks().forEach(task -> standby.add(task.taskId().partition()));
            });
            String line = "tasks active=" + join(active) + " standby=" + join(standby);
            if (!line.equals(printed)) System.out.println(line);
            printed = line;
        }
        System.exit(streams.state() == KafkaStreams.State.ERROR ? 1 : 0);
    }

    private static String join(java.util.Set<Integer> partitions) {
        return partitions.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    /**
     * The per-key aggregate: reads the key's stored state, applies the record with ringwork's
     * applier, stores the new state and forwards the key's document.
     */
    static final class GluerAggregate implements Processor<byte[], byte[], byte[], byte[]> {
        private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(Processors.load()));
        private ProcessorContext<byte[], byte[]> context;
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            if (record.key() == null || record.key().length == 0) return; // no place in a keyed aggregate, as in ringwork
            RecordMetadata metadata = context.recordMetadata().orElseThrow();
            String key = new String(record.key(), StandardCharsets.UTF_8);
            String type = header(record, KafkaRecordCodec.TYPE_HEADER);
            String id = header(record, KafkaRecordCodec.ID_HEADER);
            byte[] data = record.value() == null ? "null".getBytes(StandardCharsets.UTF_8) : record.value();
            VersionedState current = decode(applier, store.get(key));
            ApplyOutcome outcome = applier.apply(current, new io.ringwork.core.record.Record(metadata.partition(), metadata.offset(), key,
                    type == null ? KafkaRecordCodec.DEFAULT_TYPE : type, id, record.timestamp(), data));
            store.put(key, encode(outcome.state()));
            JsonNode doc = applier.toJson(outcome.state());
            ByteBuffer at = ByteBuffer.allocate(12).putInt(metadata.partition()).putLong(metadata.offset());
            // The input's headers (type, id) travel on; the position lets the bench tell when all is applied.
            Record<byte[], byte[]> result = record.withValue(doc == null ? null : JsonStateCodec.INSTANCE.encode(doc));
            result.headers().add(POSITION_HEADER, at.array());
            context.forward(result);
        }

        private static String header(Record<byte[], byte[]> record, String name) {
            Header header = record.headers().lastHeader(name);
            return header == null || header.value() == null || header.value().length == 0
                    ? null : new String(header.value(), StandardCharsets.UTF_8);
        }

        /** version, tombstone, processor name (or -1), encoded state (or -1), the recent ids. */
        static byte[] encode(VersionedState state) {
            byte[] processor = state.processor() == null ? null : state.processor().getBytes(StandardCharsets.UTF_8);
            byte[] encoded = state.encoded();
            ByteBuffer buffer = ByteBuffer.allocate(8 + 1 + 4 + (processor == null ? 0 : processor.length) + 4
                    + (encoded == null ? 0 : encoded.length) + state.ids().encodedLength());
            buffer.putLong(state.version()).put((byte) (state.tombstone() ? 1 : 0));
            buffer.putInt(processor == null ? -1 : processor.length);
            if (processor != null) buffer.put(processor);
            buffer.putInt(encoded == null ? -1 : encoded.length);
            if (encoded != null) buffer.put(encoded);
            state.ids().writeTo(buffer);
            return buffer.array();
        }

        static VersionedState decode(RecordApplier applier, byte[] stored) {
            if (stored == null) return VersionedState.ABSENT;
            ByteBuffer buffer = ByteBuffer.wrap(stored);
            long version = buffer.getLong();
            boolean tombstone = buffer.get() == 1;
            int processorLength = buffer.getInt();
            String processor = null;
            if (processorLength >= 0) {
                byte[] name = new byte[processorLength];
                buffer.get(name);
                processor = new String(name, StandardCharsets.UTF_8);
            }
            int encodedLength = buffer.getInt();
            byte[] encoded = null;
            if (encodedLength >= 0) {
                encoded = new byte[encodedLength];
                buffer.get(encoded);
            }
            RecentIds ids = RecentIds.readFrom(buffer);
            return applier.decode(version, processor, tombstone, encoded, ids);
        }
    }
}
