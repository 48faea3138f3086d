package io.ringwork.core.coord;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A keeper's expiry decisions, with time as an argument. */
class SessionExpiryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A session state whose last applied record is at {@code last}. */
    private static JsonNode session(boolean open, long last) throws Exception {
        return JSON.readTree("{\"ttlMs\":1000,\"open\":" + open + ",\"keys\":[],\"elections\":[],\"o\":[[3,\"ok\",0],[" + last + ",\"ok\",0]]}");
    }

    @Test
    void theRunningNodeClosesATtlAfterItFirstSawTheLastRecordAndNamesThatRecord() throws Exception {
        SessionExpiry expiry = new SessionExpiry();
        assertThat(expiry.observe("session/a", session(true, 10), true, true, 0)).isNull();
        assertThat(expiry.observe("session/a", session(true, 12), false, true, 500)).isNull(); // a keepalive
        assertThat(expiry.observe("session/a", session(true, 12), false, true, 1_499)).isNull();
        assertThat(expiry.observe("session/a", session(true, 12), false, true, 1_500)).isEqualTo(new SessionExpiry.Close("session/a", 12, 1000));
        // Asked once; again only after the retry interval if nothing moved.
        assertThat(expiry.observe("session/a", session(true, 12), false, true, 1_600)).isNull();
        assertThat(expiry.observe("session/a", session(true, 12), false, true, 1_500 + SessionExpiry.RETRY_MS)).isNotNull();
    }

    @Test
    void aReplicaWatchesTheKeepalivesAndClosesOnTheLastOnesDeadlineOnceItRuns() throws Exception {
        SessionExpiry expiry = new SessionExpiry();
        assertThat(expiry.observe("session/a", session(true, 10), true, false, 0)).isNull();
        assertThat(expiry.observe("session/a", session(true, 14), false, false, 300)).isNull();
        // Past the deadline as a replica: not its to close.
        assertThat(expiry.observe("session/a", session(true, 14), false, false, 1_400)).isNull();
        // The owner died; this node runs the partition now, having held it all along: the deadline stays 300 + TTL.
        assertThat(expiry.observe("session/a", session(true, 14), false, true, 1_450)).isEqualTo(new SessionExpiry.Close("session/a", 14, 1000));
    }

    @Test
    void aPartitionNewlyHeldStartsItsSessionsAtAFullTtl() throws Exception {
        SessionExpiry expiry = new SessionExpiry();
        assertThat(expiry.observe("session/a", session(true, 10), false, false, 0)).isNull();
        // Held again after a gap (fresh): what it saw before may be stale.
        assertThat(expiry.observe("session/a", session(true, 10), true, true, 5_000)).isNull();
        assertThat(expiry.deadlineMs("session/a", 1000)).isEqualTo(6_000);
        assertThat(expiry.observe("session/a", session(true, 10), false, true, 6_000)).isNotNull();
    }

    @Test
    void aClosedSessionIsNotClosedAgainAndForgottenSessionsStartOver() throws Exception {
        SessionExpiry expiry = new SessionExpiry();
        assertThat(expiry.observe("session/a", session(false, 10), true, true, 0)).isNull();
        assertThat(expiry.observe("session/a", session(false, 10), false, true, 10_000)).isNull();
        expiry.retainOnly(Set.of());
        assertThat(expiry.watched()).isZero();
        assertThat(expiry.observe("session/a", session(true, 10), false, true, 20_000)).isNull();
        assertThat(expiry.deadlineMs("session/a", 1000)).isEqualTo(21_000);
    }
}
