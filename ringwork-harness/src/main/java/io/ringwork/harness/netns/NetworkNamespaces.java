package io.ringwork.harness.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Separate hosts on one machine, for tests: N network namespaces ("hosts"), each with loopback up
 * and one interface {@code eth0} with a private address 10.77.K.(10+i)/24, all joined by a bridge
 * in a namespace of its own, so nothing is added to the machine's network but one veth to reach
 * them: its root end has 10.77.K.1/24, so the root namespace (the test's JVM) gets a route to that
 * one /24 and nothing else. The hosts have no default route: they reach each other, the root end,
 * and nothing beyond.
 *
 * <p>Faults: {@link #cut} drops a host's traffic to and from other hosts with nft rules in that
 * host's own namespace (both ways, or one way), {@link #heal} removes them.
 *
 * <p>Cleanup: {@link #close()} ends the processes started through {@link #start} (by their own
 * handles) and deletes every namespace, which takes the veths and the bridge with it; a shutdown
 * hook does the same if the JVM exits first; and {@link #create} first deletes what a crashed run
 * left ({@link #sweep}: the namespaces and root links named after a PID that no longer runs).
 * Processes started in a host by other means (a node's {@code ip netns exec}) are their starter's
 * to end. Needs root, {@code ip} and {@code nft}: {@link #unavailable()} says why not, for a
 * test's assumption. Methods are thread-safe.
 */
public final class NetworkNamespaces implements AutoCloseable {
    /** Every name this class creates starts with it: namespaces {@code rwt-PID-hI} and {@code rwt-PID-br}, the root link {@code rwtPID}. */
    public static final String PREFIX = "rwt";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "-(\\d+)-");
    private static final Pattern ROOT_LINK = Pattern.compile("^\\d+: (" + PREFIX + "(\\d+))[@:]");
    private static final String CUT_TABLE = "ringwork_cut";
    private static final long COMMAND_TIMEOUT_MS = 20_000;

    /** One host: its namespace and its address. */
    public record Host(String namespace, String address) {
        /** The command prefix that runs a program in this host: {@code ip netns exec NAME}; it execs, so the PID is the program's. */
        public List<String> exec() {
            return List.of(ip(), "netns", "exec", namespace);
        }
    }

    /** Which of a host's traffic a {@link #cut} drops. */
    public enum Direction {
        /** Nothing between the host and the others, either way. */
        BOTH,
        /** The host's packets to the others are dropped; it still hears them. */
        OUTBOUND
    }

    private final String bridge;
    private final String rootLink;
    private final String subnetPrefix;
    private final List<Host> hosts;
    private final List<Process> started = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::removeAll, "netns-cleanup");
    private boolean closed;

    private NetworkNamespaces(String bridge, String rootLink, String subnetPrefix, List<Host> hosts) {
        this.bridge = bridge;
        this.rootLink = rootLink;
        this.subnetPrefix = subnetPrefix;
        this.hosts = hosts;
    }

    /**
     * Why namespaces cannot be made here (not root, no {@code ip} or {@code nft}, or the kernel
     * refuses a namespace), or empty when they can. Probes with a throwaway namespace.
     */
    public static Optional<String> unavailable() {
        try {
            String uid = run(List.of("id", "-u")).strip();
            if (!uid.equals("0")) return Optional.of("network namespaces need root (this is uid " + uid + ")");
            if (find("ip") == null) return Optional.of("the 'ip' command (iproute2) is not installed");
            if (find("nft") == null) return Optional.of("the 'nft' command is not installed (./ringwork tools install nft)");
            String probe = PREFIX + "-" + ProcessHandle.current().pid() + "-probe";
            run(List.of(ip(), "netns", "add", probe));
            run(List.of(ip(), "netns", "del", probe));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot create a network namespace here: " + e.getMessage());
        }
    }

    /**
     * Creates {@code count} hosts and the bridge between them, after sweeping a crashed run's leftovers.
     *
     * @throws IOException when a command fails; whatever was made is removed first
     */
    public static NetworkNamespaces create(int count) throws IOException {
        if (count < 1 || count > 200) throw new IllegalArgumentException("1 to 200 hosts, got " + count);
        sweep();
        long pid = ProcessHandle.current().pid();
        String base = PREFIX + "-" + pid + "-";
        String subnetPrefix = freeSubnet();
        List<Host> hosts = new ArrayList<>();
        for (int i = 1; i <= count; i++) hosts.add(new Host(base + "h" + i, subnetPrefix + (10 + i)));
        NetworkNamespaces nets = new NetworkNamespaces(base + "br", PREFIX + pid, subnetPrefix, List.copyOf(hosts));
        Runtime.getRuntime().addShutdownHook(nets.shutdownHook);
        try {
            nets.build();
        } catch (IOException | RuntimeException e) {
            nets.close();
            throw e;
        }
        return nets;
    }

    private void build() throws IOException {
        String br = bridge;
        run(List.of(ip(), "netns", "add", br));
        run(List.of(ip(), "-n", br, "link", "set", "lo", "up"));
        run(List.of(ip(), "-n", br, "link", "add", "br0", "type", "bridge"));
        run(List.of(ip(), "-n", br, "link", "set", "br0", "up"));
        for (int i = 0; i < hosts.size(); i++) {
            Host host = hosts.get(i);
            String port = "h" + (i + 1); // the host's port on the bridge, named inside the bridge's namespace
            run(List.of(ip(), "netns", "add", host.namespace()));
            run(List.of(ip(), "-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", host.namespace()));
            run(List.of(ip(), "-n", br, "link", "set", port, "master", "br0", "up"));
            run(List.of(ip(), "-n", host.namespace(), "link", "set", "lo", "up"));
            run(List.of(ip(), "-n", host.namespace(), "addr", "add", host.address() + "/24", "dev", "eth0"));
            run(List.of(ip(), "-n", host.namespace(), "link", "set", "eth0", "up"));
        }
        // The root namespace's one way in: a veth whose other end is a port of the bridge.
        run(List.of(ip(), "link", "add", rootLink, "type", "veth", "peer", "name", "root", "netns", br));
        run(List.of(ip(), "-n", br, "link", "set", "root", "master", "br0", "up"));
        run(List.of(ip(), "addr", "add", rootAddress() + "/24", "dev", rootLink));
        run(List.of(ip(), "link", "set", rootLink, "up"));
    }

    public List<Host> hosts() {
        return hosts;
    }

    /** Host {@code i}, 1-based. */
    public Host host(int i) {
        return hosts.get(i - 1);
    }

    /** The root namespace's address on the hosts' network (10.77.K.1): where the hosts see the test's connections come from. */
    public String rootAddress() {
        return subnetPrefix + "1";
    }

    /** The hosts' network, e.g. {@code 10.77.42.0/24}. */
    public String subnet() {
        return subnetPrefix + "0/24";
    }

    /**
     * Starts {@code command} in {@code host}, its output appended to {@code output}. The process is
     * this object's: {@link #close()} ends it (SIGKILL) if it still runs.
     */
    public synchronized Process start(Host host, List<String> command, Path output) throws IOException {
        if (closed) throw new IllegalStateException("closed");
        List<String> full = new ArrayList<>(host.exec());
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        started.add(process);
        return process;
    }

    /**
     * Cuts {@code host} off from {@code others} with drop rules in {@code host}'s namespace:
     * {@link Direction#BOTH} drops what it sends to them and what they send to it,
     * {@link Direction#OUTBOUND} only what it sends. Replaces an earlier cut of this host. Traffic
     * with the root namespace and loopback is untouched.
     */
    public void cut(Host host, Direction direction, Collection<Host> others) throws IOException {
        List<String> addresses = others.stream().filter(o -> !o.equals(host)).map(Host::address).toList();
        if (addresses.isEmpty()) throw new IllegalArgumentException("nothing to cut " + host.namespace() + " from");
        String set = "{ " + String.join(", ", addresses) + " }";
        StringBuilder rules = new StringBuilder()
                .append("table inet ").append(CUT_TABLE).append('\n')
                .append("delete table inet ").append(CUT_TABLE).append('\n')
                .append("table inet ").append(CUT_TABLE).append(" {\n")
                .append("  chain output { type filter hook output priority 0; policy accept; ip daddr ").append(set).append(" drop; }\n");
        if (direction == Direction.BOTH) {
            rules.append("  chain input { type filter hook input priority 0; policy accept; ip saddr ").append(set).append(" drop; }\n");
        }
        rules.append("}\n");
        nft(host, rules.toString());
    }

    /** Removes {@code host}'s cut, if any. */
    public void heal(Host host) throws IOException {
        nft(host, "table inet " + CUT_TABLE + "\ndelete table inet " + CUT_TABLE + "\n");
    }

    /** The drop rules in {@code host} as nft lists them (empty when none): for a test to see what a cut did. */
    public String rules(Host host) throws IOException {
        String tables = run(List.of(ip(), "netns", "exec", host.namespace(), nftBinary(), "list", "tables"));
        if (!tables.contains(CUT_TABLE)) return "";
        return run(List.of(ip(), "netns", "exec", host.namespace(), nftBinary(), "list", "table", "inet", CUT_TABLE));
    }

    /** One nft transaction in {@code host}'s namespace (an atomic replace: the table is added, deleted and written again). */
    private static void nft(Host host, String script) throws IOException {
        Path file = Files.createTempFile("ringwork-nft-", ".nft");
        try {
            Files.writeString(file, script, StandardCharsets.UTF_8);
            run(List.of(ip(), "netns", "exec", host.namespace(), nftBinary(), "-f", file.toString()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Ends the processes started here and deletes every namespace and link of this object. Idempotent. */
    @Override
    public void close() {
        removeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs removeAll too
        }
    }

    private synchronized void removeAll() {
        if (closed) return;
        closed = true;
        for (Process process : started) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Deleting a namespace destroys the veths in it, and with each its other end.
        for (Host host : hosts) quietly(List.of(ip(), "netns", "del", host.namespace()));
        quietly(List.of(ip(), "netns", "del", bridge));
        quietly(List.of(ip(), "link", "del", rootLink));
    }

    /**
     * Deletes the namespaces and root links a run of this class left behind when its JVM died
     * without cleaning up: those named after a PID that no longer runs. A name whose PID was reused
     * by another process since is left (and reported by nothing): a rare leftover, swept later.
     */
    public static void sweep() throws IOException {
        for (String line : run(List.of(ip(), "netns", "list")).lines().toList()) {
            String name = line.split(" ")[0];
            Matcher m = OURS.matcher(name);
            if (m.find() && !alive(Long.parseLong(m.group(1)))) quietly(List.of(ip(), "netns", "del", name));
        }
        for (String line : run(List.of(ip(), "-o", "link", "show")).lines().toList()) {
            Matcher m = ROOT_LINK.matcher(line);
            if (m.find() && !alive(Long.parseLong(m.group(2)))) quietly(List.of(ip(), "link", "del", m.group(1)));
        }
    }

    /** Namespaces whose names start with {@link #PREFIX}, for a test to see that nothing is left. */
    public static List<String> existing() throws IOException {
        return run(List.of(ip(), "netns", "list")).lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(PREFIX + "-")).toList();
    }

    private static boolean alive(long pid) {
        return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** "10.77.K." for a K whose /24 no address or route of the root namespace uses yet. */
    private static String freeSubnet() throws IOException {
        String used = run(List.of(ip(), "-4", "addr", "show")) + run(List.of(ip(), "-4", "route", "show", "table", "all"));
        int start = ThreadLocalRandom.current().nextInt(200);
        for (int i = 0; i < 200; i++) {
            String prefix = "10.77." + (20 + (start + i) % 200) + ".";
            if (!used.contains(prefix)) return prefix;
        }
        throw new IOException("no free 10.77.K.0/24 left for test hosts");
    }

    static String ip() {
        String path = find("ip");
        return path == null ? "ip" : path;
    }

    private static String nftBinary() {
        String path = find("nft");
        return path == null ? "nft" : path;
    }

    /** {@code name} on PATH or in the sbin directories (a test JVM's PATH may lack them); null if nowhere. */
    private static String find(String name) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) return candidate.toString();
        }
        return null;
    }

    /** Runs a command to its end (at most 20 s) and returns its output; a non-zero exit is an IOException with that output. */
    static String run(List<String> command) throws IOException {
        // The output goes to a file, so a command that hangs cannot hold this thread past the timeout.
        Path out = Files.createTempFile("ringwork-netns-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                if (!process.waitFor(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(String.join(" ", command) + " took over " + COMMAND_TIMEOUT_MS + " ms");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", command), e);
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + output.strip());
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static void quietly(List<String> command) {
        try {
            run(command);
        } catch (IOException e) {
            // already gone, or nothing more to do on the way out
        }
    }
}
