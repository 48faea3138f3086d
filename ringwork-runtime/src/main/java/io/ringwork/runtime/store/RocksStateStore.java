package io.ringwork.runtime.store;

import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.record.Change;
import io.ringwork.core.store.ReplicatedWrite;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StateDigest;
import io.ringwork.core.store.StagedChange;
import io.ringwork.core.store.StagedChanges;
import io.ringwork.core.store.StateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.store.WriteSet;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node state in RocksDB. Column families: {@code default} holds key states under
 * {@code partition (2 bytes) + utf8(key)}; {@code meta} the checkpoints, the feed's end, the
 * highest term seen per partition ({@code term/ + partition (2)}: epoch (8) + utf8(node)) and the
 * partitions' digests ({@code digest/ + partition (2)}: the sum (8) that {@link #digest} returns,
 * written in the batch of every write that changes a state; {@code digests-kept} marks a store
 * that keeps them, and one opened without it, written by an older version, computes them once);
 * {@code changes} the change feed under its position (8 bytes); {@code dead} the dead letters under
 * {@code partition (2) + offset (8)}; {@code fed} the highest version an observer fed per key
 * (a node that holds no state of the key's partition), under the state key; {@code staged} the
 * changes written with their commits but not yet known durable, under {@code partition (2) +
 * staging id (8)}: epoch (8), commit number (8), node length (4), utf8(node), the change. A
 * promotion moves them to {@code changes} in one batch. What is staged is also indexed in memory
 * (key and version, not the change), rebuilt on open: it is at most what is in flight. All big-endian, so iteration runs in position or
 * partition-then-offset order.
 *
 * <p>Writes go through the write-ahead log without fsync: a killed process loses nothing the OS
 * already has, and a lost tail after a machine crash is consistent (states, changes and
 * checkpoints are in one batch) and re-derived from the record log. Terms are the exception:
 * {@link #writeTerm} syncs the write-ahead log before it returns (one fsync per term change of a
 * partition, rare: a start or a new owner), because a term is a promise to other members, not data
 * the log can re-derive. A machine crash therefore never loses a term this node answered or led
 * under, and the sync also makes every earlier write durable. (Without it, a machine crash could
 * lose a term with the tail and the restarted node could lead a term it had used: finding 11.)
 * Retention keeps the last
 * {@code changesRetained} changes of the feed and the dead letters of the last
 * {@code deadLettersRetainedPerPartition} offsets of each partition. Thread-safe.
 */
public final class RocksStateStore implements StateStore {
    static {
        RocksNative.load();
    }

    private static final byte[] CHECKPOINT_PREFIX = "ckpt/".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FEED_END_KEY = "feed-end".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HIGH_PREFIX = "high/".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TERM_PREFIX = "term/".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FLOOR_PREFIX = "fed-floor/".getBytes(StandardCharsets.UTF_8);
    private static final byte[] GAP_PREFIX = "feed-gap/".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DIGEST_PREFIX = "digest/".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DIGESTS_KEPT_KEY = "digests-kept".getBytes(StandardCharsets.UTF_8);
    private static final Logger LOG = LoggerFactory.getLogger(RocksStateStore.class);
    private static final long TRIM_STEP = 4096;

    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions cfOptions;
    private final LRUCache blockCache;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final ColumnFamilyHandle states;
    private final ColumnFamilyHandle meta;
    private final ColumnFamilyHandle changes;
    private final ColumnFamilyHandle dead;
    private final ColumnFamilyHandle fed;
    private final ColumnFamilyHandle staged;
    /** Per partition, what {@code staged} holds, in staging order (changes without their value); under the monitor. */
    private final List<List<StagedChange>> stagedIndex;
    /** Per partition, the next staging id; under the monitor. */
    private final long[] nextStagedId;
    /** Per partition, the highest state version written; guarded by this store's monitor for writes. */
    private final long[] highs;
    /** Per partition, the fed floor ({@link #fedFloor}) and the feed's snapshot jump ({@link #feedGap}); written under the monitor. */
    private final java.util.concurrent.atomic.AtomicLongArray fedFloors;
    private final java.util.concurrent.atomic.AtomicLongArray feedGaps;
    /**
     * Per partition, the sum of {@link StateDigest#hash} over its states, as stored under
     * {@code digest/}; set under the monitor after the batch that changed it, read without it.
     */
    private final AtomicLongArray digests;
    /** States read at open to compute the digests of an older store, or -1 when they were stored. */
    private final long digestStatesScannedAtOpen;
    /**
     * What each recently written key adds to its partition's digest ({@link StateDigest#hash} of
     * its state, 0 for none), so an engine commit reads only the replaced states of keys not
     * written lately: a multiGet of every key of every commit cost a measured 18-26 % of the
     * write path (the gluer benchmark's live runs). At most {@link #digestCacheEntries} entries
     * (65,536: a few MB with short keys, about 75 MB if every key had the 1 KiB maximum; the key
     * strings are mostly those the engine's key cache holds anyway), least recently used out;
     * written after each batch, under the monitor, like the digests themselves.
     */
    private final java.util.LinkedHashMap<PartitionKey, Long> recentHashes;
    private final int digestCacheEntries;
    private volatile long feedEnd;
    /** Told, under this store's monitor, of the changes each replicated write added to the feed. */
    private volatile java.util.function.Consumer<List<FeedEntry>> replicatedFeedListener = entries -> {};
    /** Partitions with entries in {@code fed} (1), read on the engine's commit path without the monitor. */
    private final java.util.concurrent.atomic.AtomicIntegerArray fedPartitions;
    private final WriteOptions writeOptions = new WriteOptions().setSync(false);
    private final WriteOptions termWriteOptions = new WriteOptions().setSync(true);
    /** Orders term writes (read, compare, write) without holding the store's monitor over the fsync. */
    private final Object termLock = new Object();
    private final long changesRetained;
    private final long deadRetained;
    private final AtomicLongArray trimmedDeadBelow;
    private volatile long trimmedChangesBelow;

    /**
     * @param directory                       created if missing
     * @param partitionCount                  partitions of the log this node processes
     * @param changesRetained                 changes kept in the feed for replay (0: keep none)
     * @param deadLettersRetainedPerPartition offsets of dead letters kept per partition
     */
    public RocksStateStore(Path directory, int partitionCount, long changesRetained,
                           long deadLettersRetainedPerPartition) {
        this(directory, partitionCount, changesRetained, deadLettersRetainedPerPartition, 65_536);
    }

    /** @param digestCacheEntries keys whose digest hash is kept in memory (see {@link #recentHashes}); tests make it small */
    RocksStateStore(Path directory, int partitionCount, long changesRetained, long deadLettersRetainedPerPartition,
                    int digestCacheEntries) {
        this.digestCacheEntries = digestCacheEntries;
        this.recentHashes = new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PartitionKey, Long> eldest) {
                return size() > RocksStateStore.this.digestCacheEntries;
            }
        };
        this.changesRetained = changesRetained;
        this.deadRetained = deadLettersRetainedPerPartition;
        this.trimmedDeadBelow = new AtomicLongArray(partitionCount);
        try {
            Files.createDirectories(directory);
            blockCache = new LRUCache(64L << 20);
            cfOptions = new ColumnFamilyOptions()
                    .setCompressionType(CompressionType.LZ4_COMPRESSION)
                    .setWriteBufferSize(32L << 20)
                    .setTableFormatConfig(new BlockBasedTableConfig()
                            .setBlockCache(blockCache)
                            .setFilterPolicy(new BloomFilter(10, false)));
            dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
                    .setMaxBackgroundJobs(2).setKeepLogFileNum(3);
            List<ColumnFamilyDescriptor> descriptors = List.of(
                    new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions),
                    new ColumnFamilyDescriptor(bytes("meta"), cfOptions),
                    new ColumnFamilyDescriptor(bytes("changes"), cfOptions),
                    new ColumnFamilyDescriptor(bytes("dead"), cfOptions),
                    new ColumnFamilyDescriptor(bytes("fed"), cfOptions),
                    new ColumnFamilyDescriptor(bytes("staged"), cfOptions));
            db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
        } catch (RocksDBException | java.io.IOException e) {
            throw new StoreException("cannot open the state store in " + directory + ": " + e.getMessage(), e);
        }
        states = handles.get(0);
        meta = handles.get(1);
        changes = handles.get(2);
        dead = handles.get(3);
        fed = handles.get(4);
        staged = handles.get(5);
        stagedIndex = new ArrayList<>(partitionCount);
        for (int p = 0; p < partitionCount; p++) stagedIndex.add(new ArrayList<>());
        nextStagedId = new long[partitionCount];
        highs = new long[partitionCount];
        fedPartitions = new java.util.concurrent.atomic.AtomicIntegerArray(partitionCount);
        Arrays.fill(highs, -1);
        fedFloors = new java.util.concurrent.atomic.AtomicLongArray(partitionCount);
        feedGaps = new java.util.concurrent.atomic.AtomicLongArray(partitionCount);
        try {
            for (int p = 0; p < partitionCount; p++) {
                byte[] value = db.get(meta, highKey(p));
                if (value != null) highs[p] = ByteBuffer.wrap(value).getLong();
                byte[] floor = db.get(meta, partitionKey(FLOOR_PREFIX, p));
                fedFloors.set(p, floor == null ? -1 : ByteBuffer.wrap(floor).getLong());
                byte[] gap = db.get(meta, partitionKey(GAP_PREFIX, p));
                feedGaps.set(p, gap == null ? -1 : ByteBuffer.wrap(gap).getLong());
            }
            try (RocksIterator it = db.newIterator(fed)) {
                for (int p = 0; p < partitionCount; p++) {
                    byte[] prefix = ByteBuffer.allocate(2).putShort((short) p).array();
                    it.seek(prefix);
                    if (it.isValid() && it.key().length >= 2 && it.key()[0] == prefix[0] && it.key()[1] == prefix[1]) fedPartitions.set(p, 1);
                }
            }
            try (RocksIterator it = db.newIterator(staged)) {
                // Staged changes survive a restart: they wait, as before it, for a word that covers them.
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    ByteBuffer key = ByteBuffer.wrap(it.key());
                    int p = key.getShort() & 0xFFFF;
                    long id = key.getLong();
                    if (p >= partitionCount) continue;
                    StagedChange entry = decodeStaged(id, it.value());
                    stagedIndex.get(p).add(indexed(entry));
                    nextStagedId[p] = id + 1;
                }
            }
            byte[] end = db.get(meta, FEED_END_KEY);
            feedEnd = end == null ? 0L : ByteBuffer.wrap(end).getLong();
            digests = new AtomicLongArray(partitionCount);
            digestStatesScannedAtOpen = loadDigests(directory, partitionCount);
        } catch (RocksDBException e) {
            throw new StoreException("cannot read the state store's metadata: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the stored digests; a store without them (written before digests were kept) computes
     * them once by reading every state, and stores them with the marker in one batch. Returns the
     * states read, or -1 when the digests were stored.
     */
    private long loadDigests(Path directory, int partitionCount) throws RocksDBException {
        if (db.get(meta, DIGESTS_KEPT_KEY) != null) {
            for (int p = 0; p < partitionCount; p++) {
                byte[] value = db.get(meta, partitionKey(DIGEST_PREFIX, p));
                digests.set(p, value == null ? 0 : ByteBuffer.wrap(value).getLong());
            }
            return -1;
        }
        long startedNs = System.nanoTime();
        long[] sums = new long[partitionCount];
        long read = 0;
        try (RocksIterator it = db.newIterator(states)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                byte[] key = it.key();
                int p = ByteBuffer.wrap(key).getShort() & 0xFFFF;
                if (p >= partitionCount) continue;
                sums[p] += StateDigest.hash(new String(key, 2, key.length - 2, StandardCharsets.UTF_8), it.value());
                read++;
            }
        }
        try (WriteBatch batch = new WriteBatch()) {
            for (int p = 0; p < partitionCount; p++) {
                if (sums[p] != 0) batch.put(meta, partitionKey(DIGEST_PREFIX, p), ByteBuffer.allocate(8).putLong(sums[p]).array());
                digests.set(p, sums[p]);
            }
            batch.put(meta, DIGESTS_KEPT_KEY, new byte[] {1});
            db.write(writeOptions, batch);
        }
        if (read > 0) {
            LOG.info("state store {}: no stored partition digests (written by an older version); computed them from {} states in {} ms",
                    directory, read, (System.nanoTime() - startedNs) / 1_000_000);
        }
        return read;
    }

    /** States read at open to compute the digests of a store written before they were kept, or -1 when they were stored. */
    public long digestStatesScannedAtOpen() {
        return digestStatesScannedAtOpen;
    }

    /** Lock-free: the sum as of the last write that changed the partition's states. */
    @Override
    public long digest(int partition) {
        return digests.get(partition);
    }

    /** Adds {@code delta} to the partition's digest as this batch leaves it ({@code digested}: partition to new sum). */
    private void addDigest(Map<Integer, Long> digested, int partition, long delta) {
        digested.merge(partition, digests.get(partition) + delta, (sum, fresh) -> sum + delta);
    }

    private void putDigests(WriteBatch batch, Map<Integer, Long> digested) throws RocksDBException {
        for (var entry : digested.entrySet()) {
            batch.put(meta, partitionKey(DIGEST_PREFIX, entry.getKey()), ByteBuffer.allocate(8).putLong(entry.getValue()).array());
        }
    }

    @Override
    public StoredState get(int partition, String key) {
        try {
            byte[] value = db.get(states, stateKey(partition, key));
            return value == null ? null : StoredState.fromBytes(value);
        } catch (RocksDBException e) {
            throw new StoreException("read of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long checkpoint(int partition) {
        try {
            byte[] value = db.get(meta, checkpointKey(partition));
            return value == null ? -1L : ByteBuffer.wrap(value).getLong();
        } catch (RocksDBException e) {
            throw new StoreException("read of checkpoint " + partition + " failed: " + e.getMessage(), e);
        }
    }

    /** Counts writes that may move a state or a checkpoint; waiters on it: {@link #awaitProgress}. */
    private final Object progress = new Object();
    private long progressCount; // guarded by progress

    private void progressed() {
        synchronized (progress) {
            progressCount++;
            progress.notifyAll();
        }
    }

    /** How many writes moved states or checkpoints so far; read it before a read that may have to wait for one. */
    public long progressCount() {
        synchronized (progress) {
            return progressCount;
        }
    }

    /**
     * Waits until a write after {@code seen} ({@link #progressCount}) moved a state or a
     * checkpoint, for at most {@code maxMs}: a request waiting for its record to be applied here
     * wakes on the commit instead of sleeping out a poll interval. True when there was one.
     */
    public boolean awaitProgress(long seen, long maxMs) throws InterruptedException {
        long deadline = System.nanoTime() + maxMs * 1_000_000;
        synchronized (progress) {
            while (progressCount == seen) {
                long remainingNs = deadline - System.nanoTime();
                if (remainingNs <= 0) return false;
                progress.wait(Math.max(1, remainingNs / 1_000_000));
            }
            return true;
        }
    }

    @Override
    public synchronized void write(WriteSet set) {
        try (WriteBatch batch = new WriteBatch()) {
            Map<Integer, Long> raised = new HashMap<>();
            Map<Integer, Long> digested = new HashMap<>();
            // The digest swaps each replaced state's hash for the new one's (the set holds one
            // state per key): from the recent hashes, else from the states read in one multiGet.
            int count = set.stateCount();
            List<WriteSet.StateWrite> writes = new ArrayList<>(count);
            List<byte[]> keys = new ArrayList<>(count);
            long[] before = new long[count];
            long[] after = new long[count];
            List<Integer> unknown = new ArrayList<>();
            for (WriteSet.StateWrite write : set.states()) {
                Long recent = recentHashes.get(new PartitionKey(write.partition(), write.key()));
                if (recent == null) unknown.add(writes.size());
                else before[writes.size()] = recent;
                writes.add(write);
                keys.add(stateKey(write.partition(), write.key()));
            }
            readHashes(writes, keys, unknown, before);
            for (int i = 0; i < count; i++) {
                WriteSet.StateWrite write = writes.get(i);
                byte[] value = write.state().toBytes();
                batch.put(states, keys.get(i), value);
                after[i] = StateDigest.hash(write.key(), value);
                addDigest(digested, write.partition(), after[i] - before[i]);
                raise(raised, write.partition(), write.state().version());
            }
            putHighs(batch, raised);
            putDigests(batch, digested);
            if (changesRetained > 0) {
                for (FeedEntry entry : set.changes()) {
                    batch.put(changes, positionKey(entry.position()), ChangeCodec.encode(entry.change()));
                }
            }
            if (set.feedEnd() >= 0) {
                batch.put(meta, FEED_END_KEY, ByteBuffer.allocate(8).putLong(set.feedEnd()).array());
                trimChanges(batch, set.feedEnd());
            }
            List<StagedChange> stagedNow = new ArrayList<>(set.stagedChanges().size());
            long[] nextIds = set.stagedChanges().isEmpty() ? nextStagedId : nextStagedId.clone();
            for (Change change : set.stagedChanges()) {
                Stage stage = set.stageOf(change.partition());
                if (stage == null) throw new IllegalStateException("no stage for partition " + change.partition());
                stagedNow.add(stage(batch, nextIds, stage, change));
            }
            for (DeadLetter letter : set.deadLetters()) {
                batch.put(dead, offsetKey(letter.partition(), letter.offset()), ChangeCodec.encode(letter));
            }
            for (var checkpoint : set.checkpoints().entrySet()) {
                batch.put(meta, checkpointKey(checkpoint.getKey()),
                        ByteBuffer.allocate(8).putLong(checkpoint.getValue()).array());
                trimDeadLetters(batch, checkpoint.getKey(), checkpoint.getValue());
            }
            db.write(writeOptions, batch);
            progressed();
            raised.forEach((p, v) -> highs[p] = v);
            digested.forEach(digests::set);
            for (int i = 0; i < count; i++) recentHashes.put(new PartitionKey(writes.get(i).partition(), writes.get(i).key()), after[i]);
            if (set.feedEnd() >= 0) feedEnd = set.feedEnd();
            indexStaged(stagedNow, nextIds);
        } catch (RocksDBException e) {
            throw new StoreException("state write failed: " + e.getMessage(), e);
        }
    }

    /** Fills {@code hashes} at the {@code unknown} indexes with the stored states' hashes (0: none), in one multiGet. */
    private void readHashes(List<WriteSet.StateWrite> writes, List<byte[]> keys, List<Integer> unknown, long[] hashes)
            throws RocksDBException {
        if (unknown.isEmpty()) return;
        List<byte[]> wanted = new ArrayList<>(unknown.size());
        for (int i : unknown) wanted.add(keys.get(i));
        List<byte[]> stored = db.multiGetAsList(Collections.nCopies(wanted.size(), states), wanted);
        for (int j = 0; j < unknown.size(); j++) {
            byte[] value = stored.get(j);
            int i = unknown.get(j);
            hashes[i] = value == null ? 0 : StateDigest.hash(writes.get(i).key(), value);
        }
    }

    /** A state's key in {@link #recentHashes}. */
    private record PartitionKey(int partition, String key) {}

    private void raise(Map<Integer, Long> raised, int partition, long version) {
        long current = raised.getOrDefault(partition, highs[partition]);
        if (version > current) raised.put(partition, version);
    }

    private void putHighs(WriteBatch batch, Map<Integer, Long> raised) throws RocksDBException {
        for (var entry : raised.entrySet()) {
            batch.put(meta, highKey(entry.getKey()), ByteBuffer.allocate(8).putLong(entry.getValue()).array());
        }
    }

    @Override
    public long high(int partition) {
        synchronized (this) {
            return highs[partition];
        }
    }

    @Override
    public synchronized List<FeedEntry> applyReplicated(ReplicatedWrite write) {
        int p = write.partition();
        List<FeedEntry> added = new ArrayList<>();
        try (WriteBatch batch = new WriteBatch()) {
            // Which changes are new is decided against what the node held before this write.
            Map<String, Long> seenHere = new HashMap<>();
            List<Change> kept = new ArrayList<>();
            List<StagedChange> stagedNow = new ArrayList<>();
            long[] nextIds = write.stage() == null ? nextStagedId : nextStagedId.clone();
            for (Change change : write.changes()) {
                Long here = seenHere.get(change.key());
                long seen = here != null ? here : Math.max(write.stage() != null ? storedVersion(p, change.key())
                        : fedStateVersion(p, change.key()), fedVersion0(p, change.key()));
                if (change.version() <= seen) {
                    seenHere.putIfAbsent(change.key(), seen);
                    continue;
                }
                seenHere.put(change.key(), change.version());
                kept.add(change);
                if (write.stage() != null) {
                    stagedNow.add(stage(batch, nextIds, write.stage(), change));
                    continue;
                }
                FeedEntry entry = new FeedEntry(feedEnd + added.size(), change);
                added.add(entry);
                if (changesRetained > 0) batch.put(changes, positionKey(entry.position()), ChangeCodec.encode(change));
            }
            Map<Integer, Long> raised = new HashMap<>();
            Map<Integer, Long> digested = new HashMap<>();
            Map<String, Long> writtenHashes = new HashMap<>();
            if (write.holdsState()) {
                // A state is compared with (and its digest hash swapped for) what this batch left
                // for its key, if it wrote one, else the stored one.
                Map<String, byte[]> writtenHere = new HashMap<>();
                for (WriteSet.StateWrite w : write.states()) {
                    byte[] key = stateKey(p, w.key());
                    byte[] stored = writtenHere.containsKey(w.key()) ? writtenHere.get(w.key()) : db.get(states, key);
                    if (write.repair()) {
                        if (!write.replaces(stored == null ? null : StoredState.fromBytes(stored), w.state())) continue;
                    } else if (stored != null && ByteBuffer.wrap(stored, 1, 8).getLong() >= w.state().version()) {
                        continue;
                    }
                    byte[] value = w.state().toBytes();
                    batch.put(states, key, value);
                    writtenHere.put(w.key(), value);
                    long hash = StateDigest.hash(w.key(), value);
                    writtenHashes.put(w.key(), hash);
                    addDigest(digested, p, hash - (stored == null ? 0 : StateDigest.hash(w.key(), stored)));
                    raise(raised, p, w.state().version());
                }
                putHighs(batch, raised);
                putDigests(batch, digested);
            } else {
                for (Change change : kept) {
                    batch.put(fed, stateKey(p, change.key()), ByteBuffer.allocate(8).putLong(change.version()).array());
                }
                if (!kept.isEmpty()) fedPartitions.set(p, 1);
            }
            for (DeadLetter letter : write.deadLetters()) {
                batch.put(dead, offsetKey(letter.partition(), letter.offset()), ChangeCodec.encode(letter));
            }
            if (write.checkpoint() > checkpoint(p)) {
                batch.put(meta, checkpointKey(p), ByteBuffer.allocate(8).putLong(write.checkpoint()).array());
                trimDeadLetters(batch, p, write.checkpoint()); // replicas keep the same window as owners
            }
            long newEnd = feedEnd + added.size();
            if (!added.isEmpty()) {
                batch.put(meta, FEED_END_KEY, ByteBuffer.allocate(8).putLong(newEnd).array());
                trimChanges(batch, newEnd);
            }
            db.write(writeOptions, batch);
            progressed();
            raised.forEach((partition, v) -> highs[partition] = v);
            digested.forEach(digests::set);
            writtenHashes.forEach((key, hash) -> recentHashes.put(new PartitionKey(p, key), hash));
            feedEnd = newEnd;
            indexStaged(stagedNow, nextIds);
            if (!added.isEmpty()) replicatedFeedListener.accept(added);
            return added;
        } catch (RocksDBException e) {
            throw new StoreException("replicated write failed: " + e.getMessage(), e);
        }
    }

    /** Puts {@code change} in the batch's staging under the partition's next id; returns its index entry. */
    private StagedChange stage(WriteBatch batch, long[] nextIds, Stage stage, Change change) throws RocksDBException {
        int p = change.partition();
        long id = nextIds[p]++;
        byte[] node = stage.term().node().getBytes(StandardCharsets.UTF_8);
        byte[] encoded = ChangeCodec.encode(change);
        byte[] value = ByteBuffer.allocate(8 + 8 + 4 + node.length + encoded.length).putLong(stage.term().epoch())
                .putLong(stage.seq()).putInt(node.length).put(node).put(encoded).array();
        batch.put(staged, offsetKey(p, id), value);
        return indexed(new StagedChange(id, stage, change));
    }

    /** After the batch is written: the index takes what it staged. */
    private void indexStaged(List<StagedChange> stagedNow, long[] nextIds) {
        if (stagedNow.isEmpty()) return;
        for (StagedChange entry : stagedNow) stagedIndex.get(entry.change().partition()).add(entry);
        System.arraycopy(nextIds, 0, nextStagedId, 0, nextStagedId.length);
    }

    /** The index keeps what promotion decides on (key, version), not the change's value. */
    private static StagedChange indexed(StagedChange entry) {
        Change c = entry.change();
        return new StagedChange(entry.id(), entry.stage(),
                new Change(c.partition(), c.key(), c.version(), c.type(), null, 0, c.tombstone(), null));
    }

    private static StagedChange decodeStaged(long id, byte[] value) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        long epoch = buffer.getLong();
        long seq = buffer.getLong();
        int nodeLength = buffer.getInt();
        String node = new String(value, 20, nodeLength, StandardCharsets.UTF_8);
        Change change = ChangeCodec.decodeChange(Arrays.copyOfRange(value, 20 + nodeLength, value.length));
        return new StagedChange(id, new Stage(new StoredTerm(epoch, node), seq), change);
    }

    @Override
    public synchronized List<StagedChange> staged(int partition) {
        List<StagedChange> result = new ArrayList<>();
        try {
            for (StagedChange entry : stagedIndex.get(partition)) {
                result.add(decodeStaged(entry.id(), db.get(staged, offsetKey(partition, entry.id()))));
            }
        } catch (RocksDBException e) {
            throw new StoreException("read of staged changes failed: " + e.getMessage(), e);
        }
        return result;
    }

    @Override
    public synchronized int stagedCount(int partition) {
        return stagedIndex.get(partition).size();
    }

    /**
     * Moves what the word covers from {@code staged} to the feed in one batch, then tells the feed
     * listener (under this monitor, so live subscribers get positions in order).
     */
    @Override
    public synchronized List<FeedEntry> promote(int partition, StoredTerm term, long durableSeq, long durableCheckpoint) {
        List<StagedChange> index = stagedIndex.get(partition);
        List<StagedChange> covered = StagedChanges.covered(index, term, durableSeq, durableCheckpoint);
        if (covered.isEmpty()) return List.of();
        List<FeedEntry> promoted = new ArrayList<>(covered.size());
        try (WriteBatch batch = new WriteBatch()) {
            for (StagedChange entry : covered) {
                byte[] key = offsetKey(partition, entry.id());
                byte[] value = db.get(staged, key);
                if (value == null) throw new IllegalStateException("staged change " + entry.id() + " of partition " + partition + " is gone");
                StagedChange full = decodeStaged(entry.id(), value);
                batch.delete(staged, key);
                // Fed already without the state (relayed while this node held no copy): not again.
                if (full.change().version() <= fedVersion0(partition, full.change().key())) continue;
                FeedEntry fedEntry = new FeedEntry(feedEnd + promoted.size(), full.change());
                promoted.add(fedEntry);
                if (changesRetained > 0) batch.put(changes, positionKey(fedEntry.position()), ChangeCodec.encode(full.change()));
            }
            long newEnd = feedEnd + promoted.size();
            batch.put(meta, FEED_END_KEY, ByteBuffer.allocate(8).putLong(newEnd).array());
            trimChanges(batch, newEnd);
            db.write(writeOptions, batch);
            progressed();
            feedEnd = newEnd;
        } catch (RocksDBException e) {
            throw new StoreException("promotion of staged changes failed: " + e.getMessage(), e);
        }
        java.util.Set<Long> ids = new java.util.HashSet<>();
        for (StagedChange entry : covered) ids.add(entry.id());
        index.removeIf(entry -> ids.contains(entry.id()));
        if (!promoted.isEmpty()) replicatedFeedListener.accept(promoted);
        return promoted;
    }

    /**
     * Whom to tell of changes that replicated writes and promotions ({@link #promote}) add to the
     * feed. It runs under this store's monitor, so the feed is published in position order with
     * the engine's own commits (which publish under the same monitor); it must be quick.
     */
    public void onReplicatedFeed(java.util.function.Consumer<List<FeedEntry>> listener) {
        this.replicatedFeedListener = listener;
    }

    /**
     * How far the stored state of {@code key} is on this node's feed: its version, unless a change
     * of the key waits in staging (not on the feed yet), then below the lowest staged version. A
     * write that feeds directly (a relayed change) compares with this, not with the state: a
     * relayed copy of a staged change goes on the feed, and the staged one is skipped when promoted.
     */
    private long fedStateVersion(int partition, String key) throws RocksDBException {
        long version = storedVersion(partition, key);
        for (StagedChange entry : stagedIndex.get(partition)) {
            if (entry.change().key().equals(key)) version = Math.min(version, entry.change().version() - 1);
        }
        return version;
    }

    private long storedVersion(int partition, String key) throws RocksDBException {
        byte[] value = db.get(states, stateKey(partition, key));
        return value == null ? -1 : ByteBuffer.wrap(value, 1, 8).getLong();
    }

    private long fedVersion0(int partition, String key) throws RocksDBException {
        long floor = fedFloors.get(partition);
        if (fedPartitions.get(partition) == 0) return floor;
        byte[] value = db.get(fed, stateKey(partition, key));
        return Math.max(floor, value == null ? -1 : ByteBuffer.wrap(value).getLong());
    }

    /**
     * Under the monitor: a write stores the checkpoint and its changes in one batch but sets
     * {@link #feedEnd} after it, so a read outside a write sees the end that covers the checkpoint.
     */
    @Override
    public synchronized long feedCheckpoint(int partition) {
        return coveredCheckpoint(checkpoint(partition), stagedIndex.get(partition));
    }

    /**
     * The checkpoint as far as the feed covers it: below the lowest staged version, whose change
     * (and any later one) waits for its durability word and is not on the feed yet.
     */
    static long coveredCheckpoint(long checkpoint, List<StagedChange> staged) {
        long covered = checkpoint;
        for (StagedChange entry : staged) covered = Math.min(covered, entry.change().version() - 1);
        return covered;
    }

    @Override
    public long fedFloor(int partition) {
        return fedFloors.get(partition);
    }

    @Override
    public long feedGap(int partition) {
        return feedGaps.get(partition);
    }

    @Override
    public synchronized void markFeedGap(int partition, long checkpoint) {
        if (checkpoint <= feedGaps.get(partition)) return;
        try {
            db.put(meta, writeOptions, partitionKey(GAP_PREFIX, partition), ByteBuffer.allocate(8).putLong(checkpoint).array());
            feedGaps.set(partition, checkpoint);
        } catch (RocksDBException e) {
            throw new StoreException("write of the feed gap of partition " + partition + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<FeedEntry> relayed(int partition, List<Change> relayedChanges, long floor) {
        List<FeedEntry> added = applyReplicated(new ReplicatedWrite(partition, List.of(), relayedChanges, List.of(), -1, false));
        if (floor > fedFloors.get(partition)) {
            try (WriteBatch batch = new WriteBatch()) {
                raiseFloor(batch, partition, floor);
                db.write(writeOptions, batch);
                progressed();
                fedFloors.set(partition, floor);
            } catch (RocksDBException e) {
                throw new StoreException("write of the fed floor of partition " + partition + " failed: " + e.getMessage(), e);
            }
        }
        return added;
    }

    /**
     * Puts the floor and deletes the fed versions at or below it (the floor covers them). The fed
     * versions of a partition are only those above its floor, so this reads few.
     */
    private void raiseFloor(WriteBatch batch, int partition, long floor) throws RocksDBException {
        batch.put(meta, partitionKey(FLOOR_PREFIX, partition), ByteBuffer.allocate(8).putLong(floor).array());
        byte[] prefix = ByteBuffer.allocate(2).putShort((short) partition).array();
        try (RocksIterator it = db.newIterator(fed)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                byte[] key = it.key();
                if (key.length < 2 || key[0] != prefix[0] || key[1] != prefix[1]) break;
                if (ByteBuffer.wrap(it.value()).getLong() <= floor) batch.delete(fed, key);
            }
        }
    }

    /** Range deletes for the states and dead letters; the states above the checkpoint become fed versions first. */
    @Override
    public synchronized void dropPartition(int partition) {
        long checkpoint = checkpoint(partition);
        byte[] from = ByteBuffer.allocate(2).putShort((short) partition).array();
        byte[] to = ByteBuffer.allocate(2).putShort((short) (partition + 1)).array();
        try (WriteBatch batch = new WriteBatch()) {
            boolean anyFed = false;
            // A state above the checkpoint had its change fed, unless that change is still staged:
            // then only the versions below its lowest staged one are on the feed.
            Map<String, Long> lowestStaged = new HashMap<>();
            for (StagedChange entry : stagedIndex.get(partition)) lowestStaged.merge(entry.change().key(), entry.change().version(), Math::min);
            for (List<WriteSet.StateWrite> page = scan(partition, null, 4_096); !page.isEmpty();
                 page = scan(partition, page.get(page.size() - 1).key(), 4_096)) {
                for (WriteSet.StateWrite state : page) {
                    long fedUpTo = Math.min(state.state().version(), lowestStaged.getOrDefault(state.key(), Long.MAX_VALUE) - 1);
                    if (fedUpTo <= Math.max(checkpoint, fedVersion0(partition, state.key()))) continue;
                    batch.put(fed, stateKey(partition, state.key()), ByteBuffer.allocate(8).putLong(fedUpTo).array());
                    anyFed = true;
                }
            }
            batch.deleteRange(states, from, to);
            batch.deleteRange(dead, from, to);
            // Staging: a change at or below the old checkpoint is durable (the owner claimed at least
            // that checkpoint before this drop) and goes on the feed now, since the relay takes only
            // what is above it; one above comes from the relay's source, and is discarded here.
            List<FeedEntry> promoted = new ArrayList<>();
            for (StagedChange entry : stagedIndex.get(partition)) {
                byte[] key = offsetKey(partition, entry.id());
                if (entry.change().version() <= checkpoint && entry.change().version() > fedVersion0(partition, entry.change().key())) {
                    Change change = decodeStaged(entry.id(), db.get(staged, key)).change();
                    FeedEntry fedEntry = new FeedEntry(feedEnd + promoted.size(), change);
                    promoted.add(fedEntry);
                    if (changesRetained > 0) batch.put(changes, positionKey(fedEntry.position()), ChangeCodec.encode(change));
                }
                batch.delete(staged, key);
            }
            if (!promoted.isEmpty()) {
                batch.put(meta, FEED_END_KEY, ByteBuffer.allocate(8).putLong(feedEnd + promoted.size()).array());
                trimChanges(batch, feedEnd + promoted.size());
            }
            batch.delete(meta, checkpointKey(partition));
            batch.delete(meta, highKey(partition));
            batch.delete(meta, partitionKey(DIGEST_PREFIX, partition));
            long floor = Math.max(fedFloors.get(partition), checkpoint);
            if (floor > fedFloors.get(partition)) raiseFloor(batch, partition, floor);
            db.write(writeOptions, batch);
            stagedIndex.get(partition).clear();
            if (!promoted.isEmpty()) {
                feedEnd += promoted.size();
                replicatedFeedListener.accept(promoted);
            }
            if (anyFed) fedPartitions.set(partition, 1);
            fedFloors.set(partition, floor);
            highs[partition] = -1;
            digests.set(partition, 0);
            recentHashes.keySet().removeIf(key -> key.partition() == partition);
            trimmedDeadBelow.set(partition, 0);
        } catch (RocksDBException e) {
            throw new StoreException("drop of partition " + partition + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean holds(int partition) {
        if (checkpoint(partition) >= 0 || !scan(partition, null, 1).isEmpty()) return true;
        byte[] prefix = ByteBuffer.allocate(2).putShort((short) partition).array();
        try (RocksIterator it = db.newIterator(dead)) {
            it.seek(prefix);
            return it.isValid() && it.key().length >= 2 && it.key()[0] == prefix[0] && it.key()[1] == prefix[1];
        }
    }

    /** Cheap for partitions never observed; RocksDB reads need no lock. */
    @Override
    public long fedVersion(int partition, String key) {
        try {
            return fedVersion0(partition, key);
        } catch (RocksDBException e) {
            throw new StoreException("read of a fed version failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<WriteSet.StateWrite> scan(int partition, String afterKey, int limit) {
        List<WriteSet.StateWrite> result = new ArrayList<>();
        byte[] prefix = ByteBuffer.allocate(2).putShort((short) partition).array();
        try (RocksIterator it = db.newIterator(states)) {
            if (afterKey == null) {
                it.seek(prefix);
            } else {
                byte[] after = stateKey(partition, afterKey);
                it.seek(after);
                if (it.isValid() && Arrays.equals(it.key(), after)) it.next();
            }
            for (; it.isValid() && result.size() < limit; it.next()) {
                byte[] key = it.key();
                if (key.length < 2 || key[0] != prefix[0] || key[1] != prefix[1]) break;
                result.add(new WriteSet.StateWrite(partition, new String(key, 2, key.length - 2, StandardCharsets.UTF_8),
                        StoredState.fromBytes(it.value())));
            }
        }
        return result;
    }

    @Override
    public List<WriteSet.StateWrite> scanPrefix(int partition, String prefix, String afterKey, int limit) {
        List<WriteSet.StateWrite> result = new ArrayList<>();
        byte[] first = stateKey(partition, prefix);
        try (RocksIterator it = db.newIterator(states)) {
            if (afterKey != null && afterKey.compareTo(prefix) >= 0) {
                byte[] after = stateKey(partition, afterKey);
                it.seek(after);
                if (it.isValid() && Arrays.equals(it.key(), after)) it.next();
            } else {
                it.seek(first);
            }
            for (; it.isValid() && result.size() < limit; it.next()) {
                byte[] key = it.key();
                // Past the prefix: stop before reading the value.
                if (key.length < first.length || !Arrays.equals(key, 0, first.length, first, 0, first.length)) break;
                result.add(new WriteSet.StateWrite(partition, new String(key, 2, key.length - 2, StandardCharsets.UTF_8),
                        StoredState.fromBytes(it.value())));
            }
        }
        return result;
    }

    /** Drops changes that fell out of retention, in whole steps to keep range tombstones few. */
    private void trimChanges(WriteBatch batch, long feedEnd) throws RocksDBException {
        long below = feedEnd - changesRetained;
        if (below - trimmedChangesBelow < TRIM_STEP) return;
        batch.deleteRange(changes, positionKey(0), positionKey(below));
        trimmedChangesBelow = below;
    }

    private void trimDeadLetters(WriteBatch batch, int partition, long checkpoint) throws RocksDBException {
        long below = checkpoint - deadRetained;
        if (below - trimmedDeadBelow.get(partition) < TRIM_STEP) return;
        batch.deleteRange(dead, offsetKey(partition, 0), offsetKey(partition, below));
        trimmedDeadBelow.set(partition, below);
    }

    @Override
    public long feedEnd() {
        return feedEnd;
    }

    @Override
    public List<FeedEntry> changes(long fromPosition, int limit) {
        List<FeedEntry> result = new ArrayList<>();
        try (RocksIterator it = db.newIterator(changes)) {
            for (it.seek(positionKey(Math.max(0, fromPosition))); it.isValid() && result.size() < limit; it.next()) {
                long position = ByteBuffer.wrap(it.key()).getLong();
                result.add(new FeedEntry(position, ChangeCodec.decodeChange(it.value())));
            }
        }
        return result;
    }

    @Override
    public List<DeadLetter> deadLetters(Predicate<DeadLetter> filter, int limit) {
        List<DeadLetter> result = new ArrayList<>();
        try (RocksIterator it = db.newIterator(dead)) {
            for (it.seekToFirst(); it.isValid() && result.size() < limit; it.next()) {
                DeadLetter letter = ChangeCodec.decodeDeadLetter(it.value());
                if (filter.test(letter)) result.add(letter);
            }
        }
        return result;
    }

    @Override
    public StoredTerm term(int partition) {
        try {
            byte[] value = db.get(meta, termKey(partition));
            return value == null ? StoredTerm.NONE : decodeTerm(value);
        } catch (RocksDBException e) {
            throw new StoreException("read of the term of partition " + partition + " failed: " + e.getMessage(), e);
        }
    }

    /** Synced before it returns (see the class): the caller acts under the term next. */
    @Override
    public void writeTerm(int partition, StoredTerm term) {
        synchronized (termLock) {
            if (term(partition).compareTo(term) >= 0) return; // terms only rise
            byte[] node = term.node().getBytes(StandardCharsets.UTF_8);
            byte[] value = ByteBuffer.allocate(8 + node.length).putLong(term.epoch()).put(node).array();
            try {
                db.put(meta, termWriteOptions, termKey(partition), value);
            } catch (RocksDBException e) {
                throw new StoreException("write of the term of partition " + partition + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static StoredTerm decodeTerm(byte[] value) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        long epoch = buffer.getLong();
        return new StoredTerm(epoch, new String(value, 8, value.length - 8, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        try {
            db.flushWal(true);
        } catch (RocksDBException e) {
            // Closing anyway: the WAL was written without fsync, which is the documented durability.
        }
        for (ColumnFamilyHandle handle : handles) handle.close();
        db.close();
        writeOptions.close();
        termWriteOptions.close();
        dbOptions.close();
        cfOptions.close();
        blockCache.close();
    }

    private static byte[] stateKey(int partition, String key) {
        byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + utf8.length).putShort((short) partition).put(utf8).array();
    }

    private static byte[] offsetKey(int partition, long offset) {
        return ByteBuffer.allocate(10).putShort((short) partition).putLong(offset).array();
    }

    private static byte[] positionKey(long position) {
        return ByteBuffer.allocate(8).putLong(position).array();
    }

    private static byte[] highKey(int partition) {
        return ByteBuffer.allocate(HIGH_PREFIX.length + 2).put(HIGH_PREFIX).putShort((short) partition).array();
    }

    private static byte[] partitionKey(byte[] prefix, int partition) {
        return ByteBuffer.allocate(prefix.length + 2).put(prefix).putShort((short) partition).array();
    }

    private static byte[] termKey(int partition) {
        return ByteBuffer.allocate(TERM_PREFIX.length + 2).put(TERM_PREFIX).putShort((short) partition).array();
    }

    private static byte[] checkpointKey(int partition) {
        return ByteBuffer.allocate(CHECKPOINT_PREFIX.length + 2).put(CHECKPOINT_PREFIX).putShort((short) partition).array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A storage failure; the node cannot continue safely and stops processing. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
