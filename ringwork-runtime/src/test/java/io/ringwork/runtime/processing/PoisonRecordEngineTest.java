package io.ringwork.runtime.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.id.Partitioner;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.resource.ResourceProcessor;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.store.RocksStateStore;
import io.ringwork.runtime.testing.InMemoryRecordLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records that used to stop a node for good (each crashed the engine, and the replay after a
 * restart crashed it again) now go to the dead letters while the engine carries on with later
 * records of the same key and of others, and a restart over the same log, with the state kept or
 * lost, replays them without failing. RocksDB stores the dead letters, so their encoding is the
 * real one.
 */
class PoisonRecordEngineTest {
    private static final int PARTITIONS = 4;
    private static final String LONG_KEY = "t/" + "k".repeat(69_998);

    @TempDir Path dir;
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(
            new GluerProcessor(), new ResourceProcessor())));
    private final InMemoryRecordLog log = new InMemoryRecordLog(PARTITIONS);
    private final List<DeadLetter> dead = new ArrayList<>();
    private RocksStateStore store;
    private ProcessingEngine engine;

    private void start(String storeDir) {
        store = new RocksStateStore(dir.resolve(storeDir), PARTITIONS, 1000, 1000);
        engine = new ProcessingEngine(EngineConfig.defaults(), log, store, applier, (changes, deadLetters, skipped) -> {
            synchronized (dead) {
                dead.addAll(deadLetters);
            }
        }, "test");
        for (int p = 0; p < PARTITIONS; p++) engine.startPartition(p);
    }

    private void stop() {
        if (engine != null) engine.close();
        if (store != null) store.close();
        engine = null;
        store = null;
    }

    @AfterEach
    void close() {
        stop();
    }

    private void awaitCheckpointsAtEnd() {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            assertThat(engine.failure()).isNull();
            for (int p = 0; p < PARTITIONS; p++) if (store.checkpoint(p) != log.endOffset(p) - 1) return false;
            return true;
        });
    }

    private static NewRecord rec(String key, String type, String json) {
        return new NewRecord(key, type, null, json.getBytes(StandardCharsets.UTF_8));
    }

    private String json(String key) {
        StoredState state = store.get(new Partitioner(PARTITIONS).partitionOf(key), key);
        return state == null || state.value() == null ? null : new String(state.value(), StandardCharsets.UTF_8);
    }

    private static List<NewRecord> poisonThenOrdinary() {
        String chain = "{\"a\":".repeat(90) + "{}" + "}".repeat(90);
        String deeper = "[{\"op\":\"add\",\"path\":\"" + "/a".repeat(90) + "/b\",\"value\":" + chain + "}]";
        StringBuilder bomb = new StringBuilder("[");
        for (int i = 0; i < 22; i++) bomb.append(i == 0 ? "" : ",").append("{\"op\":\"copy\",\"from\":\"\",\"path\":\"/c" + i + "\"}");
        return List.of(
                rec("t/deep", "gluer.put", chain),
                rec("t/deep", "gluer.patch", deeper),                         // depth pill
                rec(LONG_KEY, "gluer.put", "{}"),                              // key pill
                rec("t/bomb", "gluer.put", "{\"s\":\"" + "x".repeat(1000) + "\"}"),
                rec("t/bomb", "gluer.patch", bomb.append(']').toString()),   // copy bomb
                rec("t/deep", "gluer.merge", "{\"after\":1}"),
                rec("t/bomb", "gluer.merge", "{\"after\":2}"),
                rec("r/1", "resource.create", "{\"other\":true}"));
    }

    @Test
    void poisonRecordsAreDeadLettersAndEverythingAfterThemApplies() {
        start("state");
        for (NewRecord record : poisonThenOrdinary()) log.append(List.of(record));
        awaitCheckpointsAtEnd();

        assertThat(dead).hasSize(3);
        assertThat(json("t/deep")).contains("\"after\":1").doesNotContain("\"b\"");
        assertThat(json("t/bomb")).contains("\"after\":2").doesNotContain("\"c0\"");
        assertThat(json("r/1")).isEqualTo("{\"other\":true}");
        List<DeadLetter> stored = store.deadLetters(letter -> true, 100);
        assertThat(stored).extracting(DeadLetter::reason).anySatisfy(r -> assertThat(r).contains("limit of 100 levels"))
                .anySatisfy(r -> assertThat(r).contains("the key is 70000 bytes"))
                .anySatisfy(r -> assertThat(r).contains("limit of 1048576 bytes"));
        // The long key is stored cut at 1,024 bytes, with its length.
        assertThat(stored).extracting(DeadLetter::key).contains("t/" + "k".repeat(1022) + "…(70000 bytes)");

        // A restart over the same store and log, then more records of the same keys.
        stop();
        start("state");
        log.append(List.of(rec("t/deep", "gluer.merge", "{\"later\":3}"), rec("t/bomb", "gluer.delete", "null")));
        awaitCheckpointsAtEnd();
        assertThat(json("t/deep")).contains("\"later\":3");
        assertThat(json("t/bomb")).isNull();
    }

    /** The state is lost (or the crash came before the checkpoint): the log replays the poison, and it is rejected again. */
    @Test
    void replayingThePoisonFromTheStartOfTheLogDoesNotFail() {
        start("first");
        for (NewRecord record : poisonThenOrdinary()) log.append(List.of(record));
        awaitCheckpointsAtEnd();
        String deep = json("t/deep");
        stop();
        dead.clear();

        start("second");
        awaitCheckpointsAtEnd();
        assertThat(dead).hasSize(3);
        assertThat(json("t/deep")).isEqualTo(deep);
    }
}
