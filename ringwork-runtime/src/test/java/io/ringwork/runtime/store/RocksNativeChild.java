package io.ringwork.runtime.store;

import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * Loads RocksDB's native library in a JVM of its own, says so and waits to be killed.
 * {@code ringwork}: through {@link RocksNative}; {@code rocksdb}: through RocksDB's own loader.
 */
public final class RocksNativeChild {
    private RocksNativeChild() {}

    public static void main(String[] args) throws InterruptedException {
        if (args[0].equals("ringwork")) RocksNative.load();
        else RocksDB.loadLibrary();
        try (Options options = new Options()) { // a native call: fails unless the library is loaded
            options.setCreateIfMissing(true);
        }
        System.out.println("loaded");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
