package io.ringwork.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** scanPrefix gives only the prefix's keys, in order, after a key, at most a limit; on both stores. */
class ScanPrefixTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"rocks", "memory"})
    void onlyThePrefixsKeysInOrder(String kind) throws Exception {
        try (StateStore store = kind.equals("memory") ? new MemoryStateStore() : new RocksStateStore(dir.resolve("s"), 4, 1000, 1000)) {
            WriteSet set = new WriteSet();
            for (String key : List.of("kv/a", "session/1", "session/2", "session/3", "sessionx", "t0/c1", "t0/c2")) {
                set.putState(1, key, new StoredState(1, "kv", false, "{}".getBytes(StandardCharsets.UTF_8)));
            }
            set.putState(2, "session/other-partition", new StoredState(1, "kv", false, "{}".getBytes(StandardCharsets.UTF_8)));
            set.putCheckpoint(1, 10);
            set.putCheckpoint(2, 10);
            store.write(set);
            assertThat(keys(store.scanPrefix(1, "session/", null, 100))).containsExactly("session/1", "session/2", "session/3");
            assertThat(keys(store.scanPrefix(1, "session/", "session/1", 100))).containsExactly("session/2", "session/3");
            assertThat(keys(store.scanPrefix(1, "session/", null, 2))).containsExactly("session/1", "session/2");
            assertThat(keys(store.scanPrefix(1, "session/", "session/3", 100))).isEmpty();
            assertThat(keys(store.scanPrefix(1, "health/", null, 100))).isEmpty();
            assertThat(keys(store.scanPrefix(1, "t0/", null, 100))).containsExactly("t0/c1", "t0/c2");
            assertThat(keys(store.scanPrefix(2, "session/", null, 100))).containsExactly("session/other-partition");
        }
    }

    private static List<String> keys(List<WriteSet.StateWrite> writes) {
        return writes.stream().map(WriteSet.StateWrite::key).toList();
    }
}
