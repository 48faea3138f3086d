package io.ringwork.core.membership;

import io.ringwork.core.transport.Address;
import io.ringwork.core.util.Invariants;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable snapshot of one member as some node sees it: the unit of push-pull sync and of
 * {@code members()}. Metadata is a small sorted string map (addresses, capacity, version...),
 * bounded by {@link MembershipConfig#metadataBytesMax()} when the member sets it.
 */
public record Member(String id, Address address, MemberState state, long incarnation,
                     SortedMap<String, String> metadata) {

    /** Node ids longer than this are rejected: ids travel in every packet. */
    public static final int ID_LENGTH_MAX = 128;

    public Member {
        requireId(id);
        Invariants.require(address != null && state != null, "address and state are required for %s", id);
        Invariants.require(incarnation >= 0, "incarnation must be >= 0: %s", incarnation);
        metadata = metadata == null ? emptyMetadata() : java.util.Collections.unmodifiableSortedMap(new TreeMap<>(metadata));
    }

    /** Checks a node id: 1..128 characters. */
    public static void requireId(String id) {
        Invariants.require(id != null && !id.isEmpty() && id.length() <= ID_LENGTH_MAX,
                "member id must have 1..%s characters: %s", ID_LENGTH_MAX, id);
    }

    /** The same member in another state and incarnation. */
    public Member with(MemberState newState, long newIncarnation) {
        return new Member(id, address, newState, newIncarnation, metadata);
    }

    public static SortedMap<String, String> emptyMetadata() {
        return java.util.Collections.unmodifiableSortedMap(new TreeMap<>());
    }

    /** A sorted, unmodifiable copy of {@code map}. */
    public static SortedMap<String, String> metadataOf(Map<String, String> map) {
        return java.util.Collections.unmodifiableSortedMap(new TreeMap<>(map));
    }
}
