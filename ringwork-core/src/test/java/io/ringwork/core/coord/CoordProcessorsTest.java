package io.ringwork.core.coord;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ringwork.core.kv.KvOutcome;
import io.ringwork.core.kv.KvProcessor;
import io.ringwork.core.kv.KvState;
import io.ringwork.core.processing.ApplyOutcome;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.Record;
import io.ringwork.core.record.VersionedState;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sessions, elections and ephemeral keys, through the same applier the engine runs. */
class CoordProcessorsTest {
    private final RecordApplier applier = new RecordApplier(new ProcessorRegistry(List.of(new KvProcessor(),
            new SessionProcessor(), new ElectionProcessor(), new ServiceProcessor())));
    private final Map<String, VersionedState> states = new HashMap<>();
    private long offset = 100;

    private ApplyOutcome apply(String key, String type, String data) {
        Record record = new Record(0, offset++, key, type, null, 0, data.getBytes(StandardCharsets.UTF_8));
        ApplyOutcome outcome = applier.apply(states.getOrDefault(key, VersionedState.ABSENT), record);
        states.put(key, outcome.state());
        return outcome;
    }

    private JsonNode json(String key) {
        return (JsonNode) states.get(key).value();
    }

    private String answer(String key) {
        return Outcomes.at(json(key), offset - 1).code();
    }

