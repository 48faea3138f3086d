package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.runtime.http.ApiError;
import io.ringwork.runtime.peer.ReadRelay;
import org.junit.jupiter.api.Test;

/** What a client is told when a relayed read got no answer: a status, a code and whether anything may have happened. */
class KeyReadsTest {
    private static ApiError error(ReadRelay.Failure failure) {
        return KeyReads.errorFor("doc/1", new ReadRelay.RelayFailed(failure, "n2 said nothing"));
    }

    @Test
    void anOwnerUnreachableOrLateIsAnIndefiniteErrorThatSaysARetryIsSafe() {
        ApiError late = error(ReadRelay.Failure.TIMEOUT);
        assertThat(late.status()).isEqualTo(504);
        assertThat(late.code()).isEqualTo("owner_timeout");
        assertThat(late.definite()).isFalse();
        assertThat(late.getMessage()).contains("'doc/1'").contains("n2 said nothing").contains("retrying is safe");
        ApiError gone = error(ReadRelay.Failure.UNREACHABLE);
        assertThat(gone.status()).isEqualTo(503);
        assertThat(gone.code()).isEqualTo("owner_unreachable");
        assertThat(gone.definite()).isFalse();
        assertThat(gone.getMessage()).contains("retrying is safe");
    }

    @Test
    void aReadNeverSentOrRefusedForItsSizeIsDefinite() {
        ApiError busy = error(ReadRelay.Failure.BUSY);
        assertThat(busy.status()).isEqualTo(503);
        assertThat(busy.code()).isEqualTo("busy");
        assertThat(busy.definite()).isTrue();
        ApiError large = error(ReadRelay.Failure.OVERSIZED);
        assertThat(large.status()).isEqualTo(502);
        assertThat(large.definite()).isTrue();
        assertThat(large.getMessage()).contains("?local=true");
    }
}
