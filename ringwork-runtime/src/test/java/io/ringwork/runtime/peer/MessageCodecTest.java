package io.ringwork.runtime.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Messaging's peer frames (kinds 90-93): round trips, an older member's SKIPPED, damage and a newer member's extra field. */
class MessageCodecTest {
    private static final RelayedMessage.Delivery DELIVERY = new RelayedMessage.Delivery(RelayedMessage.Mode.ANYCAST, "jobs",
            "n1-7", "n1", 1_765_000_000_123L, "{\"a\":[1,2]}".getBytes(StandardCharsets.UTF_8), 1);

    @Test
    void aDeliveryRoundTripsAndIsToldFromReadsAndReplication() throws Exception {
        byte[] body = MessageCodec.encodeDelivery(DELIVERY);
        assertThat(MessageCodec.isMessaging(body)).isTrue();
        assertThat(MessageCodec.isLoad(body)).isFalse();
        assertThat(PeerCodec.CURRENT.isRead(body)).isFalse();
        RelayedMessage.Delivery back = MessageCodec.decodeDelivery(body).value();
        assertThat(back.mode()).isEqualTo(RelayedMessage.Mode.ANYCAST);
        assertThat(back.target()).isEqualTo("jobs");
        assertThat(back.id()).isEqualTo("n1-7");
        assertThat(back.origin()).isEqualTo("n1");
        assertThat(back.sentAtMs()).isEqualTo(1_765_000_000_123L);
        assertThat(new String(back.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":[1,2]}");
        assertThat(back.hops()).isEqualTo(1);
        assertThat(MessageCodec.isMessaging(PeerCodec.CURRENT.encodeRead(new RelayedRead.Request("k", 1)))).isFalse();
    }

    @Test
    void everyAnswerAndLoadRoundTrips() throws Exception {
        for (RelayedMessage.Answer answer : new RelayedMessage.Answer[] {RelayedMessage.Answer.delivered(3, ""),
                RelayedMessage.Answer.delivered(1, "n2/4"), RelayedMessage.Answer.notOwner("n3", "plan says n3"),
                RelayedMessage.Answer.unavailable("starting"), RelayedMessage.Answer.refused("two hops")}) {
            assertThat(MessageCodec.decodeAnswer(MessageCodec.encodeAnswer(answer)).value()).isEqualTo(answer);
        }
        RelayedMessage.Load load = new RelayedMessage.Load(3, 17, 1_000_000_000_000L);
        byte[] query = MessageCodec.encodeLoadQuery(new RelayedMessage.LoadQuery("jobs"));
        assertThat(MessageCodec.isMessaging(query)).isTrue();
        assertThat(MessageCodec.isLoad(query)).isTrue();
        assertThat(MessageCodec.decodeLoadQuery(query).value().topic()).isEqualTo("jobs");
        assertThat(MessageCodec.decodeLoad(MessageCodec.encodeLoad(load)).value()).isEqualTo(load);
    }

    @Test
    void anOlderMembersSkippedReadsAsUnavailableAndNoSubscribers() throws Exception {
        byte[] skipped = new Tagged.Writer().message(PeerCodec.SKIPPED, new Tagged.Writer()).toByteArray();
        assertThat(MessageCodec.decodeAnswer(skipped).value().outcome()).isEqualTo(RelayedMessage.Outcome.UNAVAILABLE);
        assertThat(MessageCodec.decodeLoad(skipped).value()).isEqualTo(RelayedMessage.Load.NONE);
        // And a version-1 replication decoder takes a delivery for an unknown kind: answered SKIPPED, nothing applied.
        PeerCodec.Batch batch = PeerCodec.CURRENT.decodeBatch(MessageCodec.encodeDelivery(DELIVERY));
        assertThat(batch.messages()).containsExactly((io.ringwork.core.cluster.ReplicaMessage) null);
        assertThat(batch.unknownKinds()).isEqualTo(1);
    }

    @Test
    void aNewerMembersExtraFieldIsSkippedAndCounted() throws Exception {
        byte[] body = MessageCodec.encodeDelivery(DELIVERY);
        Tagged.Slice message = new Tagged.Reader(body).next();
        byte[] fields = Arrays.copyOfRange(message.buffer(), message.offset(), message.offset() + message.length());
        byte[] extra = new Tagged.Writer().string(200, "x").toByteArray();
        byte[] all = new byte[fields.length + extra.length];
        System.arraycopy(fields, 0, all, 0, fields.length);
        System.arraycopy(extra, 0, all, fields.length, extra.length);
        Tagged.Writer wrapped = new Tagged.Writer();
        wrapped.varint(MessageCodec.DELIVER).varint(all.length);
        byte[] head = wrapped.toByteArray();
        byte[] frame = new byte[head.length + all.length];
        System.arraycopy(head, 0, frame, 0, head.length);
        System.arraycopy(all, 0, frame, head.length, all.length);
        PeerCodec.Decoded<RelayedMessage.Delivery> decoded = MessageCodec.decodeDelivery(frame);
        assertThat(decoded.unknownFields()).isEqualTo(1);
        assertThat(decoded.value().id()).isEqualTo("n1-7");
    }

    @Test
    void damagedBodiesAreErrors() {
        byte[] body = MessageCodec.encodeDelivery(DELIVERY);
        for (int cut = 1; cut < body.length; cut += 3) {
            byte[] part = Arrays.copyOf(body, cut);
            assertThatThrownBy(() -> MessageCodec.decodeDelivery(part)).isInstanceOf(java.io.IOException.class);
        }
        byte[] badMode = new Tagged.Writer().message(MessageCodec.DELIVER, new Tagged.Writer().byteValue(MessageCodec.MODE, 9)
                .string(MessageCodec.TARGET, "t")).toByteArray();
        assertThatThrownBy(() -> MessageCodec.decodeDelivery(badMode)).hasMessageContaining("mode");
        byte[] longTarget = MessageCodec.encodeDelivery(new RelayedMessage.Delivery(RelayedMessage.Mode.SEND, "x".repeat(1025), "i", "n",
                0, new byte[] {'1'}, 1));
        assertThatThrownBy(() -> MessageCodec.decodeDelivery(longTarget)).hasMessageContaining("1024");
        assertThatThrownBy(() -> MessageCodec.decodeLoad(new byte[] {93, 3, 99, 1, 0})).isInstanceOf(java.io.IOException.class);
    }
}
