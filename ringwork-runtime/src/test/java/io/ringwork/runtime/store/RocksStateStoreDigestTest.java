package io.ringwork.runtime.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.PartitionDigest;
import io.ringwork.core.store.DigestWorkload;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * The RocksDB store's incremental digest equals the scan after every kind of write and across
 * restarts, and a data directory written before digests were stored gets them computed at open.
 */
class RocksStateStoreDigestTest {
    static {
        RocksNative.load();
    }

    @TempDir Path dir;

    private static RocksStateStore open(Path directory) {
        return new RocksStateStore(directory, DigestWorkload.PARTITIONS, 1000, 1000);
    }

    /** With {@code recentHashes} entries of recently written keys' hashes: few, so keys fall out and are read again. */
    private static RocksStateStore open(Path directory, int recentHashes) {
        return new RocksStateStore(directory, DigestWorkload.PARTITIONS, 1000, 1000, recentHashes);
    }

    @Property(tries = 16)
    void digestEqualsTheScanAfterEveryWriteAndReopen(@ForAll long seed, @ForAll boolean fewRecentHashes) throws IOException {
        int recentHashes = fewRecentHashes ? 5 : 65_536;
        // jqwik does not inject JUnit's @TempDir into a property's tries.
        Path directory = Files.createTempDirectory("digest");
        DigestWorkload workload = new DigestWorkload(seed);
        RocksStateStore store = open(directory, recentHashes);
        try {
            for (int i = 0; i < 120; i++) {
                if (!workload.step(store, true)) {
                    store.close();
                    store = open(directory, recentHashes);
                    assertThat(store.digestStatesScannedAtOpen()).as("digests are read back, not recomputed").isEqualTo(-1);
                }
                workload.check(store);
            }
            store.close();
            store = open(directory, recentHashes);
            workload.check(store);
            assertThat(workload.nonEmptyChecks()).isPositive();
        } finally {
            store.close();
            deleteTree(directory);
        }
    }

    @Test
    void aStoreWrittenBeforeDigestsWereKeptComputesThemOnceAtOpen() throws RocksDBException {
        long[] expected = new long[DigestWorkload.PARTITIONS];
        int written = 0;
        try (RocksStateStore store = open(dir)) {
            assertThat(store.digestStatesScannedAtOpen()).as("a new store has nothing to compute").isZero();
            WriteSet set = new WriteSet();
            for (int p = 0; p < 3; p++) {
                for (int k = 0; k < 5; k++) {
                    set.putState(p, "p" + p + "-k" + k, new StoredState(k, "proc", false, new byte[] {(byte) k}));
                    written++;
                }
            }
            store.write(set);
            for (int p = 0; p < expected.length; p++) expected[p] = store.digest(p);
        }
        assertThat(expected[0]).isNotZero();
        forgetDigests(dir);

        try (RocksStateStore store = open(dir)) {
            assertThat(store.digestStatesScannedAtOpen()).isEqualTo(written);
            for (int p = 0; p < expected.length; p++) {
                assertThat(store.digest(p)).isEqualTo(expected[p]).isEqualTo(PartitionDigest.of(store, p));
            }
        }
        try (RocksStateStore store = open(dir)) {
            assertThat(store.digestStatesScannedAtOpen()).as("computed once, then kept").isEqualTo(-1);
            for (int p = 0; p < expected.length; p++) assertThat(store.digest(p)).isEqualTo(expected[p]);
        }
    }

    /** Makes {@code directory} look as an older version left it: no digest entries, no marker. */
    private static void forgetDigests(Path directory) throws RocksDBException {
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        try (Options options = new Options()) {
            for (byte[] name : RocksDB.listColumnFamilies(options, directory.toString())) descriptors.add(new ColumnFamilyDescriptor(name));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try (DBOptions options = new DBOptions(); RocksDB db = RocksDB.open(options, directory.toString(), descriptors, handles)) {
            ColumnFamilyHandle meta = handles.get(indexOf(descriptors, "meta"));
            int deleted = 0;
            try (RocksIterator it = db.newIterator(meta)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    String key = new String(it.key(), StandardCharsets.ISO_8859_1);
                    if (key.startsWith("digest/") || key.equals("digests-kept")) {
                        db.delete(meta, it.key());
                        deleted++;
                    }
                }
            }
            assertThat(deleted).as("the marker and three partitions' digests").isEqualTo(4);
            handles.forEach(ColumnFamilyHandle::close);
        }
    }

    private static int indexOf(List<ColumnFamilyDescriptor> descriptors, String name) {
        for (int i = 0; i < descriptors.size(); i++) {
            if (new String(descriptors.get(i).getName(), StandardCharsets.UTF_8).equals(name)) return i;
        }
        throw new AssertionError("no column family " + name);
    }

    private static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }
}
