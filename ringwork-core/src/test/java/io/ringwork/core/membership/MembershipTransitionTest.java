package io.ringwork.core.membership;

import io.ringwork.core.membership.MembershipMessage.Alive;
import io.ringwork.core.membership.MembershipMessage.Dead;
import io.ringwork.core.membership.MembershipMessage.Suspect;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every (state, update) pair of the apply path. Node "a" knows member "b" at incarnation 5 in the
 * given state, receives one update about b, and must end in the expected state with at most one
 * event. UNKNOWN means b is not in a's table; NONE means no event.
 */
class MembershipTransitionTest {
    private static final MembershipConfig CONFIG = MembershipConfig.fast("test");

    @ParameterizedTest(name = "{0}@5 + {1}@{2} -> {3}@{4}, event {5}")
    @CsvSource({
            "ALIVE,   alive,   4, ALIVE,   5, NONE",
            "ALIVE,   alive,   5, ALIVE,   5, NONE",
            "ALIVE,   alive,   6, ALIVE,   6, UPDATED",
            "ALIVE,   suspect, 4, ALIVE,   5, NONE",
            "ALIVE,   suspect, 5, SUSPECT, 5, SUSPECT",
            "ALIVE,   suspect, 6, SUSPECT, 6, SUSPECT",
            "ALIVE,   dead,    4, ALIVE,   5, NONE",
            "ALIVE,   dead,    5, DEAD,    5, FAILED",
            "ALIVE,   leave,   5, LEFT,    5, LEFT",
            "SUSPECT, alive,   5, SUSPECT, 5, NONE",
            "SUSPECT, alive,   6, ALIVE,   6, UPDATED",
            "SUSPECT, suspect, 5, SUSPECT, 5, NONE",
            "SUSPECT, suspect, 6, SUSPECT, 6, SUSPECT",
            "SUSPECT, dead,    4, SUSPECT, 5, NONE",
            "SUSPECT, dead,    5, DEAD,    5, FAILED",
            "SUSPECT, leave,   5, LEFT,    5, LEFT",
            "DEAD,    alive,   5, DEAD,    5, NONE",
            "DEAD,    alive,   6, ALIVE,   6, JOINED",
            "DEAD,    suspect, 6, DEAD,    5, NONE",
            "DEAD,    dead,    6, DEAD,    5, NONE",
            "LEFT,    alive,   6, ALIVE,   6, JOINED",
            "LEFT,    suspect, 5, LEFT,    5, NONE",
            "LEFT,    dead,    5, LEFT,    5, NONE",
            "UNKNOWN, alive,   0, ALIVE,   0, JOINED",
            "UNKNOWN, suspect, 5, UNKNOWN, 0, NONE",
            "UNKNOWN, dead,    5, UNKNOWN, 0, NONE",
    })
    void updateAboutAnotherMember(String initial, String update, long incarnation, String expectedState,
                                  long expectedIncarnation, String expectedEvent) {
        TestNode a = new TestNode(CONFIG, "a", 0).started();
        putInState(a, "b", initial);

        a.receive("c", update("b", update, incarnation));

        if (expectedState.equals("UNKNOWN")) {
            assertThat(a.membership.member("b")).isEmpty();
        } else {
            Member b = a.membership.member("b").orElseThrow();
            assertThat(b.state()).isEqualTo(MemberState.valueOf(expectedState));
            assertThat(b.incarnation()).isEqualTo(expectedIncarnation);
        }
        if (expectedEvent.equals("NONE")) {
            assertThat(a.events).isEmpty();
        } else {
            assertThat(a.events).singleElement().satisfies(event -> {
                assertThat(event.kind()).isEqualTo(MemberEvent.Kind.valueOf(expectedEvent));
                assertThat(event.member().id()).isEqualTo("b");
            });
        }
    }

    @ParameterizedTest(name = "self@5 + {0}@{1} -> self@{2}, refuted {3}")
    @CsvSource({
            "suspect, 4, 5, false",  // stale accusation: ignore
            "suspect, 5, 6, true",   // refute by going one above
            "suspect, 9, 10, true",
            "dead,    5, 6, true",
            "dead,    7, 8, true",
            "alive,   5, 5, false",  // our own current announcement echoed back
            "alive,   4, 5, false",
            "alive,   9, 10, true",  // a previous life announced higher: overrule it
    })
    void updateAboutThisNode(String update, long incarnation, long expectedIncarnation, boolean refuted) {
        TestNode a = new TestNode(CONFIG, "a", 5).started("b");

        a.receive("b", update("a", update, incarnation));

        Member self = a.membership.localMember();
        assertThat(self.state()).isEqualTo(MemberState.ALIVE);
        assertThat(self.incarnation()).isEqualTo(expectedIncarnation);
        assertThat(a.membership.stats().refutations()).isEqualTo(refuted ? 1 : 0);
        if (refuted) {
            // The refutation is gossiped: the next packet a sends carries Alive(a, expected).
            a.runUntilSent(send -> send.messages().contains(TestNode.alive("a", expectedIncarnation)), 1000);
        }
    }

    @org.junit.jupiter.api.Test
    void aliveWithDifferentMetadataAtTheSameIncarnationIsRefuted() {
        TestNode a = new TestNode(CONFIG, "a", 5).started("b");
        SortedMap<String, String> other = new TreeMap<>(java.util.Map.of("zone", "x"));

        a.receive("b", new Alive("a", 5, TestNode.address("a"), other));

        assertThat(a.membership.localMember().incarnation()).isEqualTo(6);
        assertThat(a.membership.localMember().metadata()).isEmpty();
    }

    static void putInState(TestNode node, String id, String state) {
        if (state.equals("UNKNOWN")) return;
        node.receive("c", TestNode.alive(id, 5));
        switch (state) {
            case "SUSPECT" -> node.receive("c", new Suspect(id, 5, "c"));
            case "DEAD" -> node.receive("c", new Dead(id, 5, "c"));
            case "LEFT" -> node.receive("c", new Dead(id, 5, id));
            default -> { }
        }
        assertThat(node.stateOf(id)).isEqualTo(MemberState.valueOf(state));
        node.clear();
    }

    static MembershipMessage update(String id, String kind, long incarnation) {
        return switch (kind) {
            case "alive" -> TestNode.alive(id, incarnation);
            case "suspect" -> new Suspect(id, incarnation, "c");
            case "dead" -> new Dead(id, incarnation, "c");
            case "leave" -> new Dead(id, incarnation, id);
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