    @Test
    void aSessionOpensTakesKeepalivesListsWhatItHoldsAndRefusesAttachesOnceClosed() {
        assertThat(apply("session/s1", SessionProcessor.OPEN, "{\"ttlMs\":5000}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(SessionProcessor.isOpen(json("session/s1"))).isTrue();
        ApplyOutcome keepalive = apply("session/s1", SessionProcessor.KEEPALIVE, "{}");
        assertThat(keepalive.kind()).isEqualTo(ApplyOutcome.Kind.NOTED); // a new version, nothing on the feed
        assertThat(keepalive.state().version()).isEqualTo(offset - 1);
        assertThat(answer("session/s1")).isEqualTo("ok");
        apply("session/s1", SessionProcessor.ATTACH, "{\"key\":\"lock\"}");
        apply("session/s1", SessionProcessor.ATTACH, "{\"key\":\"lock\"}");
        apply("session/s1", SessionProcessor.ATTACH, "{\"election\":\"e\"}");
        assertThat(json("session/s1").get("keys").toString()).isEqualTo("[\"lock\"]");
        assertThat(json("session/s1").get("elections").toString()).isEqualTo("[\"e\"]");
        assertThat(apply("session/s1", SessionProcessor.CLOSE, "{\"reason\":\"expired\"}").kind()).isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(SessionProcessor.isOpen(json("session/s1"))).isFalse();
        apply("session/s1", SessionProcessor.ATTACH, "{\"key\":\"other\"}");
        assertThat(answer("session/s1")).isEqualTo("closed");
        apply("session/s1", SessionProcessor.KEEPALIVE, "{}");
        assertThat(answer("session/s1")).isEqualTo("closed");
        assertThat(json("session/s1").get("keys").toString()).isEqualTo("[\"lock\"]");
        assertThat(apply("session/s1", SessionProcessor.DELETE, "{}").state().exists()).isFalse();
    }

    @Test
    void anExpiryDecidedOnAnOlderRecordThanTheSessionsLastIsAnsweredAliveAndClosesNothing() {
        apply("session/s4", SessionProcessor.OPEN, "{\"ttlMs\":1000}");
        long seen = offset - 1; // what a keeper saw
        assertThat(Outcomes.newest(json("session/s4"))).isEqualTo(seen);
        apply("session/s4", SessionProcessor.KEEPALIVE, "{}"); // appended before the keeper's close
        long keepalive = offset - 1;
        apply("session/s4", SessionProcessor.CLOSE, "{\"reason\":\"expired\",\"ifLast\":" + seen + "}");
        assertThat(answer("session/s4")).isEqualTo("alive");
        assertThat(SessionProcessor.isOpen(json("session/s4"))).isTrue();
        // Its own refusal is now the session's last record: a close on the keepalive is too late as well.
        apply("session/s4", SessionProcessor.CLOSE, "{\"reason\":\"expired\",\"ifLast\":" + keepalive + "}");
        assertThat(answer("session/s4")).isEqualTo("alive");
        long last = Outcomes.newest(json("session/s4"));
        assertThat(apply("session/s4", SessionProcessor.CLOSE, "{\"reason\":\"expired\",\"ifLast\":" + last + "}").kind())
                .isEqualTo(ApplyOutcome.Kind.APPLIED);
        assertThat(SessionProcessor.isOpen(json("session/s4"))).isFalse();
    }

    @Test
    void badSessionRecordsAreDeadLettersAndAnUnknownSessionTakesNothing() {
        assertThat(apply("session/s2", SessionProcessor.OPEN, "{\"ttlMs\":5}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(apply("session/s2", SessionProcessor.OPEN, "{}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(apply("session/nope", SessionProcessor.KEEPALIVE, "{}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(apply("session/nope", SessionProcessor.ATTACH, "{\"key\":\"k\"}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        apply("session/s3", SessionProcessor.OPEN, "{\"ttlMs\":1000}");
        assertThat(apply("session/s3", SessionProcessor.ATTACH, "{\"nothing\":1}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        apply("session/s3", SessionProcessor.OPEN, "{\"ttlMs\":1000}");
        assertThat(answer("session/s3")).isEqualTo("exists");
    }

    @Test
    void theFirstCandidateLeadsTheNextWaitsAndTakesOverWithAHigherTokenWhenTheLeaderGoes() {
        apply("election/e", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"a\",\"session\":\"sa\"}");
        long first = offset; // the record's offset plus one
        assertThat(answer("election/e")).isEqualTo("leader");
        assertThat(ElectionProcessor.leader(json("election/e")).path("token").asLong()).isEqualTo(first);
        apply("election/e", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"b\",\"session\":\"sb\"}");
        assertThat(answer("election/e")).isEqualTo("queued");
        apply("election/e", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"c\",\"session\":\"sc\"}");
        apply("election/e", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"b\",\"session\":\"sb\"}");
        assertThat(answer("election/e")).isEqualTo("queued"); // keeps its place, once
        assertThat(json("election/e").get("queue")).hasSize(2);
        apply("election/e", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"a\",\"session\":\"sa\"}");
        assertThat(Outcomes.at(json("election/e"), offset - 1)).isEqualTo(new Outcomes.Outcome(offset - 1, "leader", first));

        apply("election/e", ElectionProcessor.RESIGN, "{\"token\":" + (first - 1) + "}");
        assertThat(answer("election/e")).isEqualTo("stale");
        assertThat(ElectionProcessor.leader(json("election/e")).path("candidate").asText()).isEqualTo("a");
        apply("election/e", ElectionProcessor.RESIGN, "{\"token\":" + first + "}");
        long second = offset;
        assertThat(answer("election/e")).isEqualTo("resigned");
        JsonNode leader = ElectionProcessor.leader(json("election/e"));
        assertThat(leader.path("candidate").asText()).isEqualTo("b");
        assertThat(leader.path("token").asLong()).isEqualTo(second).isGreaterThan(first);

        apply("election/e", ElectionProcessor.WITHDRAW, "{\"session\":\"sb\"}"); // b's session ended
        long third = offset;
        assertThat(ElectionProcessor.leader(json("election/e")).path("candidate").asText()).isEqualTo("c");
        assertThat(ElectionProcessor.leader(json("election/e")).path("token").asLong()).isEqualTo(third).isGreaterThan(second);
        apply("election/e", ElectionProcessor.WITHDRAW, "{\"session\":\"sc\"}");
        assertThat(ElectionProcessor.leader(json("election/e"))).isNull();
        assertThat(json("election/e").path("token").asLong()).isEqualTo(third); // the highest issued stays
        apply("election/e", ElectionProcessor.WITHDRAW, "{\"session\":\"sc\"}");
        assertThat(answer("election/e")).isEqualTo("absent");
        apply("election/e", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"d\",\"session\":\"sd\"}");
        assertThat(ElectionProcessor.leader(json("election/e")).path("token").asLong()).isGreaterThan(third);
    }

    @Test
    void aMalformedCampaignIsADeadLetter() {
        assertThat(apply("election/x", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"\",\"session\":\"s\"}").kind())
                .isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(apply("election/x", ElectionProcessor.CAMPAIGN, "{\"candidate\":\"a\"}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
        assertThat(apply("election/x", ElectionProcessor.RESIGN, "{\"token\":\"1\"}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
    }

    @Test
    void anEphemeralKeyIsDeletedOnlyByAGuardedDeleteOfItsOwnSession() {
        apply("kv/lock", KvProcessor.PUT, "{\"value\":1,\"session\":\"s1\"}");
        KvState state = (KvState) states.get("kv/lock").value();
        assertThat(state.session()).isEqualTo("s1");
        apply("kv/lock", KvProcessor.DELETE, "{\"ifSession\":\"s2\"}");
        state = (KvState) states.get("kv/lock").value();
        assertThat(state.present()).isTrue();
        assertThat(state.outcomeAt(offset - 1).code()).isEqualTo(KvOutcome.Code.NOT_FOUND);
        apply("kv/lock", KvProcessor.PUT, "{\"value\":2}"); // written since without the session: no longer ephemeral
        apply("kv/lock", KvProcessor.DELETE, "{\"ifSession\":\"s1\"}");
        assertThat(((KvState) states.get("kv/lock").value()).present()).isTrue();
        apply("kv/lock", KvProcessor.PUT, "{\"value\":3,\"session\":\"s1\"}");
        apply("kv/lock", KvProcessor.DELETE, "{\"ifSession\":\"s1\"}");
        state = (KvState) states.get("kv/lock").value();
        assertThat(state.present()).isFalse();
        assertThat(state.session()).isNull();
        assertThat(apply("kv/lock", KvProcessor.PUT, "{\"value\":3,\"session\":7}").kind()).isEqualTo(ApplyOutcome.Kind.REJECTED);
    }

    @Test
    void aServiceListsItsInstancesWithAGrowingIndexAndASessionsCleanUpRemovesOnlyItsOwn() {
        apply("service/api", ServiceProcessor.REGISTER, "{\"instance\":\"i1\",\"address\":\"10.0.0.1\",\"port\":80,\"session\":\"s1\"}");
        long first = json("service/api").path("index").asLong();
        assertThat(first).isEqualTo(offset);
        apply("service/api", ServiceProcessor.REGISTER, "{\"instance\":\"i2\",\"address\":\"10.0.0.2\",\"port\":81,\"meta\":{\"zone\":\"a\"}}");
        assertThat(json("service/api").path("instances").size()).isEqualTo(2);
        assertThat(json("service/api").path("instances").path("i2").path("meta").path("zone").asText()).isEqualTo("a");
        apply("service/api", ServiceProcessor.DEREGISTER, "{\"instance\":\"i2\",\"ifSession\":\"s1\"}");
        assertThat(answer("service/api")).isEqualTo("absent"); // not s1's
        apply("service/api", ServiceProcessor.DEREGISTER, "{\"instance\":\"i1\",\"ifSession\":\"s1\"}");
        assertThat(json("service/api").path("instances").has("i1")).isFalse();
        assertThat(json("service/api").path("index").asLong()).isGreaterThan(first);
        assertThat(apply("service/api", ServiceProcessor.REGISTER, "{\"instance\":\"i3\",\"port\":80}").kind())
                .isEqualTo(ApplyOutcome.Kind.REJECTED);
        apply("session/s9", SessionProcessor.OPEN, "{\"ttlMs\":1000}");
        apply("session/s9", SessionProcessor.ATTACH, "{\"service\":\"api/i1\"}");
        assertThat(json("session/s9").get("services").toString()).isEqualTo("[\"api/i1\"]");
    }
}
