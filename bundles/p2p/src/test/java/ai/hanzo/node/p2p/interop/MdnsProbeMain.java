package ai.hanzo.node.p2p.interop;

import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs inside the network namespace {@link MdnsInteropTest} creates: a Java node with mDNS on, next
 * to a js-libp2p peer with mDNS whose output goes to {@code args[0]}. Exits 0 once each has
 * discovered the other (and Java connected), 1 after 40 s.
 */
public final class MdnsProbeMain {
    private MdnsProbeMain() {}

    public static void main(String[] args) throws Exception {
        Path jsOut = Path.of(args[0]);
        P2pNode node =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofSeconds(1),
                                        true),
                                null)
                        .start();
        String[] jsPeer = {null};
        boolean[] found = {false, false};
        try {
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                String out = Files.exists(jsOut) ? Files.readString(jsOut) : "";
                                if (jsPeer[0] == null && out.contains("\"event\":\"ready\"")) {
                                    String line =
                                            out.lines()
                                                    .filter(l -> l.contains("\"event\":\"ready\""))
                                                    .findFirst()
                                                    .orElseThrow();
                                    jsPeer[0] = JsPeer.field(line, "peerId");
                                }
                                if (jsPeer[0] != null) {
                                    PeerId p = PeerId.parse(jsPeer[0]);
                                    found[0] =
                                            node.discoveredByMdns().contains(p)
                                                    && node.host().connection(p).isPresent();
                                }
                                found[1] =
                                        out.lines()
                                                .anyMatch(
                                                        l ->
                                                                l.contains(
                                                                                "\"event\":\"discovery\"")
                                                                        && l.contains(
                                                                                node
                                                                                        .localPeerId()));
                                return found[0] && found[1];
                            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below
        }
        boolean javaFound = found[0];
        boolean jsFound = found[1];
        String jsPeerId = jsPeer[0];
        System.out.println(
                (javaFound && jsFound ? "MDNS OK" : "MDNS FAIL")
                        + " java="
                        + node.localPeerId()
                        + " js="
                        + jsPeerId
                        + " javaFoundJs="
                        + javaFound
                        + " jsFoundJava="
                        + jsFound);
        node.close();
        System.exit(javaFound && jsFound ? 0 : 1);
    }
}
