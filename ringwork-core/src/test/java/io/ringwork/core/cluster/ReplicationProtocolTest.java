package io.ringwork.core.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ringwork.core.cluster.PartitionLeader.Effects;
import io.ringwork.core.cluster.PartitionLeader.Outbound;
import io.ringwork.core.record.Change;
import io.ringwork.core.store.MemoryStateStore;
import io.ringwork.core.store.StoredState;
import io.ringwork.core.store.WriteSet;
import io.ringwork.core.store.WriteSet.StateWrite;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The owner/replica protocol of one partition, with messages delivered by hand. */
class ReplicationProtocolTest {
    private final Map<String, MemoryStateStore> stores = new HashMap<>();
    private final Map<String, PartitionFollower> followers = new HashMap<>();
    private final ArrayDeque<Outbound> wire = new ArrayDeque<>();
    private final List<Long> durable = new ArrayList<>();
    private PartitionLeader leader;
    /** Whom the plan's view shows ready: everyone, unless a test says otherwise. */
    private Predicate<String> readyInView = member -> true;

    private void cluster(String... nodes) {
        for (String node : nodes) {
            stores.put(node, new MemoryStateStore());
            followers.put(node, new PartitionFollower(ProcessingMachine.of(0, stores.get(node))));
        }
    }

    /** The owner commits key@version locally, then hands it to its leader. */
    private void commit(String owner, String key, long version) {
        WriteSet set = new WriteSet();
        StoredState state = new StoredState(version, "p", false, ("v" + version).getBytes());
        set.putState(0, key, state);
        set.putCheckpoint(0, version);
        stores.get(owner).write(set);
        Change change = new Change(0, key, version, "t", null, 0, false, "{}".getBytes());
        queue(leader.committed(version, new ProcessingMachine.Writes(List.of(new StateWrite(0, key, state)), List.of(change), List.of()),
                () -> durable.add(version)));
    }

    private void queue(Effects effects) {
        wire.addAll(effects.messages());
        effects.durable().forEach(Runnable::run);
    }

    /** Delivers everything queued (and what the answers cause), except to {@code cut}. */
    private void deliver(String... cut) {
        List<String> down = List.of(cut);
        while (!wire.isEmpty()) {
            Outbound out = wire.poll();
            if (down.contains(out.to())) {
                leader.linkFailed(out.to(), 0);
                continue;
            }
            ReplicaAck ack = followers.get(out.to()).receive(out.message()).ack();
            queue(leader.onAck(out.to(), ack));
            // Time passes: a tick, and a second one once the links are quiet, which tells the
            // members how far commits are durable (their feeds take the changes then).
            if (wire.isEmpty()) queue(leader.tick(0, to -> true, 100));
            if (wire.isEmpty()) queue(leader.tick(0, to -> true, 100));
        }
    }

    /** Two ticks with nothing sent in between: the owner tells each member how far commits are durable. */
    private void tellDurable() {
        queue(leader.tick(0, to -> true, 100));
        queue(leader.tick(0, to -> true, 100));
        deliver();
    }

    /** The failed links say Hello again (their retry is due) and everything is delivered. */
    private void heal() {
        queue(leader.tick(0, to -> true, 100));
        deliver();
    }

