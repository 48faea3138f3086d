package io.ringwork.runtime.peer;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Mutual TLS under a peer connection: TLS 1.3 only, and the accepting side requires a client
 * certificate. Both sides trust exactly the cluster CA (the context of {@link PeerIdentity#tls}).
 * No host name is checked: members connect to gossiped addresses, and a certificate signed by
 * the cluster's own CA is what makes a member; which member it is comes from the
 * {@link PeerHandshake} that runs inside TLS, as without it. Every failure here is a
 * {@link PeerChannel.Drop} of reason {@code tls}, so both sides count it and the connection closes.
 */
final class PeerTls {
    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private PeerTls() {}

    /** Wraps an accepted connection and runs the handshake, within {@code timeoutMs}; the client must present a certificate. */
    static SSLSocket accept(Socket plain, SSLContext context, int timeoutMs) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
        socket.setUseClientMode(false);
        socket.setEnabledProtocols(PROTOCOLS);
        socket.setNeedClientAuth(true);
        handshake(socket, timeoutMs);
        return socket;
    }

    /** Wraps a connected socket as the client, presenting this node's certificate, and runs the handshake. */
    static SSLSocket connect(Socket plain, SSLContext context, String host, int port, int timeoutMs) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        socket.setUseClientMode(true);
        socket.setEnabledProtocols(PROTOCOLS);
        handshake(socket, timeoutMs);
        return socket;
    }

    private static void handshake(SSLSocket socket, int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        try {
            socket.startHandshake();
        } catch (SocketTimeoutException e) {
            throw new PeerChannel.Drop(PeerCounters.TLS, "no TLS handshake within " + timeoutMs + " ms");
        } catch (SSLException e) {
            // A plaintext peer ("Unsupported or unrecognized SSL message"), no certificate, another CA, expired.
            throw new PeerChannel.Drop(PeerCounters.TLS, "TLS handshake failed: " + e.getMessage());
        } catch (IOException e) {
            // The other side gave up on the handshake and its close reached here as a reset, before its
            // alert could be read (a client that refused this server's certificate, at times): a failed
            // handshake all the same. PeerTlsTest once waited in vain for this one to be counted.
            throw new PeerChannel.Drop(PeerCounters.TLS, "TLS handshake failed: " + e);
        }
    }
}
