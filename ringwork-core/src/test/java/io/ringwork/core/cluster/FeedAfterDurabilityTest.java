package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ringwork.core.cluster.PartitionLeader.Effects;
import io.ringwork.core.cluster.PartitionLeader.Outbound;
import io.ringwork.core.cluster.ReplicaMessage.Commit;
import io.ringwork.core.cluster.ReplicaMessage.Durable;
import io.ringwork.core.record.Change;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.Stage;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.StoredTerm;
import io.ringwork.core.store.WriteSet;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A change reaches a node's feed only once a write quorum holds its commit (the owner's and a replica's side). */
class FeedAfterDurabilityTest {
    private static final Term T1 = new Term(1, "a");
    private final MemoryStateStore a = new MemoryStateStore();
    private final MemoryStateStore b = new MemoryStateStore();
    private final MemoryStateStore c = new MemoryStateStore();
    private final PartitionFollower followerB = new PartitionFollower(ProcessingMachine.of(0, b));
    private final PartitionFollower followerC = new PartitionFollower(ProcessingMachine.of(0, c));
    private PartitionLeader leader;

    private static Change change(String key, long version) {
        return new Change(0, key, version, "t", null, 0, false, ("{\"v\":" + version + "}").getBytes());
    }

    private static StoredState state(long version) {
        return new StoredState(version, "p", false, ("v" + version).getBytes());
    }

    /** a leads with replicas b and c (quorum 2 of 3); returns the Hellos' effects. */
    private Effects lead() {
        leader = new PartitionLeader(T1, "a", ProcessingMachine.of(0, a), 100, 0);
        return leader.members(List.of("a", "b", "c"), List.of(), 3, m -> true);
    }

    /** As the engine: stages key@version under the next commit number, writes, hands it to the leader. */
    private Effects commit(String key, long version) {
        WriteSet set = new WriteSet();
        set.putState(0, key, state(version));
        set.putCheckpoint(0, version);
        set.stage(0, new Stage(new StoredTerm(1, "a"), leader.nextSeq()));
        set.addStagedChange(change(key, version));
        a.write(set);
        return leader.committed(version, new ProcessingMachine.Writes(List.of(new StateWrite(0, key, state(version))),
                List.of(change(key, version)), List.of()), () -> {});
    }

    /**
     * What the owner sent and no member received yet, per member, in order: as on the node, where
     * each member's link carries every message in the order it was made (the owner matches
     * answers to messages by their count).
     */
    private final Map<String, ArrayDeque<ReplicaMessage>> links = new HashMap<>();
    private final Set<Effects> posted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    private Effects post(Effects effects) {
        if (posted.add(effects)) {
            for (Outbound out : effects.messages()) links.computeIfAbsent(out.to(), k -> new ArrayDeque<>()).add(out.message());
        }
        return effects;
    }

    /**
     * Delivers to {@code to} everything its link holds, {@code effects}' messages included, and
     * hands its answers back, until its link is empty (what the answers make for {@code to} goes
     * too; what they make for others waits on those links); returns the owner's effects of each answer.
     */
    private List<Effects> deliverTo(String to, PartitionFollower follower, Effects effects) {
        post(effects);
        List<Effects> answers = new ArrayList<>();
        ArrayDeque<ReplicaMessage> link = links.computeIfAbsent(to, k -> new ArrayDeque<>());
        while (!link.isEmpty()) {
            assertThat(answers.size()).as("messages to %s without end", to).isLessThan(1_000);
            answers.add(post(leader.onAck(to, follower.receive(link.poll()).ack())));
        }
        return answers;
    }

    /** Delivers to {@code to} what its link holds now; what the answers make waits on the links. */
    private List<Effects> deliverOnce(String to, PartitionFollower follower, Effects effects) {
        post(effects);
        List<Effects> answers = new ArrayList<>();
        ArrayDeque<ReplicaMessage> link = links.computeIfAbsent(to, k -> new ArrayDeque<>());
        for (int i = 0, now = link.size(); i < now; i++) answers.add(post(leader.onAck(to, follower.receive(link.poll()).ack())));
        return answers;
    }

