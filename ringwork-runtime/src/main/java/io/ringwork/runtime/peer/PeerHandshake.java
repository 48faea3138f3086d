package io.ringwork.runtime.peer;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * The first frames of a peer connection. Steps:
 * <ol>
 *   <li>the client sends its HANDSHAKE: codec version, cluster, node id, a fresh 16-byte random
 *       nonce, and whether it authenticates;
 *   <li>the server checks it (same cluster, same choice about authentication, a codec version it
 *       reads) and answers with its own HANDSHAKE;
 *   <li>the client checks that one too, and that it reached the node it meant to;
 *   <li>with a key, both derive the session key
 *       {@code HMAC-SHA256(peer key, len|client handshake|len|server handshake)}, which binds both
 *       nonces, both node ids and both versions, and secure the channel; the client then sends an
 *       AUTH frame (an empty message under a MAC, sequence 0), the server checks it and answers
 *       with its own. Neither side takes a frame of the other's before that proof checked.
 * </ol>
 * Both nonces are fresh, so no session key repeats and no frame of another connection verifies
 * under this one. Without a key steps 1-3 run and the channel stays plain; a node with a key and
 * one without refuse each other. Every failure is a {@link PeerChannel.Drop} ({@code handshake},
 * or {@code bad_mac} for a proof that does not verify).
 */
final class PeerHandshake {
    static final int HANDSHAKE = 1;
    static final int AUTH = 2;
    /** Handshake frames are small; anything larger is refused before it is read. */
    static final int FRAME_MAX = 4096;
    /** The whole handshake, and each of its frames, must be done within this. */
    static final int TIMEOUT_MS = 5000;
    /** The oldest codec version this node reads. */
    static final long VERSION_MIN = 1;
    private static final int NONCE_BYTES = 16;

    private static final int VERSION = 1;
    private static final int CLUSTER = 2;
    private static final int NODE = 3;
    private static final int NONCE = 4;
    private static final int AUTHENTICATED = 5;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One side's handshake as read. */
    record Hello(long version, String cluster, String node, boolean authenticated) {}

    private PeerHandshake() {}

    /** The client's side; {@code expectedNode} is the member this connection is meant for. */
    static Hello asClient(PeerChannel channel, PeerIdentity self, int version, String expectedNode) throws IOException {
        byte[] mine = hello(self, version);
        channel.writeFrame(mine);
        byte[] theirs = channel.readFrame(FRAME_MAX, TIMEOUT_MS, TIMEOUT_MS);
        Hello server = check(theirs, self);
        if (!server.node().equals(expectedNode)) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, "reached " + server.node() + ", not " + expectedNode);
        }
        if (self.secured()) {
            channel.secure(sessionKey(self.key(), mine, theirs));
            channel.writeFrame(auth());
            expectAuth(channel);
        }
        return server;
    }

    /** The server's side: the client's handshake as checked. */
    static Hello asServer(PeerChannel channel, PeerIdentity self, int version) throws IOException {
        byte[] theirs;
        try {
            theirs = channel.readFrame(FRAME_MAX, TIMEOUT_MS, TIMEOUT_MS);
        } catch (java.net.SocketTimeoutException e) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, "no handshake within " + TIMEOUT_MS + " ms");
        } catch (PeerChannel.Drop e) {
            // A first frame that is too large or cut short is no handshake at all.
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, e.getMessage());
        }
        Hello client = check(theirs, self);
        byte[] mine = hello(self, version);
        channel.writeFrame(mine);
        if (self.secured()) {
            channel.secure(sessionKey(self.key(), theirs, mine));
            expectAuth(channel);
            channel.writeFrame(auth());
        }
        return client;
    }

    private static byte[] hello(PeerIdentity self, int version) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        Tagged.Writer fields = new Tagged.Writer().longValue(VERSION, version).string(CLUSTER, self.cluster())
                .string(NODE, self.node()).bytes(NONCE, nonce).byteValue(AUTHENTICATED, self.secured() ? 1 : 0);
        return new Tagged.Writer().message(HANDSHAKE, fields).toByteArray();
    }

    private static Hello check(byte[] frame, PeerIdentity self) throws IOException {
        Hello hello;
        try {
            Tagged.Reader reader = new Tagged.Reader(frame);
            Tagged.Slice message = reader.next();
            if (message.number() != HANDSHAKE || reader.hasMore()) throw new IOException("not a handshake");
            Tagged.Fields f = new Tagged.Fields(message.reader(), tag -> tag >= VERSION && tag <= AUTHENTICATED);
            if (f.one(NONCE).length() != NONCE_BYTES) throw new IOException("a nonce of " + f.one(NONCE).length() + " bytes");
            hello = new Hello(f.longValue(VERSION), f.one(CLUSTER).string(), f.one(NODE).string(), f.one(AUTHENTICATED).byteValue() == 1);
        } catch (PeerChannel.Drop e) {
            throw e;
        } catch (IOException e) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, "a bad handshake: " + e.getMessage());
        }
        if (!hello.cluster().equals(self.cluster())) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, hello.node() + " is of cluster '" + hello.cluster() + "'");
        }
        if (hello.authenticated() != self.secured()) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, hello.node() + (hello.authenticated()
                    ? " authenticates and this node has no secret" : " does not authenticate and this node has a secret"));
        }
        if (hello.version() < VERSION_MIN) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, hello.node() + " speaks codec version " + hello.version()
                    + ", older than " + VERSION_MIN);
        }
        return hello;
    }

    private static byte[] auth() {
        return new Tagged.Writer().message(AUTH, new Tagged.Writer()).toByteArray();
    }

    private static void expectAuth(PeerChannel channel) throws IOException {
        byte[] frame;
        try {
            frame = channel.readFrame(FRAME_MAX, TIMEOUT_MS, TIMEOUT_MS);
        } catch (java.net.SocketTimeoutException e) {
            throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, "no proof within " + TIMEOUT_MS + " ms");
        }
        Tagged.Reader reader = new Tagged.Reader(frame);
        if (!reader.hasMore() || reader.next().number() != AUTH) throw new PeerChannel.Drop(PeerCounters.HANDSHAKE, "no proof");
    }

    private static byte[] sessionKey(byte[] key, byte[] clientHello, byte[] serverHello) {
        Objects.requireNonNull(key);
        Mac mac = PeerChannel.hmac(key);
        lengthPrefixed(mac, clientHello);
        lengthPrefixed(mac, serverHello);
        return mac.doFinal();
    }

    private static void lengthPrefixed(Mac mac, byte[] bytes) {
        for (int shift = 24; shift >= 0; shift -= 8) mac.update((byte) (bytes.length >>> shift));
        mac.update(bytes);
    }
}
