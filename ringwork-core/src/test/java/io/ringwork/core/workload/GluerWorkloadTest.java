package io.ringwork.core.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.gluer.GluerProcessor;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.processing.SequentialFold;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GluerWorkloadTest {
    private static GluerWorkload workload(long seed, long pieces, double invalid) {
        return new GluerWorkload(new GluerWorkload.Config(seed, 3, 20, pieces, invalid),
                new SequentialFold(new RecordApplier(new ProcessorRegistry(List.of(new GluerProcessor())))));
    }

    @Test
    void theSameSeedGivesTheSameStreamAndFold() {
        GluerWorkload a = workload(7, 2000, 0.02);
        GluerWorkload b = workload(7, 2000, 0.02);
        List<NewRecord> first = a.next(5000);
        List<NewRecord> second = b.next(5000);
        assertThat(first).hasSize(2000);
        for (int i = 0; i < first.size(); i++) {
            assertThat(first.get(i).key()).isEqualTo(second.get(i).key());
            assertThat(new String(first.get(i).data(), StandardCharsets.UTF_8)).isEqualTo(new String(second.get(i).data(), StandardCharsets.UTF_8));
        }
        assertThat(a.fold().states().keySet()).isEqualTo(b.fold().states().keySet());
        a.fold().states().forEach((key, state) -> assertThat(b.fold().state(key).value()).isEqualTo(state.value()));
    }

    @Test
    void mostPiecesApplyAndTheInvalidShareIsRejected() {
        GluerWorkload w = workload(11, 20_000, 0.01);
        w.next(20_000);
        double rejectedShare = (double) w.fold().rejectedCount() / 20_000;
        // Invalid on purpose ~1%; generated patches are built against the folded document and apply.
        assertThat(rejectedShare).isBetween(0.005, 0.02);
        assertThat(w.fold().states()).hasSize(60);
    }

    @Test
    void storedStateRoundTrips() {
        StoredState state = new StoredState(42, "gluer", false, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        StoredState back = StoredState.fromBytes(state.toBytes());
        assertThat(back.version()).isEqualTo(42);
        assertThat(back.processor()).isEqualTo("gluer");
        assertThat(back.value()).isEqualTo(state.value());
        StoredState tombstone = StoredState.fromBytes(new StoredState(9, "gluer", true, null).toBytes());
        assertThat(tombstone.tombstone()).isTrue();
        assertThat(tombstone.value()).isNull();
        // A key whose only records were rejected: a version, no processor, no value (regression:
        // the value came back as an empty array and decoding it failed the engine).
        StoredState rejectedOnly = StoredState.fromBytes(new StoredState(3, "", false, null).toBytes());
        assertThat(rejectedOnly.value()).isNull();
        assertThat(rejectedOnly.tombstone()).isFalse();
        StoredState emptyValue = StoredState.fromBytes(new StoredState(4, "x", false, new byte[0]).toBytes());
        assertThat(emptyValue.value()).isEmpty();
    }
}
