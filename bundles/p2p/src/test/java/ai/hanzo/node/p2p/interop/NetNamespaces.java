package ai.hanzo.node.p2p.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces for tests, each joined to this one by a veth pair with a /30 of its own:
 * separate hosts with separate addresses on one machine. Needs root and iproute2; fails with the
 * reason otherwise. {@link #close} deletes them (which deletes the veth pairs too).
 */
final class NetNamespaces implements AutoCloseable {
    private final List<String> names = new ArrayList<>();
    private final int subnet;

    /**
     * @throws AssertionError naming the command that failed and what it said
     */
    NetNamespaces(int count) throws IOException, InterruptedException {
        long pid = ProcessHandle.current().pid();
        // a /24 per JVM, so parallel builds on one machine do not collide
        this.subnet = 200 + (int) (pid % 50);
        try {
            for (int i = 0; i < count; i++) {
                String ns = "hzp2p-" + pid + "-" + i;
                String host = "hzp" + (pid % 100000) + "v" + i;
                String inside = host + "n";
                run("ip", "netns", "add", ns);
                names.add(ns);
                run("ip", "link", "add", host, "type", "veth", "peer", "name", inside);
                run("ip", "link", "set", inside, "netns", ns);
                run("ip", "addr", "add", hostSide(i) + "/30", "dev", host);
                run("ip", "link", "set", host, "up");
                run(
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        "ip",
                        "addr",
                        "add",
                        namespaceSide(i) + "/30",
                        "dev",
                        inside);
                run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
                run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            }
        } catch (AssertionError | IOException | InterruptedException e) {
            close();
            throw e;
        }
    }

    String name(int i) {
        return names.get(i);
    }

    /** This namespace's end of pair {@code i}. */
    String hostSide(int i) {
        return "10." + subnet + "." + i + ".1";
    }

    /** The namespace's end of pair {@code i}. */
    String namespaceSide(int i) {
        return "10." + subnet + "." + i + ".2";
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(
                    "cannot run "
                            + String.join(" ", cmd)
                            + " (network namespaces need iproute2 and root): "
                            + e.getMessage(),
                    e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(
                    String.join(" ", cmd)
                            + " failed (network namespaces need iproute2 and root): "
                            + out);
        }
    }

    @Override
    public void close() {
        for (String ns : names) {
            try {
                run("ip", "netns", "del", ns);
            } catch (AssertionError | IOException e) {
                // best effort: go on with the others
                System.err.println(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        names.clear();
    }
}
