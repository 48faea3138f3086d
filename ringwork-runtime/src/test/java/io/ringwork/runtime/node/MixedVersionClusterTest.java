package io.ringwork.runtime.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ringwork.core.id.Partitioner;
import io.ringwork.core.record.NewRecord;
import io.ringwork.core.store.StoredState;
import io.ringwork.runtime.client.RingworkClient;
import io.ringwork.runtime.peer.NewerPeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.RelayedRead;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling upgrade's middle: two whole in-process nodes on one log, n1 speaking this version's
 * peer codec and n2 a newer one ({@link NewerPeerCodec}: an extra message kind on every request
 * and an extra field on every message). Each owns some partitions and replicates them to the
 * other, and a read on either node of a key the other owns is relayed over the peer channel and
 * answered there.
 */
class MixedVersionClusterTest {
    private static final int PARTITIONS = 8;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir Path dir;

    private NodeConfig config(String id) {
        return NodeConfig.defaults().withNodeId(id).withHttp("127.0.0.1:0").withBind("127.0.0.1:0").withMembership("fast")
                .withDataDir(dir.resolve(id)).withLogDir(dir.resolve("log")).withPartitions(PARTITIONS).withWorkerThreads(1);
    }

    @Test
    @Timeout(120)
    void aNewerNodeAndAnOlderOneReplicateToEachOtherAndRelayReadsBothWays() throws Exception {
        NewerPeerCodec newer = new NewerPeerCodec("zone-new");
        try (RingworkNode n1 = RingworkNode.start(config("n1"));
             RingworkNode n2 = RingworkNode.start(config("n2").withSeeds(List.of(n1.membership().localAddress().host() + ":"
                     + n1.membership().localAddress().port())), newer)) {
            List<RingworkNode> nodes = List.of(n1, n2);
            // Settled: both own partitions, each running its own and holding the other's in sync.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> settled(nodes));

            List<NewRecord> records = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                records.add(new NewRecord("mv/" + i, "resource.create", null, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
            }
            new RingworkClient("http://" + n1.httpAddress()).produce(records);
            // Every key reaches both stores: the old node's partitions by replication to the new one, and the other way.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> records.stream()
                    .allMatch(r -> n1.reads().local(r.key()) != null && n2.reads().local(r.key()) != null));
            Partitioner partitioner = new Partitioner(PARTITIONS);
            List<String> ownedByN1 = new ArrayList<>();
            List<String> ownedByN2 = new ArrayList<>();
            for (NewRecord r : records) {
                String owner = n1.cluster().plan().owner(partitioner.partitionOf(r.key()));
                (owner.equals("n1") ? ownedByN1 : ownedByN2).add(r.key());
            }
            assertThat(ownedByN1).as("keys the old node owns").isNotEmpty();
            assertThat(ownedByN2).as("keys the new node owns").isNotEmpty();

            // Relayed reads, both ways: a key is read on the node that does not own it.
            for (String key : ownedByN1) assertThat(get(n2, "/v1/state/" + key)).contains("\"value\":{\"i\":" + key.substring(3) + "}");
            for (String key : ownedByN2) assertThat(get(n1, "/v1/state/" + key)).contains("\"value\":{\"i\":" + key.substring(3) + "}");
            assertThat(n1.peerCounters().readsServed()).isGreaterThanOrEqualTo(ownedByN1.size());
            assertThat(n2.peerCounters().readsServed()).isGreaterThanOrEqualTo(ownedByN2.size());

            // The old node skipped what it does not know, counted it, and refused nothing; the new one skipped nothing.
            assertThat(n1.peerCounters().dropped(PeerCounters.UNKNOWN_KIND)).isPositive();
            assertThat(n1.peerCounters().dropped(PeerCounters.UNKNOWN_FIELD)).isPositive();
            assertThat(n2.peerCounters().dropped(PeerCounters.UNKNOWN_KIND)).isZero();
            assertThat(n2.peerCounters().dropped(PeerCounters.UNKNOWN_FIELD)).isZero();
            // (stale_term is not among them: a handoff at the start can leave an old owner's message behind, as with one version.)
            for (RingworkNode node : nodes) {
                for (String reason : List.of(PeerCounters.BAD_MAC, PeerCounters.MALFORMED, PeerCounters.HANDSHAKE)) {
                    assertThat(node.peerCounters().dropped(reason)).as(node.config().nodeId() + " " + reason).isZero();
                }
            }
            String scrape = n2.metrics().scrape();
            assertThat(scrape).containsPattern("ringwork_peer_reads_relayed_total\\{[^}]*outcome=\"found\"[^}]*} [1-9]");

            // A key the owner does not hold: a 404 that says where it was read.
            String absent = absentKeyOwnedBy("n2", n1, partitioner);
            HttpResponse<String> missing = send(n1, "/v1/state/" + absent);
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("no state for key").contains("read at its owner n2");
            // ?local=true still reads this node's own replica, without relaying.
            long served = n2.peerCounters().readsServed();
            assertThat(get(n1, "/v1/state/" + ownedByN2.get(0) + "?local=true")).contains("\"version\"");
            assertThat(n2.peerCounters().readsServed()).isEqualTo(served);

            // A stale owner: n2, asked for a key n1 owns, names n1 and reads nothing.
            RelayedRead.Answer notMine = n2.reads().serve(new RelayedRead.Request(ownedByN1.get(0), 1));
            assertThat(notMine.outcome()).isEqualTo(RelayedRead.Outcome.NOT_OWNER);
            assertThat(notMine.owner()).isEqualTo("n1");
            assertThat(notMine.detail()).contains("n2 does not own partition");
            StoredState own = n1.reads().local(ownedByN1.get(0));
            assertThat(n1.reads().serve(new RelayedRead.Request(ownedByN1.get(0), 1)).state().version()).isEqualTo(own.version());
        }
    }

    private static boolean settled(List<RingworkNode> nodes) {
        var plan = nodes.get(0).cluster().plan();
        if (plan == null || plan.members().size() != nodes.size()) return false;
        java.util.Set<String> owners = new java.util.HashSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            String owner = plan.owner(p);
            if (owner == null) return false;
            owners.add(owner);
            for (RingworkNode node : nodes) {
                var other = node.cluster().plan();
                if (other == null || !owner.equals(other.owner(p))) return false;
                boolean isOwner = node.config().nodeId().equals(owner);
                if (isOwner ? !node.engine().runs(p) : !node.cluster().inSync(p)) return false;
            }
        }
        return owners.size() == nodes.size();
    }

    private static String absentKeyOwnedBy(String owner, RingworkNode node, Partitioner partitioner) {
        for (int i = 0; ; i++) {
            String key = "absent/" + i;
            if (owner.equals(node.cluster().plan().owner(partitioner.partitionOf(key)))) return key;
        }
    }

    private static String get(RingworkNode node, String path) throws Exception {
        HttpResponse<String> response = send(node, path);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static HttpResponse<String> send(RingworkNode node, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.httpAddress() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
