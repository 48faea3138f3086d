package io.ringwork.runtime.node;

import io.ringwork.core.processing.Limits;
import io.ringwork.core.util.Invariants;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a node is configured with. Immutable; build with {@link #defaults()} and the
 * {@code with*} methods, or from flags, {@code RINGWORK_*} variables and a YAML file with
 * {@code io.ringwork.runtime.config.ConfigResolver}. The constructor checks every value's range.
 *
 * @param nodeId               this node's name in the cluster; unique
 * @param bind                 host:port for membership traffic (UDP and TCP)
 * @param http                 host:port of the HTTP API (port 0 picks a free one)
 * @param seeds                host:port of nodes to join through; empty for a new cluster
 * @param dataDir              where this node keeps its state (RocksDB)
 * @param logDir               the embedded log's directory (may be shared by nodes on one machine)
 * @param partitions           partitions of a new log; 0 means the existing log's count, or
 *                             {@link #DEFAULT_PARTITIONS} for a new one; an existing log's count cannot change
 * @param fsync                log durability: always (fsync before acknowledging), interval, never
 * @param fsyncIntervalMs      with fsync=interval, the longest an acknowledged record waits for fsync
 * @param maxRequestBytes      largest HTTP request body accepted (larger: 413)
 * @param changesRetained      changes kept for feed replay ({@code GET /v1/changes?from=...})
 * @param workerThreads        threads applying records
 * @param cluster              the cluster's name; packets of another cluster are dropped
 * @param membership           failure-detector profile: {@code lan} (200 ms protocol period, the
 *                             default), or {@code wan} (1 s: long round trips, very large clusters);
 *                             {@code fast} is the old name of {@code lan}
 * @param secretFile           a file whose bytes (at least 16) authenticate cluster packets with
 *                             HMAC-SHA256, or null for none; every node needs the same file
 * @param logRetentionBytes    embedded log bytes kept per partition, -1 for no limit; whole old
 *                             segments go, never records above the lowest checkpoint of any node
 * @param logRetentionMs       age after which old log segments go (same rule), -1 for no limit
 * @param replicationFactor    nodes holding each partition's state, the owner included (default 3);
 *                             a commit counts once a majority of them hold it
 * @param weight               capacity weight: a node with weight 2 takes about twice the
 *                             partitions of a node with weight 1 (virtual nodes on the ring)
 * @param maxDocumentBytes     largest state a record may leave behind, as stored JSON; a record that
 *                             would pass it is a dead letter and the state stays as it was
 * @param peer                 host:port of the peer port (replication between nodes; port 0 picks a
 *                             free one, which members learn from the gossiped metadata), or null
 *                             for the bind host with port 0. Without a secret it must be a loopback
 *                             address unless {@code insecurePeers}
 * @param insecurePeers        allow a non-loopback peer address without a secret: peer traffic is
 *                             then not authenticated, and anyone who reaches the port can replicate
 * @param apiTokens            the API tokens file ({@code io.ringwork.runtime.http.auth.ApiTokens}), or
 *                             null: then every request may do everything, and the API must listen on
 *                             loopback unless {@code insecureApi}
 * @param insecureApi          allow a non-loopback HTTP address without API tokens
 * @param logFormat            {@code text} (for people) or {@code json} (one object per log line)
 * @param tlsCert              the HTTP API's certificate chain (PEM), or null for plain HTTP; given
 *                             together with {@code tlsKey} (the node checks the pair at start, not
 *                             here, so that layers may set the two one at a time)
 * @param tlsKey               the private key of {@code tlsCert} (PEM, PKCS#8; RSA or EC), or null
 * @param kafka                the Kafka bootstrap ({@code host:port[,host:port...]}) whose {@code topic} is the
 *                             log, or null for the embedded log in {@code logDir}; given together with
 *                             {@code topic} (checked at start, as the TLS pair)
 * @param topic                the Kafka topic of the log; it must exist, and its partition count is the log's
 * @param changesTopic         a Kafka topic (on the {@code kafka} cluster) that every applied change is also
 *                             written to, keyed by record key, or null for none; only with {@code kafka}
 *                             ({@code io.ringwork.runtime.feed.ChangesPublisher})
 * @param loadLimits           past these the node answers new work with 503 busy (null: the defaults)
 * @param peerTls              mutual TLS on the peer channel ({@link PeerTlsFiles#NONE}, or null: none)
 */
public record NodeConfig(String nodeId, String bind, String http, List<String> seeds, Path dataDir, Path logDir,
                         int partitions, String fsync, long fsyncIntervalMs, int maxRequestBytes,
                         long changesRetained, int workerThreads, String cluster, String membership, Path secretFile,
                         long logRetentionBytes, long logRetentionMs, int replicationFactor, int weight,
                         int maxDocumentBytes, String peer, boolean insecurePeers, Path apiTokens, boolean insecureApi,
                         String logFormat, Path tlsCert, Path tlsKey,
                         String kafka, String topic, String changesTopic, io.ringwork.runtime.load.LoadLimits loadLimits,
                         PeerTlsFiles peerTls) {
    public NodeConfig {
        if (loadLimits == null) loadLimits = io.ringwork.runtime.load.LoadLimits.DEFAULTS;
        if (peerTls == null) peerTls = PeerTlsFiles.NONE;
        Invariants.require(nodeId != null && nodeId.matches("[A-Za-z0-9._-]{1,64}"),
                "node-id must be 1-64 letters, digits, '.', '_' or '-', got '%s'", nodeId);
        HostPort.parse(bind, "bind");
        HostPort.parse(http, "http");
        if (peer != null) HostPort.parse(peer, "peer");
        seeds = List.copyOf(seeds);
        for (String seed : seeds) HostPort.parse(seed, "seeds");
        Invariants.require(partitions >= 0 && partitions <= 4096, "partitions must be in [1, 4096] (0: the existing log's), got %s", partitions);
        Invariants.require(List.of("always", "interval", "never").contains(fsync),
                "fsync must be always, interval or never, got '%s'", fsync);
        Invariants.require(fsyncIntervalMs > 0, "fsync-interval-ms must be positive");
        Invariants.require(maxRequestBytes >= 1024, "max-request-bytes must be at least 1024");
        Invariants.require(changesRetained >= 0, "changes-retained must be >= 0");
        Invariants.require(workerThreads > 0, "worker-threads must be positive");
        Invariants.require(cluster != null && cluster.matches("[A-Za-z0-9._-]{1,64}"),
                "cluster must be 1-64 letters, digits, '.', '_' or '-', got '%s'", cluster);
        Invariants.require("text".equals(logFormat) || "json".equals(logFormat), "log-format must be text or json, got '%s'", logFormat);
        Invariants.require(List.of("lan", "wan", "fast").contains(membership), "membership must be lan or wan, got '%s'", membership);
        Invariants.require(logRetentionBytes == -1 || logRetentionBytes > 0, "log-retention-bytes must be positive or -1");
        Invariants.require(logRetentionMs == -1 || logRetentionMs > 0, "log-retention-ms must be positive or -1");
        Invariants.require(replicationFactor >= 1 && replicationFactor <= 7, "replication-factor must be in [1, 7], got %s", replicationFactor);
        Invariants.require(weight >= 1 && weight <= 64, "weight must be in [1, 64], got %s", weight);
        Invariants.require(kafka == null || !kafka.isBlank(), "kafka must be host:port[,host:port...], got an empty value");
        Invariants.require(topic == null || topic.matches("[A-Za-z0-9._-]{1,249}"),
                "topic must be 1-249 letters, digits, '.', '_' or '-' (a Kafka topic name), got '%s'", topic);
        Invariants.require(changesTopic == null || changesTopic.matches("[A-Za-z0-9._-]{1,249}"),
                "changes-topic must be 1-249 letters, digits, '.', '_' or '-' (a Kafka topic name), got '%s'", changesTopic);
        Invariants.require(maxDocumentBytes >= 1024 && maxDocumentBytes <= Limits.MAX_DOCUMENT_BYTES_CEILING,
                "max-document-bytes must be in [1024, %s], got %s", Limits.MAX_DOCUMENT_BYTES_CEILING, maxDocumentBytes);
    }

    public static final int DEFAULT_PARTITIONS = 64;

    /** Where the peer port listens: {@link #peer}, or the bind host with port 0. */
    public HostPort peerAddress() {
        return peer != null ? HostPort.parse(peer, "peer") : new HostPort(HostPort.parse(bind, "bind").host(), 0);
    }

    public static NodeConfig defaults() {
        return new NodeConfig("node-1", "127.0.0.1:7946", "127.0.0.1:8080", List.of(),
                Path.of("ringwork-data", "node-1"), Path.of("ringwork-data", "log"), 0, "interval", 100,
                16 << 20, 1_000_000, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), "ringwork", "lan", null, -1, -1, 3, 1,
                Limits.DEFAULT.maxDocumentBytes(), null, false, null, false, "text", null, null, null, null, null, io.ringwork.runtime.load.LoadLimits.DEFAULTS, PeerTlsFiles.NONE);
    }

    public NodeConfig withLogFormat(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, v, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withReplicationFactor(int v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, v, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withWeight(int v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, v, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withNodeId(String v) { return new NodeConfig(v, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withBind(String v) { return new NodeConfig(nodeId, v, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withHttp(String v) { return new NodeConfig(nodeId, bind, v, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withSeeds(List<String> v) { return new NodeConfig(nodeId, bind, http, v, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withDataDir(Path v) { return new NodeConfig(nodeId, bind, http, seeds, v, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withLogDir(Path v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, v, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withPartitions(int v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, v, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withFsync(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, v, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withFsyncIntervalMs(long v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, v, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withMaxRequestBytes(int v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, v, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withChangesRetained(long v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, v, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withWorkerThreads(int v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, v, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withCluster(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, v, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withMembership(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, v, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withSecretFile(Path v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, v, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withLogRetentionBytes(long v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, v, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withLogRetentionMs(long v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, v, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withMaxDocumentBytes(int v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, v, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withPeer(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, v, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withApiTokens(Path v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, v, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withInsecureApi(boolean v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, v, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withTlsCert(Path v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, v, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withTlsKey(Path v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, v, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withInsecurePeers(boolean v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, v, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withKafka(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, v, topic, changesTopic, loadLimits, peerTls); }
    public NodeConfig withChangesTopic(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, v, loadLimits, peerTls); }
    public NodeConfig withTopic(String v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, v, changesTopic, loadLimits, peerTls); }
    public NodeConfig withLoadLimits(io.ringwork.runtime.load.LoadLimits v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, v, peerTls); }
    public NodeConfig withPeerTls(PeerTlsFiles v) { return new NodeConfig(nodeId, bind, http, seeds, dataDir, logDir, partitions, fsync, fsyncIntervalMs, maxRequestBytes, changesRetained, workerThreads, cluster, membership, secretFile, logRetentionBytes, logRetentionMs, replicationFactor, weight, maxDocumentBytes, peer, insecurePeers, apiTokens, insecureApi, logFormat, tlsCert, tlsKey, kafka, topic, changesTopic, loadLimits, v); }
}
