package ai.hanzo.node.core.internal;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The start-up settings the launcher ({@code bin/hanzo-node}) hands to the framework as {@code
 * hanzo.*} properties, after applying flags over env over {@code etc/hanzo-node.conf}.
 *
 * @param dataDirectory where the node keeps its state
 * @param nodeId the id the operator asked for, if any
 * @param networkId the network to join, or empty
 * @param operatorAddress the operator's EVM address, or empty
 * @param version the node version
 * @param grpcAddress the gRPC listen address
 * @param httpAddress the HTTP listen address
 * @param p2pAddress the P2P listen multiaddr
 */
record NodeSettings(
        Path dataDirectory,
        Optional<String> nodeId,
        String networkId,
        String operatorAddress,
        String version,
        String grpcAddress,
        String httpAddress,
        String p2pAddress) {

    /**
     * @param properties looks up a framework property, null when unset
     * @param bundleVersion the version to report when the launcher did not set one
     * @return the settings, with defaults for what is unset
     */
    static NodeSettings from(UnaryOperator<String> properties, String bundleVersion) {
        String data =
                firstSet(
                        properties.apply("hanzo.data.dir"), properties.apply("karaf.data"), "data");
        return new NodeSettings(
                Path.of(data).toAbsolutePath().normalize(),
                Optional.ofNullable(properties.apply("hanzo.node.id")).filter(s -> !s.isBlank()),
                firstSet(properties.apply("hanzo.network.id"), ""),
                firstSet(properties.apply("hanzo.operator"), ""),
                firstSet(properties.apply("hanzo.version"), bundleVersion),
                firstSet(properties.apply("hanzo.grpc.addr"), "127.0.0.1:50051"),
                firstSet(properties.apply("hanzo.http.addr"), "127.0.0.1:8080"),
                firstSet(properties.apply("hanzo.p2p.addr"), "/ip4/0.0.0.0/tcp/9000"));
    }

    private static String firstSet(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        return "";
    }
}
