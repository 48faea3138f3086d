package io.ringwork.harness.membership;

import io.ringwork.runtime.membership.MembershipService;
import io.ringwork.core.membership.MembershipConfig;
import io.ringwork.core.transport.Address;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A membership-only node for process tests and the loopback report, until the full node wires
 * membership in. Usage: {@code MemberMain <id> <port> <seeds|-> [periodMs]} where seeds is a
 * comma-separated list of host:port. Binds 127.0.0.1. Prints one line per event,
 * {@code EVENT <monotonicMs> <kind> <memberId> <incarnation>}, and {@code VIEW ...} every second;
 * SIGTERM leaves gracefully, SIGKILL is a crash.
 */
public final class MemberMain {
    private MemberMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: MemberMain <id> <port> <seeds|-> [periodMs]");
            System.exit(2);
        }
        String id = args[0];
        int port = Integer.parseInt(args[1]);
        List<Address> seeds = args[2].equals("-") ? List.of()
                : Arrays.stream(args[2].split(",")).map(Address::parse).toList();
        int periodMs = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        MembershipConfig config = MembershipConfig.forPeriod("ringwork-loopback", periodMs);
        MembershipService service = MembershipService.bind(
                new MembershipService.Settings(id, config, seeds, Map.of("pid", Long.toString(ProcessHandle.current().pid())), null),
                "127.0.0.1", port);
        long originNs = System.nanoTime();
        service.subscribe(event -> print("EVENT " + (System.nanoTime() - originNs) / 1_000_000 + " " + event.kind() + " "
                + event.member().id() + " " + event.member().incarnation()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.leave(java.time.Duration.ofMillis(3L * config.gossipIntervalMs()));
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }));
        service.start();
        print("READY " + id + " " + service.localAddress());
        while (true) {
            Thread.sleep(1000);
            print("VIEW " + service.members().stream().map(m -> m.id() + "=" + m.state() + "/" + m.incarnation())
                    .collect(Collectors.joining(",")) + " health=" + service.metrics().protocol().localHealth());
        }
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
