package io.ringwork.runtime.node;

import io.ringwork.core.log.RecordLog;
import io.ringwork.core.processing.Limits;
import io.ringwork.core.processing.ProcessorRegistry;
import io.ringwork.core.processing.RecordApplier;
import io.ringwork.core.record.DeadLetter;
import io.ringwork.core.record.FeedEntry;
import io.ringwork.core.store.StateStore;
import io.ringwork.runtime.cluster.ClusterService;
import io.ringwork.runtime.feed.ChangeFeed;
import io.ringwork.runtime.http.HttpApi;
import io.ringwork.runtime.log.EmbeddedLog;
import io.ringwork.runtime.log.FsyncPolicy;
import io.ringwork.runtime.log.LogConfig;
import io.ringwork.runtime.log.kafka.KafkaLogConfig;
import io.ringwork.runtime.log.kafka.KafkaRecordLog;
import io.ringwork.runtime.log.kafka.KafkaChangesTopic;
import io.ringwork.runtime.feed.ChangesPublisher;
import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.transport.Address;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import io.ringwork.runtime.metrics.NodeMetrics;
import io.ringwork.runtime.peer.PeerCodec;
import io.ringwork.runtime.peer.PeerCounters;
import io.ringwork.runtime.peer.PeerIdentity;
import io.ringwork.runtime.peer.PeerServer;
import io.ringwork.runtime.peer.ReadRelay;
import io.ringwork.runtime.peer.RelayedRead;
import io.ringwork.runtime.processing.EngineConfig;
import io.ringwork.runtime.processing.EngineListener;
import io.ringwork.runtime.processing.ProcessingEngine;
import io.ringwork.runtime.store.RocksStateStore;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ringwork node: the embedded log, the state store, the processing engine, the change feed
 * and the HTTP API, wired together, plus the {@link ClusterService} that decides which
 * partitions it runs (its share of the ring, or all of them when alone) and replicates them,
 * and the {@link PeerServer} on which it receives the other members' replication.
 *
 * <p>Start with {@link #start}; {@link #close} stops in reverse order, draining in-flight records
 * and writing final checkpoints. If processing fails (a storage error), the node stops itself
 * and {@link #awaitStopped} returns, so a supervisor restarts it from its checkpoints.
 */
public final class RingworkNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RingworkNode.class);

    private final NodeConfig config;
    private final RecordLog log;
    private final StateStore store;
    private final RecordApplier applier;
    private final ChangeFeed feed = new ChangeFeed();
    /** The changes topic's producer ({@code --changes-topic}), or null; published from {@link #changesPublisher}. */
    private final KafkaChangesTopic changesTopic;
    /** Set in {@link #start} once the engine runs; null without {@code --changes-topic}. */
    private volatile ChangesPublisher changesPublisher;
    private final NodeMetrics metrics;
    private final ProcessingEngine engine;
    private final ClusterService cluster;
    private final HttpApi http;
    /** The cluster secret's bytes (membership packets), or null; the peer key is derived from it. */
    private final byte[] secret;
    /** The API tokens, or null when none are configured (then the API is on loopback, or --insecure-api). */
    private final io.ringwork.runtime.http.auth.ApiTokens apiTokens;
    /** The HTTP API's TLS identity, reloaded when its files change; null for plain HTTP. */
    private final io.ringwork.runtime.tls.ServerTls serverTls;
    /** The peer channel's mutual-TLS identity, reloaded when its files change; null without peer TLS. */
    private final io.ringwork.runtime.tls.ServerTls peerTls;
    private final PeerIdentity peerIdentity;
    private final PeerCounters peerCounters = new PeerCounters();
    private final PeerServer peers;
    /** The peer codec this node speaks; another only in tests that play a newer version. */
    private final PeerCodec peerCodec;
    private final ReadRelay readRelay;
    private final KeyReads reads;
    /** Messaging (send, publish, anycast) and load refusal: issue 21, items 5 and 7. */
    private final io.ringwork.runtime.messaging.Messaging messaging;
    private final io.ringwork.runtime.load.LoadGate loadGate;
    private final java.util.concurrent.ScheduledExecutorService loadSampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("ringwork-load-sampler").unstarted(r));
    private final io.ringwork.runtime.health.HealthService health;
    /** Set once in {@link #start}, after HTTP is up (its address goes into the member metadata). */
    private volatile MembershipService membership;
    private final long startedAtMs = System.currentTimeMillis();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Throwable failure;

    private RingworkNode(NodeConfig config, PeerCodec peerCodec) {
        this.config = config;
        this.peerCodec = peerCodec;
        // Settings that can be refused are checked before anything is opened.
        this.secret = readSecret(config);
        this.apiTokens = readApiTokens(config);
        checkApiBindable(config, apiTokens != null);
        HostPort peerAddress = config.peerAddress();
        boolean peerTlsGiven = checkPeerTls(config.peerTls());
        PeerServer.checkBindable(peerAddress.host(), secret != null || peerTlsGiven, config.insecurePeers());
        if (secret == null && !peerTlsGiven && config.insecurePeers()) {
            LOG.warn("peer traffic is not authenticated (--insecure-peers without --secret-file or peer TLS): anyone who reaches {} can "
                    + "replicate to this node", peerAddress);
        }
        this.metrics = new NodeMetrics(config.nodeId());
        this.applier = new RecordApplier(new ProcessorRegistry(Processors.load()),
                Limits.DEFAULT.withMaxDocumentBytes(config.maxDocumentBytes()));
        // Last of the checks: from here on the reload threads run, and every failure below closes them.
        this.serverTls = loadTls(config);
        try {
            this.peerTls = loadPeerTls(config.peerTls());
        } catch (RuntimeException e) {
            if (serverTls != null) serverTls.close();
            throw e;
        }
        this.peerIdentity = new PeerIdentity(config.nodeId(), config.cluster(), secret == null ? null : PeerIdentity.keyFrom(secret),
                peerTls);
        RecordLog openedLog;
        try {
            openedLog = openLog(config);
        } catch (RuntimeException e) {
            closeTls();
            throw e;
        }
        this.log = openedLog;
        try {
            this.changesTopic = openChangesTopic(config, log);
        } catch (RuntimeException e) {
            log.close();
            closeTls();
            throw e;
        }
        RocksStateStore opened = null;
        ProcessingEngine started = null;
        HttpApi api = null;
        ReadRelay relay = null;
        try {
            opened = new RocksStateStore(config.dataDir().resolve("state"), log.partitionCount(),
                    config.changesRetained(), 1_000_000);
            this.store = opened;
            opened.onReplicatedFeed(changes -> {
                feed.publish(changes);
                metrics.prepare(changes);
                wakePublisher();
            });
            this.cluster = new ClusterService(config.nodeId(), log.partitionCount(), config.replicationFactor(), store, log, applier,
                    config.weight(), !config.seeds().isEmpty());
            cluster.peerCodec(peerCodec);
            started = new ProcessingEngine(EngineConfig.defaults().withWorkerThreads(config.workerThreads()),
                    log, store, applier, listener(), config.nodeId(), cluster);
            this.engine = started;
            // An answer holds one stored state: the largest document, and room for its header and the frame's.
            relay = new ReadRelay(peerIdentity, peerCodec, peerCounters, config.maxDocumentBytes() + (64 << 10));
            this.readRelay = relay;
            this.reads = new KeyReads(config.nodeId(), log.partitionCount(), store, KeyReads.of(cluster, () -> engine, () -> membership), relay);
            this.messaging = MessagingWiring.messaging(config.nodeId(), log.partitionCount(), cluster, () -> engine, () -> membership, relay);
            this.loadGate = MessagingWiring.loadGate(config, cluster, () -> membership, messaging.local());
            this.health = new io.ringwork.runtime.health.HealthService(config.nodeId(), store, log, cluster, log.partitionCount(), () -> membership);
            api = new HttpApi(this); // fails here when the HTTP port is taken
            this.http = api;
            this.peers = bindPeers(peerAddress);
        } catch (RuntimeException e) {
            // Undo in reverse order, so a failed start leaves no threads or open files behind.
            if (api != null) api.close();
            if (relay != null) relay.close();
            if (started != null) started.close();
            if (opened != null) opened.close();
            if (changesTopic != null) changesTopic.close(0);
            log.close();
            closeTls();
            throw e;
        }
        registerGauges();
    }

    /** Opens everything, serves HTTP, joins the cluster and starts processing its share of the partitions. */
    public static RingworkNode start(NodeConfig config) {
        return start(config, PeerCodec.CURRENT);
    }

    /** Starts a node that speaks {@code peerCodec} to its peers: tests play a newer version with it. */
    static RingworkNode start(NodeConfig config, PeerCodec peerCodec) {
        RingworkNode node = new RingworkNode(config, peerCodec);
        try {
            node.http.start();
            // Plain HTTP gossips host:port as before; HTTPS says so with the scheme, so no one sends plain requests to it.
            Map<String, String> metadata = Map.of("http", node.http.secure() ? node.httpUrl() : node.httpAddress(), ClusterService.PEER_METADATA, node.peerAddress(),
                    "version", io.ringwork.runtime.BuildInfo.current().version(), "partitions", Integer.toString(node.log.partitionCount()),
                    "weight", Integer.toString(config.weight()));
            node.membership = startMembership(config, metadata, node.secret);
            node.membership.onIdConflict(holder -> node.failStop(
                    new IllegalStateException(MembershipService.describeIdConflict(holder))));
            node.refuseIfIdTaken();
            node.metrics.membership(node::membership);
            node.cluster.start(node.engine, node.membership, metadata, node.peerIdentity, node.peerCounters);
            node.health.start();
            if (node.changesTopic != null) node.startChangesPublisher();
            node.loadSampler.scheduleWithFixedDelay(() -> node.loadGate.sample(System.currentTimeMillis()), 0,
                    io.ringwork.runtime.load.LoadGate.SAMPLE_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        LOG.info("node {} up: http {} cluster {} at {} peers at {} ({}) log {} ({} partitions) data {}", config.nodeId(),
                node.httpUrl(), config.cluster(), node.membership.localAddress(), node.peerAddress(),
                node.peerTls != null ? (node.secret != null ? "mutual TLS and HMAC" : "mutual TLS")
                        : node.secret != null ? "authenticated" : "not authenticated", describeLog(config), node.log.partitionCount(),
                config.dataDir());
        return node;
    }

    /**
     * Waits for the join's outcome (a seed answers in milliseconds; at most
     * {@link ClusterService#JOIN_WAIT_MS}, the time the cluster waits for peers anyway) and
     * refuses to start if another process holds our id. A conflict learned later stops the node
     * through {@link #failStop}.
     */
    private void refuseIfIdTaken() {
        try {
            membership.awaitJoin(Duration.ofMillis(ClusterService.JOIN_WAIT_MS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        var holder = membership.idConflict();
        if (holder.isPresent()) {
            // Set first: close() must neither hand off nor announce a leave for an id that is not ours.
            failure = new IllegalStateException(MembershipService.describeIdConflict(holder.get()));
            throw (IllegalStateException) failure;
        }
    }

    /** Stops the node after a failure it cannot continue from: no handoff, no leave (see {@link #close}). */
    private void failStop(Throwable cause) {
        if (failure != null) return;
        failure = cause;
        Thread.ofPlatform().name("ringwork-fail-stop").start(this::close);
    }

    /** Joins the cluster (or starts one) on the bind address; the metadata tells peers where our HTTP API and peer port are. */
    private static MembershipService startMembership(NodeConfig config, Map<String, String> metadata, byte[] secret) {
        HostPort bind = HostPort.parse(config.bind(), "bind");
        MembershipConfig protocol = config.membership().equals("wan")
                ? MembershipConfig.wan(config.cluster()) : MembershipConfig.lan(config.cluster());
        List<Address> seeds = config.seeds().stream().map(s -> HostPort.parse(s, "seeds"))
                .map(h -> new Address(h.host(), h.port())).toList();
        try {
            return MembershipService.bind(new MembershipService.Settings(config.nodeId(), protocol, seeds, metadata, secret),
                    bind.host(), bind.port()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for cluster traffic on " + config.bind() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The API's TLS identity, or null without {@code --tls-cert}; both files or neither, and the key
     * must be the certificate's (each mistake one line, exit 2 at the command line).
     */
    private static io.ringwork.runtime.tls.ServerTls loadTls(NodeConfig config) {
        if (config.tlsCert() == null && config.tlsKey() == null) return null;
        if (config.tlsCert() == null || config.tlsKey() == null) {
            throw new IllegalArgumentException(config.tlsCert() == null
                    ? "--tls-key needs --tls-cert (the certificate chain of that key, PEM)"
                    : "--tls-cert needs --tls-key (the certificate's private key, PEM PKCS#8)");
        }
        try {
            return io.ringwork.runtime.tls.ServerTls.load(config.tlsCert(), config.tlsKey(), io.ringwork.runtime.tls.ServerTls.POLL_MS);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot use --tls-cert/--tls-key: " + e.getMessage());
        }
    }

    /**
     * Whether peer TLS is configured: all three files, or none (else one line naming what is
     * missing). The files themselves are read by {@link #loadPeerTls}.
     */
    private static boolean checkPeerTls(PeerTlsFiles files) {
        if (!files.any()) return false;
        List<String> missing = new java.util.ArrayList<>();
        if (files.cert() == null) missing.add("--peer-tls-cert (this node's certificate, PEM)");
        if (files.key() == null) missing.add("--peer-tls-key (its private key, PEM PKCS#8)");
        if (files.ca() == null) missing.add("--peer-tls-ca (the CA that signs every node's certificate, PEM)");
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("peer TLS needs all three of --peer-tls-cert, --peer-tls-key and --peer-tls-ca; missing: "
                    + String.join(", ", missing));
        }
        return true;
    }

    /** The peer channel's mutual-TLS identity, or null without it; a file that cannot be used is one line. */
    private static io.ringwork.runtime.tls.ServerTls loadPeerTls(PeerTlsFiles files) {
        if (!files.any()) return null;
        try {
            return io.ringwork.runtime.tls.ServerTls.loadMutual(files.cert(), files.key(), files.ca(), io.ringwork.runtime.tls.ServerTls.POLL_MS);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot use --peer-tls-cert/--peer-tls-key/--peer-tls-ca: " + e.getMessage());
        }
    }

    private void closeTls() {
        if (serverTls != null) serverTls.close();
        if (peerTls != null) peerTls.close();
    }

    /** The API tokens, or null without a tokens file. */
    private static io.ringwork.runtime.http.auth.ApiTokens readApiTokens(NodeConfig config) {
        if (config.apiTokens() == null) return null;
        try {
            io.ringwork.runtime.http.auth.ApiTokens tokens = io.ringwork.runtime.http.auth.ApiTokens.load(config.apiTokens());
            LOG.info("API tokens from {}: {}", config.apiTokens(), String.join(", ", tokens.names()));
            return tokens;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read --api-tokens " + config.apiTokens() + ": " + e.getMessage());
        }
    }

    /**
     * Without tokens every request may read and write everything, so the API listens on loopback
     * only, unless {@code --insecure-api} says otherwise (then the node warns at every start).
     */
    private static void checkApiBindable(NodeConfig config, boolean tokens) {
        if (tokens) return;
        String host = HostPort.parse(config.http(), "http").host();
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("http host '" + host + "' is unknown: " + e.getMessage());
        }
        if (loopback) return;
        if (!config.insecureApi()) {
            throw new IllegalArgumentException("the HTTP API address " + config.http() + " is not a loopback address, and without "
                    + "--api-tokens anyone who reaches it can read and write everything: give --api-tokens FILE "
                    + "(ringwork token new makes a token), or pass --insecure-api to serve it open on " + host);
        }
        LOG.warn("the HTTP API on {} has no tokens (--insecure-api): anyone who reaches it can read and write everything",
                config.http());
    }

    private static byte[] readSecret(NodeConfig config) {
        if (config.secretFile() == null) return null;
        byte[] secret;
        try {
            secret = Files.readAllBytes(config.secretFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read secret-file " + config.secretFile() + ": " + e.getMessage());
        }
        if (secret.length < 16) throw new IllegalArgumentException("secret-file " + config.secretFile() + " holds "
                + secret.length + " bytes; it needs at least 16");
        return secret;
    }

    private PeerServer bindPeers(HostPort address) {
        try {
            return PeerServer.bind(address.toSocketAddress(), peerIdentity, peerCodec, new PeerServer.Receiver() {
                @Override
                public List<io.ringwork.core.cluster.ReplicaAck> receive(String from, List<io.ringwork.core.cluster.ReplicaMessage> messages) {
                    return cluster.receive(from, messages);
                }

                @Override
                public void termRefused() {
                    cluster.termRefused();
                }

                @Override
                public RelayedRead.Answer read(String from, RelayedRead.Request request) {
                    return reads.serve(request);
                }

                @Override
                public io.ringwork.runtime.peer.RelayedList.Answer list(String from, io.ringwork.runtime.peer.RelayedList.Request request) {
                    return reads.serveList(request);
                }

                @Override
                public io.ringwork.runtime.peer.RelayedMessage.Answer deliver(String from, io.ringwork.runtime.peer.RelayedMessage.Delivery delivery) {
                    return messaging.serve(delivery);
                }

                @Override
                public io.ringwork.runtime.peer.RelayedMessage.Load load(String from, io.ringwork.runtime.peer.RelayedMessage.LoadQuery query) {
                    return messaging.load(query);
                }

                @Override
                public List<io.ringwork.core.cluster.FeedRelay.Page> serveFeed(String from, List<io.ringwork.core.cluster.FeedRelay.Fetch> fetches) {
                    return cluster.serveFeed(from, fetches);
                }
            }, peerCounters);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen for peers on " + address + ": " + e.getMessage(), e);
        }
    }

    /**
     * The embedded log in {@code logDir}, or with {@code kafka} and {@code topic} the Kafka topic
     * (then nothing of the node is outside its data directory). A missing topic, a bootstrap that
     * cannot be used, or a partition count that contradicts the topic's are refused here (exit 2);
     * brokers that do not answer are waited for, loudly, up to {@code KafkaLogConfig#connectTimeoutMs}.
     */
    private static RecordLog openLog(NodeConfig config) {
        if (config.kafka() == null && config.topic() == null) return EmbeddedLog.open(logConfig(config));
        if (config.kafka() == null) throw new IllegalArgumentException("--topic needs --kafka (the bootstrap brokers of the topic's Kafka cluster)");
        if (config.topic() == null) throw new IllegalArgumentException("--kafka needs --topic (the Kafka topic that is the log)");
        KafkaRecordLog log = KafkaRecordLog.open(KafkaLogConfig.defaults(config.kafka(), config.topic(), "ringwork-" + config.nodeId()));
        if (config.partitions() != 0 && config.partitions() != log.partitionCount()) {
            log.close();
            throw new IllegalArgumentException("--partitions " + config.partitions() + " contradicts Kafka topic '" + config.topic()
                    + "', which has " + log.partitionCount() + " partitions (leave --partitions out: the topic's count is the log's)");
        }
        return log;
    }

    /**
     * The changes topic with {@code --changes-topic}, else null. Only on Kafka, on the log's cluster;
     * a missing topic, or the log's own, is refused here (exit 2). The topic is not created: its
     * partitions, replication and compaction are the operator's choice.
     */
    private static KafkaChangesTopic openChangesTopic(NodeConfig config, RecordLog log) {
        if (config.changesTopic() == null) return null;
        if (!(log instanceof KafkaRecordLog kafka)) {
            throw new IllegalArgumentException("--changes-topic needs --kafka and --topic (the changes go to a topic of the log's Kafka cluster)");
        }
        return KafkaChangesTopic.open(kafka, config.changesTopic());
    }

    private void startChangesPublisher() {
        ChangesPublisher publisher = new ChangesPublisher(new ChangesPublisher.Source() {
            @Override
            public int partitions() {
                return log.partitionCount();
            }

            @Override
            public List<FeedEntry> changes(long from, int limit) {
                return store.changes(from, limit);
            }

            @Override
            public long feedEnd() {
                return store.feedEnd();
            }

            @Override
            public boolean runs(int partition) {
                return engine.runs(partition);
            }

            @Override
            public boolean feedIncomplete(int partition) {
                if (store.feedGap(partition) >= 0) return true;
                List<FeedEntry> first = store.changes(0, 1);
                long start = first.isEmpty() ? store.feedEnd() : first.getFirst().position();
                return start > 0;
            }

            @Override
            public List<io.ringwork.core.record.Change> states(int partition, String afterKey, int limit) {
                List<io.ringwork.core.record.Change> states = new java.util.ArrayList<>();
                for (var write : store.scan(partition, afterKey, limit)) states.add(stateChange(write));
                return states;
            }
        }, changesTopic, "Kafka topic " + changesTopic.topic());
        changesPublisher = publisher;
        metrics.functionCounter("ringwork.changes.published", "changes the changes topic acknowledged (states sent in their place included)",
                publisher::published);
        metrics.functionCounter("ringwork.changes.states.published", "states sent to the changes topic for a gained partition whose feed may lack changes",
                publisher::statesPublished);
        metrics.functionCounter("ringwork.changes.publish.failures", "sends to the changes topic that failed (each sent again)",
                publisher::failures);
        metrics.functionCounter("ringwork.changes.rescans", "times this node re-sent the retained feed of partitions it started running",
                publisher::rescans);
        metrics.gauge("ringwork.changes.publish.lag", "feed positions not yet read by the changes publisher plus sends not yet acknowledged",
                publisher::lag);
    }

    /** A key's stored state as a change for the changes topic (type {@link ChangesPublisher#STATE_TYPE}, no id, timestamp 0). */
    private io.ringwork.core.record.Change stateChange(io.ringwork.core.store.WriteSet.StateWrite write) {
        var stored = write.state();
        var state = applier.decode(stored.version(), stored.processor(), stored.tombstone(), stored.value(), stored.ids());
        byte[] json = null;
        var node = applier.toJson(state);
        if (node != null) {
            try {
                json = io.ringwork.core.processing.JsonStateCodec.mapper().writeValueAsBytes(node);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot encode the state of " + write.key() + " as JSON", e);
            }
        }
        return new io.ringwork.core.record.Change(write.partition(), write.key(), stored.version(), ChangesPublisher.STATE_TYPE,
                null, 0, stored.tombstone(), json);
    }

    private void wakePublisher() {
        ChangesPublisher publisher = changesPublisher;
        if (publisher != null) publisher.wake();
    }

    /** The changes publisher, or null without {@code --changes-topic}. */
    public ChangesPublisher changesPublisher() { return changesPublisher; }

    /** Where the log is, for the start line: the Kafka topic or the embedded log's directory. */
    private static String describeLog(NodeConfig config) {
        return config.kafka() != null ? "kafka " + config.kafka() + " topic " + config.topic()
                + (config.changesTopic() != null ? " changes to " + config.changesTopic() : "") : config.logDir().toString();
    }

    private static LogConfig logConfig(NodeConfig config) {
        int partitions = config.partitions();
        if (partitions == 0) {
            int existing = EmbeddedLog.existingPartitionCount(config.logDir());
            partitions = existing > 0 ? existing : NodeConfig.DEFAULT_PARTITIONS;
        }
        return LogConfig.defaults(config.logDir())
                .withPartitionCount(partitions)
                .withFsyncPolicy(FsyncPolicy.valueOf(config.fsync().toUpperCase()))
                .withFsyncIntervalMs(config.fsyncIntervalMs())
                .withRetentionBytes(config.logRetentionBytes())
                .withRetentionMs(config.logRetentionMs());
    }

    private EngineListener listener() {
        return new EngineListener() {
            @Override
            public void committed(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped) {
                feed.publish(changes);
                if (!changes.isEmpty()) wakePublisher();
            }

            @Override
            public void counted(List<FeedEntry> changes, List<DeadLetter> deadLetters, int skipped) {
                metrics.committed(changes, deadLetters, skipped, System.currentTimeMillis());
                io.ringwork.runtime.health.HealthService checker = health;
                if (checker != null) checker.committed(changes);
            }

            @Override
            public void failed(Throwable cause) {
                failStop(cause);
            }
        };
    }

    private long partitionsHeld() {
        long held = 0;
        for (int p = 0; p < log.partitionCount(); p++) if (store.holds(p)) held++;
        return held;
    }

    /**
     * Running totals are counters ({@code _total}), levels are gauges: Prometheus's rate() and
     * its checks assume that split.
     */
    private void registerGauges() {
        metrics.functionCounter("ringwork.commits", "state commits since start", engine::commitCount);
        metrics.functionCounter("ringwork.records.duplicate", "records passed over because their key applied the same id recently (retries)",
                engine::duplicateCount);
        metrics.functionCounter("ringwork.log.retention.skips", "times this node found records it had yet to apply deleted by the log's retention, and went on from the log's start",
                () -> engine.retentionSkips() + (log instanceof KafkaRecordLog kafka ? kafka.retentionSkips() : 0));
        if (log instanceof KafkaRecordLog kafka) {
            metrics.functionCounter("ringwork.log.records.skipped", "Kafka records readers skipped: no key, or a key of another partition",
                    kafka::skippedRecords);
        }
        metrics.gauge("ringwork.feed.subscribers", "live change feed subscribers", feed::subscriberCount);
        metrics.gauge("ringwork.partitions.lag", "records in the log not yet applied, over the partitions this node runs or replicates", this::totalLag);
        metrics.functionCounter("ringwork.replication.changes.fed", "changes this node fed from other owners' writes", cluster::replicatedChanges);
        metrics.functionCounter("ringwork.replication.changes.relayed", "changes this node relayed to its feed from partitions it does not replicate",
                cluster::relayedChanges);
        metrics.functionCounter("ringwork.replication.partitions.dropped", "partitions whose state this node dropped on leaving their replica sets",
                cluster::drops);
        metrics.gauge("ringwork.store.partitions.held", "partitions of which this node's store holds any state, checkpoint or dead letter",
                this::partitionsHeld);
        metrics.functionCounter("ringwork.replication.handoffs", "partitions this node stopped running (handoffs, depositions)", cluster::handoffs);
        metrics.functionCounter("ringwork.replication.repairs", "anti-entropy digests that differed and were repaired", cluster::repairs);
        metrics.partitionChanges(log.partitionCount(), cluster::starts, cluster::releases);
        for (String reason : PeerCounters.REASONS) {
            metrics.functionCounter("ringwork.peer.frames.dropped", "peer frames and messages refused, never applied, by reason",
                    "reason", reason, () -> peerCounters.dropped(reason));
        }
        metrics.functionCounter("ringwork.peer.frames.received", "peer frames received and taken", peerCounters::framesReceived);
        metrics.functionCounter("ringwork.peer.bytes.received", "bytes of the peer frames taken", peerCounters::bytesReceived);
        metrics.functionCounter("ringwork.peer.frames.sent", "peer frames sent", peerCounters::framesSent);
        metrics.functionCounter("ringwork.peer.bytes.sent", "bytes of the peer frames sent", peerCounters::bytesSent);
        metrics.gauge("ringwork.peer.connections.inbound", "peer connections open to this node", peerCounters::inboundConnections);
        for (String outcome : ReadRelay.OUTCOMES) {
            metrics.functionCounter("ringwork.peer.reads.relayed", "reads this node relayed to a key's owner, by outcome",
                    "outcome", outcome, () -> readRelay.count(outcome));
        }
        metrics.functionCounter("ringwork.peer.reads.served", "reads other members relayed here, answered", peerCounters::readsServed);
        metrics.gauge("ringwork.peer.reads.inflight", "reads this node is relaying now", readRelay::inFlight);
        MessagingWiring.metrics(metrics, messaging, loadGate);
        metrics.functionCounter("ringwork.health.checks", "health checks this node ran", health::checksRun);
        metrics.functionCounter("ringwork.health.checks.late", "rounds in which a due health check waited for a free slot", health::checksLate);
        metrics.functionCounter("ringwork.health.checks.unanswered",
                "health checks that got no answer: a connection refused, reset or unreachable, or the target's timeout", health::checksUnanswered);
        metrics.functionCounter("ringwork.health.checks.caught.up",
                "targets a takeover checked at once because the previous owner missed their last check time", health::checksCaughtUp);
        metrics.functionCounter("ringwork.health.transitions", "status changes of targets this node checks", health::transitions);
        metrics.functionCounter("ringwork.health.transitions.suppressed", "status changes of flapping targets raised as no transition",
                health::transitionsSuppressed);
        metrics.functionCounter("ringwork.health.webhook.posted", "transitions the health webhook took", health::webhookPosted);
        metrics.functionCounter("ringwork.health.webhook.failures", "health webhook posts that failed (each retried)", health::webhookFailures);
        metrics.gauge("ringwork.health.targets.checking", "targets this node checks now", health::checking);
        metrics.gauge("ringwork.health.targets.known", "targets in this node's health map (removed ones included)", health::known);
        metrics.functionCounter("ringwork.replication.terms.refused", "replication messages and answers refused for a term above the maximum epoch",
                cluster::termsRefused);
    }

    /** Records appended to the log but not yet applied, over all partitions (an upper bound: offsets may skip). */
    public long totalLag() {
        long lag = 0;
        var plan = cluster.plan();
        for (int p = 0; p < log.partitionCount(); p++) {
            ProcessingEngine.PartitionStatus status = engine.status(p);
            // Scale-out: a partition this node neither runs nor replicates is not its to apply.
            if (status == null && plan != null && !plan.replicas(p).contains(cluster.self())) continue;
            // In offsets: an upper bound on records, since offsets may skip (Kafka's transaction markers).
            long end = log.endOffset(p);
            lag += status == null ? Math.max(0, end - 1 - store.checkpoint(p)) : status.lag(end);
        }
        return lag;
    }

    public NodeConfig config() { return config; }

    /** The API tokens the node accepts, or null when none are configured. */
    public io.ringwork.runtime.http.auth.ApiTokens apiTokens() { return apiTokens; }
    public RecordLog log() { return log; }
    public StateStore store() { return store; }
    public RecordApplier applier() { return applier; }
    public ProcessingEngine engine() { return engine; }
    public ClusterService cluster() { return cluster; }
    public ChangeFeed feed() { return feed; }
    public NodeMetrics metrics() { return metrics; }
    public long startedAtMs() { return startedAtMs; }
    public HttpApi http() { return http; }
    public PeerCounters peerCounters() { return peerCounters; }
    /** Messaging: send, publish, anycast and this node's subscribers. */
    public io.ringwork.runtime.messaging.Messaging messaging() { return messaging; }
    /** Whether this node takes new work (load refusal). */
    public io.ringwork.runtime.load.LoadGate loadGate() { return loadGate; }
    /** The health checker and this node's knowledge of every target's health. */
    public io.ringwork.runtime.health.HealthService health() { return health; }
    /** Reads of a key's entry: here, or relayed to its owner over the peer channel. */
    public KeyReads reads() { return reads; }

    /** host:port of the peer port as bound (gossiped to members as metadata "peer"). */
    public String peerAddress() {
        return peers.address().getHostString() + ":" + peers.address().getPort();
    }

    /** The cluster membership, or null before {@link #start} finished. */
    public MembershipService membership() { return membership; }

    /** The API's URL as bound: {@code https://host:port} with TLS, else {@code http://host:port}. */
    public String httpUrl() {
        return (http.secure() ? "https://" : "http://") + httpAddress();
    }

    /** The API's TLS identity, or null when it speaks plain HTTP. */
    public io.ringwork.runtime.tls.ServerTls serverTls() { return serverTls; }

    /** The peer channel's mutual-TLS identity, or null without peer TLS. */
    public io.ringwork.runtime.tls.ServerTls peerTls() { return peerTls; }

    /** host:port of the HTTP API as bound. */
    public String httpAddress() {
        return http.address().getHostString() + ":" + http.address().getPort();
    }

    /** Null while healthy; the cause once processing failed and the node stopped itself. */
    public Throwable failure() { return failure; }

    /** Blocks until the node has stopped (closed, or stopped itself after a failure). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) return;
        // First: a level published after the leave would be refused by the membership.
        loadSampler.shutdownNow();
        if (failure == null) {
            // Hand off first: drain every partition to a quorum while still a member, so the
            // replicas that take over hold everything; then leave. The health checker runs on
            // through the handoff: it stops a partition's checks when the plan gives it away and
            // drops them when it is released, so the next owner knows from when to catch up;
            // stopping it first left targets unchecked for two intervals on a leave.
            cluster.release(java.time.Duration.ofSeconds(10));
        }
        health.close();
        cluster.close();
        // After the handoff: changes still unacknowledged are the next owner's to send (it re-sends its feed).
        ChangesPublisher publisher = changesPublisher;
        if (publisher != null) publisher.close(failure == null ? 5_000 : 0);
        MembershipService member = membership;
        if (member != null) {
            try {
                // A clean stop tells the cluster it left, so no one has to detect a failure.
                if (failure == null) member.leave(Duration.ofMillis(500));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("leaving the cluster failed", e);
            } finally {
                member.close();
            }
        }
        // Only now: the handoff above waits for the owners' word, which arrives on the peer port.
        peers.close();
        messaging.close();
        readRelay.close();
        try {
            http.close();
        } catch (RuntimeException e) {
            LOG.warn("closing HTTP failed", e);
        }
        closeTls();
        try {
            engine.close();
        } finally {
            store.close();
            if (changesTopic != null && changesPublisher == null) changesTopic.close(0);
            log.close();
            stopped.countDown();
            LOG.info("node {} stopped", config.nodeId());
        }
    }
}
