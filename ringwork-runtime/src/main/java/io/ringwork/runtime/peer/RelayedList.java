package io.ringwork.runtime.peer;

import java.util.List;

/**
 * A listing of the key-value store's keys that a node asks of the members holding some
 * partitions, over the peer channel, and their answer: the keys of each partition it serves that
 * start with a prefix, after a key, in order, up to a limit. A listing never relays further.
 */
public final class RelayedList {
    /** The most keys one listing asks of one partition, and the most a client gets in one page. */
    public static final int LIMIT_MAX = 1_000;

    private RelayedList() {}

    /**
     * @param partitions the partitions to list (at least one)
     * @param prefix     record keys to list start with this (the store's {@code kv/} included)
     * @param after      list record keys after this one, or null from the first
     * @param limit      at most this many keys per partition, 1 to {@link #LIMIT_MAX}
     */
    public record Request(List<Integer> partitions, String prefix, String after, int limit) {
        public Request {
            partitions = List.copyOf(partitions);
            if (partitions.isEmpty()) throw new IllegalArgumentException("a listing names at least one partition");
            if (prefix == null) throw new IllegalArgumentException("a listing needs a prefix (it may be empty)");
            if (limit < 1 || limit > LIMIT_MAX) throw new IllegalArgumentException("limit must be in [1, " + LIMIT_MAX + "], got " + limit);
        }
    }

    /** One key of a listing: its partition, record key and key-value version. */
    public record Entry(int partition, String key, long version) {}

    /**
     * @param served  the partitions the member listed (it holds them); the others it could not
     * @param entries their keys, each partition's in key order, at most the limit per partition
     * @param more    the partitions that have more keys than the limit
     * @param detail  why some partitions were not served; empty when all were
     */
    public record Answer(List<Integer> served, List<Entry> entries, List<Integer> more, String detail) {
        public Answer {
            served = List.copyOf(served);
            entries = List.copyOf(entries);
            more = List.copyOf(more);
            detail = detail == null ? "" : detail;
        }

        public static Answer none(String detail) {
            return new Answer(List.of(), List.of(), List.of(), detail);
        }
    }
}