    /** Delivers to {@code to} only what its link holds now, and holds back what the answers make (the owner dies). */
    private void deliverAndLoseTheAnswers(String to, PartitionFollower follower, Effects effects) {
        post(effects);
        ArrayDeque<ReplicaMessage> link = links.computeIfAbsent(to, k -> new ArrayDeque<>());
        int now = link.size();
        for (int i = 0; i < now; i++) leader.onAck(to, follower.receive(link.poll()).ack());
    }

    private static <T extends ReplicaMessage> List<T> sent(Effects effects, String to, Class<T> kind) {
        return effects.messages().stream().filter(o -> o.to().equals(to)).map(Outbound::message)
                .filter(kind::isInstance).map(kind::cast).toList();
    }

    private static List<Long> versions(MemoryStateStore store) {
        return store.changes(0, 100).stream().map(e -> e.change().version()).toList();
    }

    @Test
    void the_owner_feeds_a_commit_when_a_quorum_holds_it_and_not_before() {
        deliverTo("b", followerB, lead());
        assertThat(leader.durableSeq()).as("a and b in sync: a quorum holds the starting state").isEqualTo(-1);
        Effects sent = commit("k", 5);
        assertThat(a.changes(0, 10)).as("written, staged, not fed").isEmpty();
        assertThat(a.stagedCount(0)).isEqualTo(1);
        List<Effects> acked = deliverTo("b", followerB, sent);
        assertThat(acked.get(0).fed()).extracting(e -> e.change().version()).containsExactly(5L);
        assertThat(versions(a)).containsExactly(5L);
        assertThat(a.stagedCount(0)).isZero();
    }

    @Test
    void a_replica_feeds_a_commit_once_the_owner_says_it_is_durable() {
        deliverTo("b", followerB, lead());
        Effects first = commit("k", 5);
        assertThat(sent(first, "b", Commit.class).get(0).durableSeq()).as("the frontier before it").isEqualTo(-1);
        post(first);
        ReplicaMessage commit = links.get("b").poll();
        Effects answered = leader.onAck("b", followerB.receive(commit).ack());
        assertThat(versions(b)).as("b holds it, but b cannot know a quorum does").isEmpty();
        assertThat(b.get(0, "k").version()).isEqualTo(5);
        // b's answer made commit 0 durable: the owner says so at once, without waiting for a next commit.
        assertThat(sent(answered, "b", Durable.class)).containsExactly(new Durable(0, T1, 0));
        assertThat(sent(answered, "c", Durable.class)).as("c too, on its link").containsExactly(new Durable(0, T1, 0));
        deliverTo("b", followerB, answered);
        assertThat(versions(b)).containsExactly(5L);
        // A next commit carries the frontier as well.
        assertThat(sent(commit("k", 6), "b", Commit.class).get(0).durableSeq()).isZero();
    }

    @Test
    void a_quiet_owner_says_nothing_more_once_every_member_was_told() {
        deliverTo("b", followerB, lead());
        deliverTo("b", followerB, commit("k", 5));
        assertThat(versions(b)).as("told when the frontier moved").containsExactly(5L);
        assertThat(sent(leader.tick(0, to -> true, 1), "b", Durable.class)).isEmpty();
        assertThat(sent(leader.tick(20, to -> true, 1), "b", Durable.class)).as("nothing new to say").isEmpty();
    }

    @Test
    void a_member_whose_word_of_the_frontier_was_lost_is_told_by_a_tick() {
        deliverTo("b", followerB, lead());
        deliverTo("c", followerC, Effects.none()); // c's Hello and the first frontier
        post(commit("k", 5));
        // c answers the commit first: a and c are a quorum, and the owner says so to both.
        post(leader.onAck("c", followerC.receive(links.get("c").poll()).ack()));
        assertThat(links.get("c")).containsExactly(new Durable(0, T1, 0));
        leader.linkFailed("c", 0);
        links.get("c").clear(); // that word is lost with c's link
        deliverTo("b", followerB, Effects.none());
        assertThat(versions(b)).containsExactly(5L);
        assertThat(versions(c)).isEmpty();
        // c's link comes back with a Hello at the retry; the frontier follows on the next quiet tick.
        Effects retry = leader.tick(200, to -> true, 1);
        assertThat(sent(retry, "c", ReplicaMessage.Hello.class)).hasSize(1);
        deliverTo("c", followerC, retry);
        deliverTo("c", followerC, leader.tick(220, to -> true, 1));
        assertThat(versions(c)).containsExactly(5L);
    }

