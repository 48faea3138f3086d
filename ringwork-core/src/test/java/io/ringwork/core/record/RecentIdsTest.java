package io.ringwork.core.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.store.StoredState;
import io.ringwork.core.util.Invariants;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotEmpty;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class RecentIdsTest {
    /** The window holds exactly the last LIMIT ids added, oldest first, whatever they are. */
    @Property
    void theWindowIsTheLastLimitIdsAdded(@ForAll @Size(max = 80) List<@StringLength(max = 40) String> added) {
        RecentIds ids = RecentIds.NONE;
        for (String id : added) ids = ids.with(id);
        List<String> expected = added.subList(Math.max(0, added.size() - RecentIds.LIMIT), added.size());
        assertThat(ids.asList()).containsExactlyElementsOf(expected);
        assertThat(ids.size()).isEqualTo(expected.size());
        for (String id : expected) assertThat(ids.contains(id)).isTrue();
        for (String id : added) if (!expected.contains(id)) assertThat(ids.contains(id)).isFalse();
    }

    @Property
    void aStoredStateWithIdsRoundTrips(@ForAll @Size(max = 40) List<@NotEmpty @StringLength(max = 256) String> added,
                                       @ForAll boolean tombstone, @ForAll @StringLength(max = 50) String value) {
        RecentIds ids = RecentIds.NONE;
        for (String id : added) if (id.getBytes(StandardCharsets.UTF_8).length <= RecentIds.MAX_ID_BYTES) ids = ids.with(id);
        byte[] valueBytes = tombstone ? null : value.getBytes(StandardCharsets.UTF_8);
        StoredState state = new StoredState(7, tombstone ? "" : "gluer", tombstone, valueBytes, ids);
        StoredState back = StoredState.fromBytes(state.toBytes());
        assertThat(back.ids()).isEqualTo(ids);
        assertThat(back.version()).isEqualTo(7);
        assertThat(back.tombstone()).isEqualTo(tombstone);
        assertThat(back.value()).isEqualTo(valueBytes);
    }

    @Test
    void aStateWithoutIdsIsStoredInTheFormatOlderNodesRead() {
        byte[] bytes = new StoredState(3, "gluer", false, "{}".getBytes(StandardCharsets.UTF_8)).toBytes();
        assertThat(bytes[0]).isEqualTo((byte) 1);
        assertThat(bytes).hasSize(1 + 8 + 1 + 1 + 5 + 2);
        byte[] withIds = new StoredState(3, "gluer", false, "{}".getBytes(StandardCharsets.UTF_8), RecentIds.NONE.with("a")).toBytes();
        assertThat(withIds[0]).isEqualTo((byte) 2);
    }

    @Test
    void aWindowThatDoesNotParseFailsLoudly() {
        ByteBuffer tooMany = ByteBuffer.wrap(new byte[] {(byte) (RecentIds.LIMIT + 1)});
        assertThatThrownBy(() -> RecentIds.readFrom(tooMany)).isInstanceOf(Invariants.InvariantViolation.class);
        ByteBuffer cut = ByteBuffer.wrap(new byte[] {1, 0, 9, 'a'});
        assertThatThrownBy(() -> RecentIds.readFrom(cut)).isInstanceOf(Invariants.InvariantViolation.class);
    }

    @Test
    void anIdOverTheLimitIsNeverAdded() {
        String tooLong = "x".repeat(RecentIds.MAX_ID_BYTES + 1);
        assertThatThrownBy(() -> RecentIds.NONE.with(tooLong)).isInstanceOf(Invariants.InvariantViolation.class);
        List<String> none = new ArrayList<>();
        assertThat(RecentIds.NONE.asList()).isEqualTo(none);
        assertThat(RecentIds.NONE.contains(null)).isFalse();
    }
}