    /** a leads partition 0 with b as its one replica (quorum 2); the Hello is delivered. */
    private void twoMembersLedByA() {
        cluster("a", "b");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "b"), List.of(), 2, readyInView));
        deliver();
    }

    /** a leads partition 0 with b and c (quorum 2); j is up but on no list yet, and not ready. Nothing delivered. */
    private void threeMembersLedByAWithJoinerJ() {
        cluster("a", "b", "c", "j");
        readyInView = member -> !member.equals("j");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "b", "c"), List.of(), 3, readyInView));
    }

    /** {@code node}'s copy of {@code key} rots: same version, other bytes. */
    private void rot(String node, String key, long version) {
        WriteSet rot = new WriteSet();
        rot.putState(0, key, new StoredState(version, "p", false, "rotten".getBytes()));
        stores.get(node).write(rot);
    }

    @Test
    void a_commit_is_durable_once_a_majority_holds_it() {
        cluster("a", "b", "c");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 2, 10);
        queue(leader.members(List.of("a", "b", "c"), List.of(), 3, readyInView));
        deliver();
        commit("a", "k1", 5);
        assertThat(durable).isEmpty(); // not yet sent
        deliver("c");
        assertThat(durable).containsExactly(5L);
        assertThat(stores.get("b").get(0, "k1").version()).isEqualTo(5);
        assertThat(stores.get("b").checkpoint(0)).isEqualTo(5);
        assertThat(stores.get("c").get(0, "k1")).isNull();
    }

    @Test
    void without_a_majority_nothing_is_durable() {
        cluster("a", "b", "c");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 2, 10);
        queue(leader.members(List.of("a", "b", "c"), List.of(), 3, readyInView));
        deliver("b", "c");
        commit("a", "k1", 5);
        deliver("b", "c");
        assertThat(durable).isEmpty();
        assertThat(leader.pendingCount()).isEqualTo(1);
    }

    @Test
    void a_replica_that_is_behind_gets_a_snapshot_then_counts() {
        cluster("a", "b", "c");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 2, 0);
        queue(leader.members(List.of("a", "b"), List.of(), 2, readyInView));
        deliver();
        for (int i = 0; i < 7; i++) commit("a", "k" + i, 10 + i);
        deliver();
        assertThat(durable).hasSize(7);
        // c joins the preference list: it holds nothing, so it needs every state (4 pages of 2).
        queue(leader.members(List.of("a", "b", "c"), List.of(), 3, readyInView));
        commit("a", "k9", 30);
        deliver("b");
        // b's link failed; c caught up through the snapshot and now forms the majority with a.
        assertThat(durable).contains(30L);
        for (int i = 0; i < 7; i++) assertThat(stores.get("c").get(0, "k" + i).version()).isEqualTo(10 + i);
        assertThat(stores.get("c").checkpoint(0)).isEqualTo(30);
        assertThat(leader.snapshotsStarted()).isEqualTo(1);
        assertThat(leader.inSync()).contains("c");
    }

    @Test
    void a_gap_drops_the_replica_to_catch_up_and_its_checkpoint_waits() {
        twoMembersLedByA();
        commit("a", "k1", 1);
        deliver();
        commit("a", "k2", 2);
        Outbound lost = wire.poll(); // lost without the link noticing
        assertThat(lost.message()).isInstanceOf(ReplicaMessage.Commit.class);
        commit("a", "k3", 3);
        Outbound third = wire.poll();
        ReplicaAck ack = followers.get("b").receive(third.message()).ack();
        assertThat(ack.status()).isEqualTo(ReplicaAck.Status.NEED_SNAPSHOT);
        // Nothing past the hole is taken (its change would reach the feed ahead of k2's), and the
        // checkpoint does not move.
        assertThat(stores.get("b").get(0, "k3")).isNull();
        assertThat(stores.get("b").checkpoint(0)).isEqualTo(1);
        queue(leader.onAck("b", ack));
        deliver();
        assertThat(stores.get("b").get(0, "k2").version()).isEqualTo(2);
        assertThat(stores.get("b").checkpoint(0)).isEqualTo(3);
        assertThat(durable).containsExactly(1L, 2L, 3L);
    }

    @Test
    void a_newer_term_deposes_the_old_owner() {
        twoMembersLedByA();
        ReplicaAck toNew = followers.get("b").receive(new ReplicaMessage.Hello(0, new Term(2, "c"),
                ReplicaMessage.Role.REPLICA, 0, -1, -1)).ack();
        assertThat(toNew.status()).isEqualTo(ReplicaAck.Status.IN_SYNC);
        commit("a", "k1", 1);
        deliver();
        assertThat(leader.deposed()).isTrue();
        assertThat(durable).isEmpty();
        assertThat(stores.get("b").get(0, "k1")).isNull();
    }

    @Test
    void observers_keep_the_state_and_feed_each_change_once_but_do_not_vote() {
        cluster("a", "o");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a"), List.of("o"), 1, readyInView));
        deliver();
        commit("a", "k1", 1);
        commit("a", "k1", 2);
        assertThat(durable).containsExactly(1L, 2L); // a alone is the quorum of a list of one
        deliver();
        // A duplicate delivery of an old commit adds nothing to the observer's feed.
        followers.get("o").receive(ProcessingMachine.commit(0, new Term(1, "a"), 0, 1, List.of(),
                List.of(new Change(0, "k1", 1, "t", null, 0, false, "{}".getBytes())), List.of()));
        assertThat(stores.get("o").changes(0, 10)).extracting(e -> e.change().version()).containsExactly(1L, 2L);
        assertThat(stores.get("o").get(0, "k1").version()).isEqualTo(2);
        assertThat(leader.inSync()).as("an observer never counts toward the quorum").isEmpty();
    }

    @Test
    void a_member_that_still_runs_the_partition_takes_nothing_until_it_stops() {
        cluster("a", "b");
        followers.get("b").lead(new Term(1, "b"));
        leader = new PartitionLeader(new Term(2, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 1, 0);
        commit("a", "k1", 1);
        commit("a", "k2", 2);
        queue(leader.members(List.of("a", "b"), List.of(), 2, readyInView));
        Outbound hello = wire.poll();
        ReplicaAck refused = followers.get("b").receive(hello.message()).ack();
        assertThat(refused.status()).isEqualTo(ReplicaAck.Status.NEED_SNAPSHOT);
        assertThat(followers.get("b").superseded()).isTrue();
        assertThat(stores.get("b").get(0, "k1")).isNull();
        queue(leader.onAck("b", refused)); // starts a snapshot
        // While b still runs the partition, the snapshot is refused too, and started again.
        Outbound begin = wire.poll();
        assertThat(begin.message()).isInstanceOf(ReplicaMessage.SnapshotBegin.class);
        queue(leader.onAck("b", followers.get("b").receive(begin.message()).ack()));
        assertThat(leader.snapshotsStarted()).isEqualTo(2);
        // b stops running it; the snapshot now goes through and b counts.
        followers.get("b").reset();
        deliver();
        assertThat(leader.inSync()).containsExactly("b");
        assertThat(stores.get("b").get(0, "k2").version()).isEqualTo(2);
        assertThat(stores.get("b").checkpoint(0)).isEqualTo(2);
        assertThat(durable).containsExactly(1L, 2L);
    }

    @Test
    void a_cut_off_member_cannot_be_a_majority_by_itself() {
        OwnershipPlan alone = OwnershipPlan.compute(List.of(new MemberView("a", 1, new java.util.BitSet(), new java.util.BitSet())),
                4, 3, 3);
        assertThat(alone.writeQuorum(0)).isEqualTo(2);
        assertThat(alone.replicas(0)).containsExactly("a");
        OwnershipPlan single = OwnershipPlan.compute(List.of(new MemberView("a", 1, new java.util.BitSet(), new java.util.BitSet())),
                4, 3);
        assertThat(single.writeQuorum(0)).isEqualTo(1);
    }

    @Test
    void a_resent_batch_is_taken_as_a_duplicate_not_a_gap() {
        twoMembersLedByA();
        commit("a", "k1", 1);
        commit("a", "k2", 2);
        List<Outbound> batch = new ArrayList<>(wire);
        wire.clear();
        for (Outbound out : batch) followers.get("b").receive(out.message()); // answers lost
        for (Outbound out : batch) {
            ReplicaAck ack = followers.get("b").receive(out.message()).ack(); // the link sends again
            assertThat(ack.status()).isEqualTo(ReplicaAck.Status.IN_SYNC);
            queue(leader.onAck("b", ack));
        }
        assertThat(durable).containsExactly(1L, 2L);
        tellDurable();
        assertThat(stores.get("b").changes(0, 10)).hasSize(2);
        assertThat(leader.snapshotsStarted()).isZero();
    }

    @Test
    void anti_entropy_finds_a_replica_that_differs_at_the_same_version_and_repairs_it() {
        twoMembersLedByA();
        commit("a", "k1", 1);
        commit("a", "k2", 2);
        deliver();
        // Idle and equal: the digest matches, nothing happens.
        queue(leader.digest(0, 1000));
        deliver();
        assertThat(leader.snapshotsStarted()).isZero();
        assertThat(followers.get("b").repairs()).isZero();
        // b's copy of k1 rots: same version, other bytes. Versions alone cannot see it.
        rot("b", "k1", 1);
        assertThat(leader.digest(500, 1000).messages()).as("not due yet").isEmpty();
        queue(leader.digest(1000, 1000));
        deliver();
        assertThat(followers.get("b").repairs()).isEqualTo(1);
        assertThat(leader.snapshotsStarted()).isEqualTo(1);
        assertThat(stores.get("b").get(0, "k1").value()).isEqualTo("v1".getBytes());
        assertThat(leader.inSync()).containsExactly("b");
        assertThat(PartitionDigest.of(stores.get("b"), 0)).isEqualTo(PartitionDigest.of(stores.get("a"), 0));
    }

    @Test
    void commits_sent_while_a_repair_is_asked_for_still_reach_the_replica_feed() {
        twoMembersLedByA();
        commit("a", "k1", 1);
        commit("a", "k2", 2);
        deliver();
        rot("b", "k2", 2);
        queue(leader.digest(0, 1000));
        // The owner commits on before b's answer to the digest comes back: these two travel ahead
        // of the repairing snapshot, and b must feed them (the snapshot carries no changes).
        commit("a", "k3", 3);
        commit("a", "k1", 4);
        deliver();
        assertThat(followers.get("b").repairs()).isEqualTo(1);
        assertThat(stores.get("b").changes(0, 10)).extracting(e -> e.change().key() + "@" + e.change().version())
                .containsExactly("k1@1", "k2@2", "k3@3", "k1@4");
        assertThat(PartitionDigest.of(stores.get("b"), 0)).isEqualTo(PartitionDigest.of(stores.get("a"), 0));
        assertThat(stores.get("b").checkpoint(0)).isEqualTo(4);
        assertThat(leader.inSync()).containsExactly("b");
        assertThat(durable).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void an_owner_says_it_released_after_its_last_commit_and_only_the_current_owners_word_counts() {
        twoMembersLedByA();
        commit("a", "k1", 1);
        queue(leader.released(1));
        List<ReplicaMessage> toB = wire.stream().filter(o -> o.to().equals("b")).map(Outbound::message).toList();
        assertThat(toB).hasSize(2);
        assertThat(toB.get(0)).isInstanceOf(ReplicaMessage.Commit.class);
        ReplicaMessage word = toB.get(1);
        assertThat(word).isEqualTo(new ReplicaMessage.Released(0, new Term(1, "a"), 1));
        PartitionFollower b = followers.get("b");
        b.receive(toB.get(0));
        b.receive(word);
        assertThat(b.releasedByOwner("a", word)).isTrue();
        assertThat(b.releasedByOwner("c", word)).as("relayed by another member").isFalse();
        assertThat(stores.get("b").changes(0, 10)).as("never said durable: staged, not fed").isEmpty();
        // A newer owner took over: the old one's word no longer counts.
        b.receive(new ReplicaMessage.Hello(0, new Term(2, "c"), ReplicaMessage.Role.REPLICA, 0, 1, 1));
        assertThat(b.receive(word).ack().status()).isEqualTo(ReplicaAck.Status.STALE_TERM);
        assertThat(b.releasedByOwner("a", word)).isFalse();
        // The new owner's starting state (checkpoint 1) is held by a quorum: k1@1 of the ended term is covered.
        assertThat(b.receive(new ReplicaMessage.Durable(0, new Term(2, "c"), -1)).fed()).hasSize(1);
        assertThat(stores.get("b").changes(0, 10)).hasSize(1);
    }

    @Test
    void the_owner_sees_how_long_a_replica_has_owed_it_an_answer() {
        twoMembersLedByA();
        assertThat(leader.answerLagMs("b", 0)).as("b answered its Hello").isZero();
        assertThat(leader.answerLagMs("c", 0)).as("not a replica of this owner").isEqualTo(Long.MAX_VALUE);
        commit("a", "k1", 1);
        queue(leader.tick(100, to -> true, 10)); // the commit is on its way at t=100
        commit("a", "k2", 2);
        queue(leader.tick(150, to -> true, 10));
        assertThat(leader.answerLagMs("b", 400)).as("b owes the commit sent by t=100").isEqualTo(300);
        // b answers the first commit only: it still owes the one sent by t=150.
        Outbound first = wire.poll();
        queue(leader.onAck("b", followers.get("b").receive(first.message()).ack()));
        assertThat(leader.answerLagMs("b", 400)).isEqualTo(250);
        deliver();
        assertThat(leader.answerLagMs("b", 400)).as("b answered everything").isZero();
        // A link that failed: b is no in-sync replica until it answers a fresh Hello.
        leader.linkFailed("b", 500);
        assertThat(leader.answerLagMs("b", 500)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void an_observer_never_counts_as_answering_for_a_handoff() {
        cluster("a", "b", "c");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 10);
        queue(leader.members(List.of("a", "b"), List.of("c"), 2, readyInView));
        deliver();
        commit("a", "k1", 1);
        deliver();
        assertThat(leader.answerLagMs("b", 0)).isZero();
        assertThat(leader.answerLagMs("c", 0)).as("c answered, but as an observer").isEqualTo(Long.MAX_VALUE);
        assertThat(leader.hasQuorum()).isTrue();
        leader.linkFailed("b", 0);
        assertThat(leader.hasQuorum()).as("a alone is no majority of a and b").isFalse();
    }

    @Test
    void a_backlog_longer_than_the_marks_still_reads_as_a_lag() {
        twoMembersLedByA();
        // 300 commits, one per 20 ms tick, none answered: more ticks than the leader keeps marks for.
        for (int i = 0; i < 300; i++) {
            commit("a", "k" + i, i + 1);
            queue(leader.tick(i * 20L, to -> true, 10));
        }
        assertThat(leader.answerLagMs("b", 6000)).isEqualTo(6000);
        // b answers the first 256 commits; the 44 after them were sent from t=5,120 ms on.
        for (int i = 0; i < 256; i++) {
            Outbound out = wire.poll();
            queue(leader.onAck("b", followers.get("b").receive(out.message()).ack()));
        }
        long lag = leader.answerLagMs("b", 6000);
        assertThat(lag).as("still owes commits sent by t=5,880").isGreaterThanOrEqualTo(120);
        assertThat(lag).isEqualTo(900); // the last mark (t=5,100) now covers every later send
    }

    @Test
    void a_replica_the_list_displaces_keeps_its_vote_until_the_new_replica_is_in_sync() {
        threeMembersLedByAWithJoinerJ();
        deliver();
        commit("a", "k1", 1);
        deliver();
        // j joins and takes c's place on the list; its link fails before it caught up, and b is cut off.
        queue(leader.members(List.of("a", "b", "j"), List.of("c"), 3, readyInView));
        commit("a", "k2", 2);
        deliver("b", "j");
        assertThat(durable).as("a and c, the old list's majority, hold it").containsExactly(1L, 2L);
        assertThat(leader.inSync()).containsExactly("c");
        assertThat(leader.hasQuorum()).isTrue();
        // j catches up (snapshot) and b is back: the new list is in sync, and c's vote ends for good.
        heal();
        commit("a", "k3", 3);
        deliver("b");
        assertThat(durable).containsExactly(1L, 2L, 3L);
        assertThat(stores.get("j").get(0, "k1").version()).isEqualTo(1);
        commit("a", "k4", 4);
        deliver("b", "j");
        assertThat(durable).as("c alone answered: an observer now").containsExactly(1L, 2L, 3L);
        assertThat(leader.inSync()).doesNotContain("c");
        assertThat(stores.get("c").get(0, "k4").version()).as("c still keeps the state").isEqualTo(4);
    }

    @Test
    void a_displaced_replica_that_was_behind_gets_no_vote() {
        threeMembersLedByAWithJoinerJ();
        deliver("c");
        queue(leader.members(List.of("a", "b", "j"), List.of("c"), 3, readyInView));
        commit("a", "k1", 1);
        deliver("b", "j");
        assertThat(stores.get("c").get(0, "k1").version()).isEqualTo(1);
        assertThat(durable).as("c was not in sync when j took its place").isEmpty();
    }

    @Test
    void an_owner_the_list_displaces_keeps_its_own_vote_until_the_new_list_is_in_sync() {
        threeMembersLedByAWithJoinerJ();
        deliver();
        // j takes a's own place: a runs the partition until it hands it off.
        queue(leader.members(List.of("b", "c", "j"), List.of(), 3, readyInView));
        commit("a", "k1", 1);
        deliver("c", "j");
        assertThat(durable).as("a and b, the old list's majority").containsExactly(1L);
        heal();
        commit("a", "k2", 2);
        deliver("c", "j");
        assertThat(durable).as("b alone is no majority of b, c and j").containsExactly(1L);
        heal();
        assertThat(durable).containsExactly(1L, 2L);
    }

    @Test
    void a_joiner_that_never_catches_up_neither_holds_nor_blocks_the_quorum() {
        // a and b hold the partition; j joined and is on the list, but hears nothing of a.
        cluster("a", "b", "j");
        readyInView = member -> !member.equals("j");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "b", "j"), List.of(), 3, readyInView));
        commit("a", "k1", 1);
        deliver("j");
        commit("a", "k2", 2);
        deliver("j");
        queue(leader.tick(0, to -> true, 100)); // j's link is retried: its Hello is lost again
        deliver("j");
        assertThat(leader.writeQuorum()).as("j, a learner, is out of the count").isEqualTo(2);
        assertThat(durable).containsExactly(1L, 2L);
        assertThat(leader.hasQuorum()).isTrue();
        assertThat(stores.get("j").get(0, "k1")).isNull();
    }

    @Test
    void an_owner_cut_off_from_a_majority_makes_nothing_durable_even_when_learners_shrink_its_write_quorum() {
        // a leads with j and k on the list, neither ready: learners, so the write quorum is a alone.
        // But j and k are cut off from a, and promise a newer owner b instead: a majority of the
        // slots now refuses a's term, so nothing of a may become durable, or two owners would.
        cluster("a", "j", "k");
        readyInView = member -> member.equals("a");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "j", "k"), List.of(), 3, readyInView));
        commit("a", "k1", 1);
        deliver("j", "k");
        assertThat(leader.writeQuorum()).isEqualTo(1);
        assertThat(leader.fenceQuorum()).isEqualTo(2);
        assertThat(durable).as("no promise but a's own").isEmpty();
        assertThat(leader.fenceWaits()).isPositive();
        assertThat(leader.hasQuorum()).isFalse();
        ReplicaMessage.Hello newer = new ReplicaMessage.Hello(0, new Term(2, "b"), ReplicaMessage.Role.REPLICA, 0, -1, -1);
        followers.get("j").receive(newer);
        followers.get("k").receive(newer);
        assertThat(stores.get("j").term(0).epoch()).as("the promise is in j's store").isEqualTo(2);
        heal(); // a's links come back: j and k refuse its term
        assertThat(durable).isEmpty();
        assertThat(leader.deposed()).isTrue();
    }

    @Test
    void any_answer_to_the_owners_term_is_a_promise_even_from_a_learner_still_catching_up() {
        // The same three slots; j's link works. j holds nothing yet (it catches up by snapshot), but
        // its first answer promises a's term, which with a's own makes two of three.
        cluster("a", "j", "k");
        readyInView = member -> member.equals("a");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "j", "k"), List.of(), 3, readyInView));
        commit("a", "k1", 1);
        deliver("k");
        assertThat(durable).containsExactly(1L);
        assertThat(stores.get("j").term(0)).isEqualTo(new io.ringwork.core.store.StoredTerm(1, "a"));
    }

    @Test
    void a_replica_that_catches_up_starts_counting_and_keeps_counting_when_its_link_drops() {
        cluster("a", "j");
        readyInView = member -> !member.equals("j");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 1, 0);
        queue(leader.members(List.of("a", "j"), List.of(), 2, readyInView));
        deliver("j");
        commit("a", "k1", 1);
        commit("a", "k2", 2);
        assertThat(leader.writeQuorum()).as("j, a learner, is out of the write quorum").isEqualTo(1);
        assertThat(durable).as("but a alone is no majority of two slots: j must answer a's term").isEmpty();
        // j's link works now: it catches up by snapshot and is in sync; from then on it counts.
        heal();
        assertThat(durable).containsExactly(1L, 2L);
        assertThat(leader.inSync()).containsExactly("j");
        assertThat(stores.get("j").get(0, "k2").version()).isEqualTo(2);
        assertThat(leader.writeQuorum()).isEqualTo(2);
        commit("a", "k3", 3);
        assertThat(durable).as("waits for j's answer").containsExactly(1L, 2L);
        deliver();
        assertThat(durable).containsExactly(1L, 2L, 3L);
        // Its link drops: it still counts (its gossip still says not ready), so a alone is no majority.
        commit("a", "k4", 4);
        deliver("j");
        assertThat(leader.writeQuorum()).isEqualTo(2);
        assertThat(durable).containsExactly(1L, 2L, 3L);
        assertThat(leader.hasQuorum()).isFalse();
        heal();
        assertThat(durable).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void learners_leave_the_write_quorum_but_a_commit_still_waits_for_a_majority_of_answers() {
        // Five replicas (replication factor 5): j and k joined and do not answer, c is cut off.
        // Counting the learners, the write quorum would be three holders; without them it is two,
        // a and b. But two of five slots answering a's term is no majority: the fence waits.
        cluster("a", "b", "c", "j", "k");
        readyInView = member -> !member.equals("j") && !member.equals("k");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "b", "c", "j", "k"), List.of(), 5, readyInView));
        deliver("c", "j", "k");
        commit("a", "k1", 1);
        deliver("c", "j", "k");
        assertThat(leader.writeQuorum()).isEqualTo(2);
        assertThat(leader.fenceQuorum()).isEqualTo(3);
        assertThat(durable).isEmpty();
        // j answers (it starts catching up, holding nothing yet): a, b and j make the fence.
        queue(leader.tick(0, to -> true, 100));
        deliver("c", "k");
        assertThat(durable).containsExactly(1L);
        // b is cut off too: a alone holds k2, no write quorum of a, b and c.
        commit("a", "k2", 2);
        deliver("b", "c", "k");
        assertThat(durable).containsExactly(1L);
    }

    @Test
    void a_member_ready_in_the_view_counts_before_it_answers_and_failed_members_keep_their_slots() {
        // b says it is ready (it may hold the partition from an earlier owner): it counts at once.
        cluster("a", "b", "j");
        readyInView = member -> !member.equals("j");
        leader = new PartitionLeader(new Term(1, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        queue(leader.members(List.of("a", "b"), List.of(), 2, readyInView));
        commit("a", "k1", 1);
        deliver("b");
        assertThat(durable).as("a alone is no majority of a and b").isEmpty();
        // Three slots (a member failed and was not reaped), a and the learner j on the list: a alone
        // is still no majority of the two slots left.
        PartitionLeader cutOff = new PartitionLeader(new Term(2, "a"), "a", ProcessingMachine.of(0, stores.get("a")), 100, 0);
        cutOff.members(List.of("a", "j"), List.of(), 3, readyInView);
        assertThat(cutOff.writeQuorum()).isEqualTo(2);
        assertThat(cutOff.hasQuorum()).isFalse();
    }

    @Test
    void a_follower_refuses_and_counts_a_term_above_the_maximum_epoch_and_keeps_its_owner() {
        twoMembersLedByA();
        PartitionFollower b = followers.get("b");
        Term forged = new Term(Long.MAX_VALUE, "x");
        ReplicaAck refused = b.receive(ProcessingMachine.commit(0, forged, 0, 9,
                List.of(new StateWrite(0, "k9", new StoredState(9, "p", false, "forged".getBytes()))), List.of(), List.of())).ack();
        assertThat(refused.status()).isEqualTo(ReplicaAck.Status.STALE_TERM);
        assertThat(b.termsRefused()).isEqualTo(1);
        assertThat(b.term()).as("the forged term is not taken").isEqualTo(new Term(1, "a"));
        assertThat(stores.get("b").get(0, "k9")).isNull();
        assertThat(b.inSync()).isTrue();
        b.observe(forged);
        assertThat(b.term()).isEqualTo(new Term(1, "a"));
        // a's commits still go through, and a new owner can still take a term above a's.
        commit("a", "k1", 1);
        deliver();
        assertThat(durable).containsExactly(1L);
        assertThat(Term.after(b.term(), "b")).isEqualTo(new Term(2, "b"));
        // At the bound itself a term is taken, and then no member can go above it: it says so.
        b.receive(new ReplicaMessage.Hello(0, new Term(Term.MAX_EPOCH, "c"), ReplicaMessage.Role.REPLICA, 0, -1, -1));
        assertThat(b.termsRefused()).isEqualTo(1);
        assertThatThrownBy(() -> Term.after(b.term(), "b")).isInstanceOf(Term.EpochsExhausted.class);
    }

    @Test
    void an_owner_drops_and_counts_an_answer_with_a_term_above_the_maximum_epoch() {
        twoMembersLedByA();
        queue(leader.onAck("b", new ReplicaAck(0, new Term(Term.MAX_EPOCH + 1, "x"), 0, ReplicaAck.Status.STALE_TERM)));
        assertThat(leader.deposed()).as("not deposed by a term no member can have").isFalse();
        assertThat(leader.newerTerm()).isNull();
        assertThat(leader.termsRefused()).isEqualTo(1);
        commit("a", "k1", 1);
        deliver();
        assertThat(durable).containsExactly(1L);
    }

    @Test
    void an_answer_for_a_commit_this_owner_never_made_is_dropped_not_counted() {
        twoMembersLedByA();
        commit("a", "k1", 1); // seq 0, not delivered
        // An IN_SYNC of this term for seq 5: another instance of the same term (a restarted node that
        // picked it again) was answered. Input from the network: dropped and counted, no invariant trips.
        queue(leader.onAck("b", new ReplicaAck(0, new Term(1, "a"), 5, ReplicaAck.Status.IN_SYNC)));
        assertThat(leader.foreignAcks()).isEqualTo(1);
        assertThat(durable).as("the foreign answer made nothing durable").isEmpty();
        deliver();
        assertThat(durable).containsExactly(1L);
    }

    @Test
    void a_stale_or_repeated_message_is_refused_and_the_follower_keeps_its_term() {
        twoMembersLedByA();
        commit("a", "k1", 1);
        deliver();
        PartitionFollower b = followers.get("b");
        ReplicaMessage.Commit old = ProcessingMachine.commit(0, new Term(0, "z"), 0, 0, List.of(), List.of(), List.of());
        assertThat(b.receive(old).ack().status()).isEqualTo(ReplicaAck.Status.STALE_TERM);
        ReplicaMessage.Commit again = ProcessingMachine.commit(0, new Term(1, "a"), 0, 1, List.of(), List.of(), List.of());
        assertThat(b.receive(again).ack().status()).as("a resent commit is a duplicate").isEqualTo(ReplicaAck.Status.IN_SYNC);
        assertThat(b.term()).isEqualTo(new Term(1, "a"));
    }

    @Test
    void the_state_machines_own_invariants_stay_on() {
        twoMembersLedByA();
        commit("a", "k1", 2);
        // A caller that commits below the last checkpoint is a bug in the caller: it stops here.
        assertThatThrownBy(() -> leader.committed(1, new ProcessingMachine.Writes(List.of(), List.of(), List.of()), () -> { }))
                .isInstanceOf(io.ringwork.core.util.Invariants.InvariantViolation.class)
                .hasMessageContaining("checkpoint 1 after one at 2");
        // Leading under a term not above the one seen would let old owners' writes through.
        assertThatThrownBy(() -> followers.get("b").lead(new Term(1, "a")))
                .isInstanceOf(io.ringwork.core.util.Invariants.InvariantViolation.class);
    }
}
