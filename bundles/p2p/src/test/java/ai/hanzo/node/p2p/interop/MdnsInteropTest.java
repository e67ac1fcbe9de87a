package ai.hanzo.node.p2p.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mDNS between Java and js-libp2p inside a network namespace this test creates (unshare), with
 * multicast enabled on its own loopback: nothing reaches the host's networks.
 */
class MdnsInteropTest {
    private static final Logger LOG = LoggerFactory.getLogger(MdnsInteropTest.class);

    @Test
    void javaAndJsDiscoverEachOtherInANetworkNamespace(@TempDir Path tmp) throws Exception {
        Path jsDir = Path.of(System.getProperty("p2p.js.dir", "src/test/js")).toAbsolutePath();
        Assumptions.assumeTrue(
                Files.isDirectory(jsDir.resolve("node_modules/libp2p")),
                "js-libp2p is not installed in " + jsDir);
        String probe;
        try {
            Process p =
                    new ProcessBuilder(
                                    "unshare",
                                    "-rn",
                                    "sh",
                                    "-c",
                                    "ip link set lo up && ip link set lo multicast on")
                            .redirectErrorStream(true)
                            .start();
            probe = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                LOG.warn(
                        "Skipping the mDNS test: cannot create a network namespace with multicast: {}",
                        probe.trim());
                Assumptions.abort("cannot create a network namespace: " + probe.trim());
            }
        } catch (java.io.IOException e) {
            LOG.warn("Skipping the mDNS test: unshare/ip are not available: {}", e.getMessage());
            Assumptions.abort("unshare is not available: " + e.getMessage());
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String node = System.getProperty("p2p.node.executable", "node");
        Path jsOut = tmp.resolve("js.out");
        String script =
                String.join(
                        "\n",
                        "set -e",
                        "ip link set lo up",
                        "ip link set lo multicast on",
                        "ip route add 224.0.0.0/4 dev lo",
                        "cd '" + jsDir + "'",
                        "'"
                                + node
                                + "' --import ./polyfill.mjs peer.mjs identify,ping,mdns /ip4/127.0.0.1/tcp/0 detached < /dev/null > '"
                                + jsOut
                                + "' 2>&1 &",
                        "JS=$!",
                        "set +e",
                        "'"
                                + java
                                + "' -cp '"
                                + System.getProperty("java.class.path")
                                + "' -Dorg.slf4j.simpleLogger.defaultLogLevel=info "
                                + MdnsProbeMain.class.getName()
                                + " '"
                                + jsOut
                                + "'",
                        "RC=$?",
                        "kill $JS 2>/dev/null",
                        "wait $JS 2>/dev/null",
                        "exit $RC");
        Process p =
                new ProcessBuilder("unshare", "-rn", "sh", "-c", script)
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the namespace run did not finish");
        LOG.info("mDNS run output:\n{}", out);
        assertEquals(
                0,
                p.exitValue(),
                out + "\njs output:\n" + (Files.exists(jsOut) ? Files.readString(jsOut) : ""));
        assertTrue(out.contains("MDNS OK"), out);
    }
}