    @Test
    void nothing_is_fed_anywhere_without_a_quorum() {
        lead(); // no member answers
        assertThat(leader.durableSeq()).isEqualTo(ReplicaMessage.NOTHING_DURABLE);
        Effects sent = commit("k", 5);
        assertThat(sent(sent, "b", Commit.class).get(0).durableSeq()).isEqualTo(ReplicaMessage.NOTHING_DURABLE);
        assertThat(sent(leader.tick(0, to -> true, 1), "b", Durable.class)).isEmpty();
        assertThat(sent(leader.tick(20, to -> true, 1), "b", Durable.class)).isEmpty();
        assertThat(a.changes(0, 10)).isEmpty();
        assertThat(leader.durableAtOnce()).isFalse();
    }

    @Test
    void an_owner_tells_the_last_commits_durability_before_its_release() {
        deliverTo("b", followerB, lead());
        deliverAndLoseTheAnswers("b", followerB, commit("k", 5)); // the frontier's word to b is lost with its link
        leader.linkFailed("b", 0);
        deliverTo("b", followerB, leader.tick(200, to -> true, 1)); // a Hello again
        Effects released = leader.released(5);
        List<ReplicaMessage> toB = released.messages().stream().filter(o -> o.to().equals("b")).map(Outbound::message).toList();
        assertThat(toB).containsExactly(new Durable(0, T1, 0), new ReplicaMessage.Released(0, T1, 5));
        List<ReplicaMessage> toC = released.messages().stream().filter(o -> o.to().equals("c")).map(Outbound::message).toList();
        assertThat(toC).as("c was told when the frontier moved").containsExactly(new ReplicaMessage.Released(0, T1, 5));
    }

    @Test
    void a_member_that_is_a_quorum_alone_feeds_at_once() {
        leader = new PartitionLeader(T1, "a", ProcessingMachine.of(0, a), 100, 0);
        leader.members(List.of("a"), List.of(), 1, m -> true);
        assertThat(leader.durableAtOnce()).isTrue();
    }

    @Test
    void changes_of_a_term_that_ended_unsaid_are_fed_once_a_newer_term_covers_their_records() {
        deliverTo("b", followerB, lead());
        deliverTo("b", followerB, commit("k", 5));
        deliverAndLoseTheAnswers("b", followerB, commit("j", 7));
        assertThat(versions(b)).as("k's durability was said, j's not").containsExactly(5L);
        // a dies before saying j's durable. c takes over under 2/c from checkpoint 5 (it had k@5, not j@7).
        Term t2 = new Term(2, "c");
        followerB.receive(new ReplicaMessage.Hello(0, t2, ReplicaMessage.Role.REPLICA, 0, 5, 5));
        // A quorum holds c's starting state, everything up to 5: not j@7, which c applies again.
        assertThat(followerB.receive(new Durable(0, t2, -1)).fed()).isEmpty();
        assertThat(b.stagedCount(0)).isEqualTo(1);
        // c re-applies record 7 (b drops the copy by version: it holds j@7); once durable, j@7 is covered.
        followerB.receive(ProcessingMachine.commit(0, t2, 0, 7, List.of(new StateWrite(0, "j", state(7))), List.of(change("j", 7)), List.of(), -1));
        assertThat(versions(b)).containsExactly(5L);
        followerB.receive(new Durable(0, t2, 0));
        assertThat(versions(b)).containsExactly(5L, 7L);
        assertThat(b.stagedCount(0)).isZero();
    }

