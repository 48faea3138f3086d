package io.ringwork.runtime.http.server;

import io.ringwork.core.util.Invariants;
import io.ringwork.runtime.util.SlotsPerSource;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 server of the node's API: one virtual thread per connection, and a bound on every
 * resource a client can hold. It replaces the JDK's server, which allocated request bodies from
 * their declared length, had no per-client connection limit and answered malformed requests with
 * HTML.
 *
 * <p>What a client can hold, and what happens at each limit ({@link Settings}):
 * <ol>
 *   <li>connections: {@code maxConnections} in all and {@code maxConnectionsPerClient} per client
 *       address; one more gets {@code 503} and is closed at once;
 *   <li>time: an idle keep-alive connection is closed after {@code idleTimeoutMs}; a request head
 *       must arrive within {@code headerTimeoutMs} of its first byte and a body within
 *       {@code bodyTimeoutMs} of its first read, else {@code 408} and the connection closes; a
 *       response write that makes no progress for {@code writeStallTimeoutMs} closes the
 *       connection (a client that stopped reading a stream);
 *   <li>memory: a head of at most {@code maxHeaderBytes}; bodies are read as they arrive and
 *       reserved from one {@code bodyBudgetBytes} budget shared by all requests (past it:
 *       {@code 503}); nothing is allocated from a declared {@code Content-Length}.
 * </ol>
 * Every refusal is counted ({@link Counters}) and answered as JSON {@code {"error","detail"}}.
 *
 * <p>With TLS ({@code tls} given), each accepted socket is wrapped in an {@link SSLSocket} on its
 * connection's thread, from the context the supplier holds at that moment (so a reloaded certificate
 * serves the next connection). The handshake must finish within {@code headerTimeoutMs}, enforced
 * like a slow head; a client that fails it is counted and closed. A refused connection is closed
 * without an answer: a plain-text 503 means nothing to a TLS client. Deadlines act on the plain
 * socket underneath, which unblocks the TLS layer in every state.
 * Thread-safe.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final long REAPER_PERIOD_MS = 200;
    /** After a read timeout the handler gets this long to answer 408 before the socket is closed. */
    private static final long ANSWER_GRACE_MS = 5_000;
    /**
     * After refusing a request whose rest is still coming (a 414 for a long request line, a 431, a
     * 413 for a body over the limit),
     * the server reads and drops at most this much, for at most {@link #LINGER_MS}, before it
     * closes: closing with unread bytes resets the connection, and the client would lose the
     * answer it was sent.
     */
    private static final int LINGER_BYTES_MAX = 1 << 20;
    private static final long LINGER_MS = 2_000;

    /**
     * @param maxConnections          open connections in all
     * @param maxConnectionsPerClient open connections from one client address
     * @param idleTimeoutMs           a connection waiting for its next request is closed after this
     * @param headerTimeoutMs         a request head must arrive within this of its first byte
     * @param bodyTimeoutMs           a request body must arrive within this of its first read
     * @param writeStallTimeoutMs     a response write blocked this long closes the connection
     * @param maxHeaderBytes          request line and header fields together, at most
     * @param bodyBudgetBytes         request body bytes held by all requests together, at most
     */
    public record Settings(int maxConnections, int maxConnectionsPerClient, long idleTimeoutMs, long headerTimeoutMs,
                           long bodyTimeoutMs, long writeStallTimeoutMs, int maxHeaderBytes, long bodyBudgetBytes) {
        public Settings {
            Invariants.require(maxConnections > 0 && maxConnectionsPerClient > 0, "connection limits must be positive");
            Invariants.require(idleTimeoutMs > 0 && headerTimeoutMs > 0 && bodyTimeoutMs > 0 && writeStallTimeoutMs > 0,
                    "timeouts must be positive");
            Invariants.require(maxHeaderBytes >= 1024, "maxHeaderBytes must be at least 1024");
            Invariants.require(bodyBudgetBytes > 0, "bodyBudgetBytes must be positive");
        }

        /** 1,024 connections (256 per client), 30 s idle, 10 s head, 30 s body, 30 s write stall, 32 KiB heads. */
        public static Settings defaults(long bodyBudgetBytes) {
            return new Settings(1024, 256, 30_000, 10_000, 30_000, 30_000, 32 * 1024, bodyBudgetBytes);
        }
    }

    /** What the server did with clients it refused or cut off; totals since start. */
    public static final class Counters {
        public final AtomicLong accepted = new AtomicLong();
        public final AtomicLong rejectedConnections = new AtomicLong();
        public final AtomicLong rejectedPerClient = new AtomicLong();
        public final AtomicLong idleClosed = new AtomicLong();
        public final AtomicLong headerTimeouts = new AtomicLong();
        public final AtomicLong bodyTimeouts = new AtomicLong();
        public final AtomicLong writeStalls = new AtomicLong();
        public final AtomicLong malformed = new AtomicLong();
        /** TLS handshakes that failed: a plain-HTTP client, an untrusted certificate, no common cipher. */
        public final AtomicLong tlsHandshakeFailures = new AtomicLong();
        /** TLS handshakes not finished within {@code headerTimeoutMs}. */
        public final AtomicLong tlsHandshakeTimeouts = new AtomicLong();
    }

    /** Serves one exchange; it must answer (or the server answers 500) and may throw only IOException. */
    public interface Dispatcher {
        void dispatch(ApiExchange exchange) throws IOException;
    }

    private final Settings settings;
    private final Dispatcher dispatcher;
    private final ServerSocket acceptor;
    private final ByteBudget budget;
    private final Counters counters = new Counters();
    private final ExecutorService connectionThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final SlotsPerSource<InetAddress> perClient;
    private final AtomicInteger open = new AtomicInteger();
    private final Thread acceptThread;
    private final Thread reaperThread;
    /** The TLS context for the next connection, or null for plain HTTP. */
    private final Supplier<SSLContext> tls;
    private volatile boolean closed;

    public ApiServer(InetSocketAddress address, Settings settings, Dispatcher dispatcher) throws IOException {
        this(address, settings, dispatcher, null);
    }

    /** A server that speaks HTTPS with the context {@code tls} holds when a connection comes in (null: plain HTTP). */
    public ApiServer(InetSocketAddress address, Settings settings, Dispatcher dispatcher, Supplier<SSLContext> tls)
            throws IOException {
        this.settings = settings;
        this.tls = tls;
        this.dispatcher = dispatcher;
        this.budget = new ByteBudget(settings.bodyBudgetBytes());
        this.perClient = new SlotsPerSource<>(settings.maxConnectionsPerClient());
        this.acceptor = new ServerSocket();
        acceptor.setReuseAddress(true);
        acceptor.bind(address, 1024);
        this.acceptThread = Thread.ofPlatform().daemon().name("ringwork-http-accept").unstarted(this::acceptLoop);
        this.reaperThread = Thread.ofPlatform().daemon().name("ringwork-http-deadlines").unstarted(this::reapLoop);
    }

    public void start() {
        acceptThread.start();
        reaperThread.start();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) acceptor.getLocalSocketAddress();
    }

    /** True when the server speaks HTTPS. */
    public boolean secure() {
        return tls != null;
    }

    public Counters counters() {
        return counters;
    }

    public int openConnections() {
        return open.get();
    }

    /** Request body bytes held right now. */
    public long bodyBytesHeld() {
        return budget.usedBytes();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = acceptor.accept();
            } catch (IOException e) {
                if (!closed) LOG.warn("HTTP accept failed: {}", e.toString());
                if (!closed) pause();
                continue;
            }
            InetAddress client = socket.getInetAddress();
            if (open.get() >= settings.maxConnections()) {
                counters.rejectedConnections.incrementAndGet();
                refuse(socket, tls != null, "this node has " + settings.maxConnections() + " open connections already");
                continue;
            }
            if (!perClient.tryTake(client)) {
                counters.rejectedPerClient.incrementAndGet();
                refuse(socket, tls != null, "your address has " + settings.maxConnectionsPerClient()
                        + " open connections to this node already; reuse them (keep-alive)");
                continue;
            }
            open.incrementAndGet();
            counters.accepted.incrementAndGet();
            connectionThreads.execute(() -> serve(socket, client));
        }
    }

    /**
     * A 503 written to a fresh socket (its send buffer is empty, so this does not block), then closed;
     * with TLS only closed, since answering would take a handshake on the accepting thread.
     */
    private static void refuse(Socket socket, boolean secure, String detail) {
        try (socket) {
            if (secure) return;
            byte[] body = Json.error("busy", detail + "; nothing was done, retry shortly", true);
            String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            socket.shutdownOutput();
        } catch (IOException ignored) {
            // The client is gone already; it was refused either way.
        }
    }

    private void serve(Socket raw, InetAddress client) {
        Connection connection = new Connection(raw);
        connections.add(connection);
        try {
            raw.setTcpNoDelay(true);
            Socket socket = tls == null ? raw : handshake(connection, raw);
            if (socket == null) return;
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            OutputStream out = new BufferedOutputStream(new WatchedOutput(socket.getOutputStream(), connection), 16 * 1024);
            connection.out = out;
            while (!closed && serveOne(connection, in, out)) {
                // next request on this connection
            }
        } catch (IOException e) {
            // The client went away; nothing to answer.
        } finally {
            connection.closeGracefully();
            connections.remove(connection);
            connection.closeQuietly();
            perClient.release(client);
            open.decrementAndGet();
        }
    }

    /**
     * The TLS handshake on {@code raw}, bounded by the head timeout; the TLS socket, or null when the
     * handshake failed (counted; the connection closes).
     */
    private SSLSocket handshake(Connection connection, Socket raw) throws IOException {
        InetSocketAddress remote = (InetSocketAddress) raw.getRemoteSocketAddress();
        SSLSocket ssl = (SSLSocket) tls.get().getSocketFactory().createSocket(raw, remote.getHostString(), remote.getPort(), true);
        ssl.setUseClientMode(false);
        connection.secured(ssl);
        connection.expectRead(settings.headerTimeoutMs());
        try {
            ssl.startHandshake();
        } catch (IOException e) {
            if (connection.readTimedOut()) counters.tlsHandshakeTimeouts.incrementAndGet();
            else counters.tlsHandshakeFailures.incrementAndGet();
            LOG.debug("TLS handshake with {} failed: {}", remote, e.toString());
            return null;
        }
        connection.expectRead(0);
        return ssl;
    }

    /** Reads and serves one request; false when the connection must close. */
    private boolean serveOne(Connection connection, InputStream in, OutputStream out) throws IOException {
        connection.expectRead(settings.idleTimeoutMs());
        int first = in.read();
        if (first < 0) {
            if (connection.readTimedOut()) counters.idleClosed.incrementAndGet();
            return false;
        }
        connection.expectRead(settings.headerTimeoutMs());
        RequestHead head;
        try {
            head = RequestHead.read(first, in, settings.maxHeaderBytes());
        } catch (HttpProblem problem) {
            counters.malformed.incrementAndGet();
            connection.expectRead(0);
            writeError(out, problem.status(), problem.code(), problem.getMessage());
            linger(connection.io, in);
            return false;
        } catch (EOFException e) {
            if (connection.readTimedOut()) {
                counters.headerTimeouts.incrementAndGet();
                writeError(out, 408, "request_timeout", "the request head did not arrive within "
                        + settings.headerTimeoutMs() + " ms");
            }
            return false;
        }
        connection.expectRead(0);
        ApiExchange exchange = new ApiExchange(head, connection, in, out, budget);
        try {
            dispatcher.dispatch(exchange);
        } catch (HttpProblem problem) {
            if (problem.status() == 408) counters.bodyTimeouts.incrementAndGet();
            exchange.closeConnectionAfter();
            if (!exchange.responseStarted()) {
                // Definite: a request whose body could not be read whole was never handled.
                byte[] body = Json.error(problem.code(), problem.getMessage(), true);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(problem.status(), body.length);
                exchange.getResponseBody().write(body);
            }
        } catch (RuntimeException e) {
            LOG.error("{} {} failed", head.method(), head.rawTarget(), e);
            exchange.closeConnectionAfter();
        }
        boolean again = exchange.finish();
        // A body still arriving that the handler refused (a 413 of a large one): closing with its rest
        // unread resets the connection, and the client could lose the answer it was sent
        // (MessagingApiTest saw "header parser received no bytes" once in a CI run).
        if (!again && exchange.bodyLeftUnread()) linger(connection.io, in);
        return again;
    }

    private static void writeError(OutputStream out, int status, String code, String detail) {
        try {
            byte[] body = Json.error(code, detail, true);
            String head = "HTTP/1.1 " + status + " " + Reasons.of(status) + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException ignored) {
            // The client is gone; the connection closes either way.
        }
    }

    /** Half-closes, then drops what the client still sends, bounded in bytes and time (see {@link #LINGER_MS}). */
    private static void linger(Socket socket, InputStream in) {
        try {
            socket.shutdownOutput();
            long deadline = System.currentTimeMillis() + LINGER_MS;
            byte[] sink = new byte[16 * 1024];
            for (int dropped = 0; dropped < LINGER_BYTES_MAX; ) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return;
                socket.setSoTimeout((int) left);
                int n = in.read(sink);
                if (n < 0) return;
                dropped += n;
            }
        } catch (IOException ignored) {
            // timed out or reset: the connection closes either way
        }
    }

    /** Enforces every connection's deadlines: read timeouts first stop input, a write stall closes. */
    private void reapLoop() {
        while (!closed) {
            pause();
            long nowMs = System.currentTimeMillis();
            for (Connection connection : connections) {
                if (connection.writeStalled(nowMs, settings.writeStallTimeoutMs())) {
                    counters.writeStalls.incrementAndGet();
                    connection.closeQuietly();
                } else {
                    connection.enforceRead(nowMs);
                }
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(REAPER_PERIOD_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            acceptor.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Connection connection : connections) connection.closeQuietly();
        connectionThreads.shutdownNow();
        acceptThread.interrupt();
        reaperThread.interrupt();
    }

    /**
     * One client connection's socket and deadlines. Deadlines are wall-clock times set by the
     * connection's thread and enforced by the reaper: a read deadline that passes shuts the input
     * (the blocked read sees the end of the stream and the handler can still answer 408), and
     * closes the socket {@link #ANSWER_GRACE_MS} later if it is still open.
     */
    final class Connection {
        /** The accepted TCP socket: deadlines act on it, since that unblocks a TLS socket in any state. */
        private final Socket socket;
        /** What requests are read from and answers written to: {@link #socket}, or the TLS socket over it. */
        private volatile Socket io;
        private volatile SSLSocket ssl;
        private volatile OutputStream out;
        private volatile long readDeadlineMs;
        private volatile long writeStartedMs;
        private volatile long closeAtMs;
        private volatile boolean readTimedOut;

        Connection(Socket socket) {
            this.socket = socket;
            this.io = socket;
        }

        void secured(SSLSocket ssl) {
            this.ssl = ssl;
            this.io = ssl;
        }

        /** Sets the read deadline to {@code timeoutMs} from now; 0 clears it. */
        void expectRead(long timeoutMs) {
            readDeadlineMs = timeoutMs == 0 ? 0 : System.currentTimeMillis() + timeoutMs;
        }

        void bodyStarted() {
            expectRead(settings.bodyTimeoutMs());
        }

        void bodyDone() {
            expectRead(0);
        }

        long bodyTimeoutMs() {
            return settings.bodyTimeoutMs();
        }

        boolean readTimedOut() {
            return readTimedOut;
        }

        void sendContinue() throws IOException {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        void writing(boolean started) {
            writeStartedMs = started ? System.currentTimeMillis() : 0;
        }

        boolean writeStalled(long nowMs, long stallMs) {
            long started = writeStartedMs;
            return started != 0 && nowMs - started > stallMs;
        }

        void enforceRead(long nowMs) {
            long deadline = readDeadlineMs;
            if (deadline != 0 && nowMs > deadline && !readTimedOut) {
                readTimedOut = true;
                closeAtMs = nowMs + ANSWER_GRACE_MS;
                try {
                    socket.shutdownInput();
                } catch (IOException e) {
                    closeQuietly();
                }
            } else if (closeAtMs != 0 && nowMs > closeAtMs) {
                closeQuietly();
            }
        }

        InetSocketAddress remoteAddress() {
            return (InetSocketAddress) socket.getRemoteSocketAddress();
        }

        InetSocketAddress localAddress() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        /**
         * Ends a TLS connection with close_notify, so the client can tell the end from a cut; the
         * write is watched like any other, so a client that does not read cannot hold it.
         */
        void closeGracefully() {
            SSLSocket secure = ssl;
            if (secure == null || socket.isClosed()) return;
            writing(true);
            try {
                secure.close();
            } catch (IOException ignored) {
                // closing anyway
            } finally {
                writing(false);
            }
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** The socket's output, marking each write so the reaper can tell a stalled client. */
    private static final class WatchedOutput extends OutputStream {
        private final OutputStream out;
        private final Connection connection;

        WatchedOutput(OutputStream out, Connection connection) {
            this.out = out;
            this.connection = connection;
        }

        @Override
        public void write(int b) throws IOException {
            connection.writing(true);
            try {
                out.write(b);
            } finally {
                connection.writing(false);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            connection.writing(true);
            try {
                out.write(b, off, len);
            } finally {
                connection.writing(false);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }
    }
}