    @Test
    void a_newer_change_of_a_key_takes_its_older_staged_change_with_it_in_order() {
        deliverTo("b", followerB, lead());
        deliverAndLoseTheAnswers("b", followerB, commit("k", 5)); // b holds k@5 staged; the word of its durability never comes
        // a dies; c leads from checkpoint 3 (below 5) and its first commit holds k@9, checkpoint 4 only.
        Term t2 = new Term(2, "c");
        followerB.receive(new ReplicaMessage.Hello(0, t2, ReplicaMessage.Role.REPLICA, 0, 3, 3));
        followerB.receive(ProcessingMachine.commit(0, t2, 0, 4, List.of(new StateWrite(0, "k", state(9))), List.of(change("k", 9)), List.of(), -1));
        List<FeedEntry> fed = followerB.receive(new Durable(0, t2, 0)).fed();
        assertThat(fed).extracting(e -> e.change().version()).as("k@5 first: the key never goes back").containsExactly(5L, 9L);
    }

    @Test
    void staged_changes_survive_a_restart_and_the_same_terms_word_feeds_them() {
        deliverTo("b", followerB, lead());
        deliverAndLoseTheAnswers("b", followerB, commit("k", 5)); // b holds k@5 staged; the word of its durability never comes
        // b restarts: a new follower on the same store, which knows the term it had.
        PartitionFollower restarted = new PartitionFollower(ProcessingMachine.of(0, b));
        assertThat(b.stagedCount(0)).isEqualTo(1);
        assertThat(restarted.receive(new Durable(0, T1, 0)).fed()).extracting(e -> e.change().version()).containsExactly(5L);
    }

    @Test
    void a_durability_word_of_an_older_term_feeds_nothing() {
        deliverTo("b", followerB, lead());
        deliverAndLoseTheAnswers("b", followerB, commit("k", 5)); // b holds k@5 staged; the word of its durability never comes
        followerB.receive(new ReplicaMessage.Hello(0, new Term(2, "c"), ReplicaMessage.Role.REPLICA, 0, 0, 0));
        PartitionFollower.Outcome stale = followerB.receive(new Durable(0, T1, 0));
        assertThat(stale.ack().status()).isEqualTo(ReplicaAck.Status.STALE_TERM);
        assertThat(versions(b)).isEmpty();
    }

    /**
     * Simulator seed 309: b was running the partition itself when a's Hello and frontier came, and
     * refused both. Once its catch-up begins, a tells it the frontier again, so the change b staged
     * under its own ended term (k@2, which a's starting checkpoint covers) reaches b's feed.
     */
    @Test
    void a_member_that_refused_the_frontier_is_told_it_again_after_its_catch_up_begins() {
        WriteSet held = new WriteSet(); // a and c hold k@2 (checkpoint 2) from before
        held.putState(0, "k", state(2));
        held.putCheckpoint(0, 2);
        a.write(held);
        c.write(held);
        WriteSet own = new WriteSet(); // b ran the partition under 0/b and staged k@2, never durable
        own.putState(0, "k", state(2));
        own.stage(0, new Stage(new StoredTerm(0, "b"), 0));
        own.addStagedChange(change("k", 2));
        b.write(own);
        followerB.lead(new Term(0, "b"));
        Effects hellos = lead();
        deliverTo("c", followerC, hellos);
        assertThat(leader.durableSeq()).as("a and c hold a's starting state").isEqualTo(-1);
        assertThat(links.get("b")).as("the frontier went out to b as it moved").contains(new Durable(0, T1, -1));
        // b, still running the partition, refuses the Hello (a starts a catch-up) and the frontier.
        List<Effects> refused = deliverOnce("b", followerB, hellos);
        followerB.reset(); // b stops running it
        Effects pending = refused.get(0);
        for (long now = 40; now <= 200; now += 20) {
            deliverTo("b", followerB, pending);
            pending = leader.tick(now, to -> true, 10);
        }
        assertThat(followerB.inSync()).isTrue();
        assertThat(versions(b)).containsExactly(2L);
        assertThat(b.stagedCount(0)).isZero();
    }
}
