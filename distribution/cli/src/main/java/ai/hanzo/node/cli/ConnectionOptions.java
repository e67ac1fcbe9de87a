package ai.hanzo.node.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a client command reaches the node; shared by every client command. */
final class ConnectionOptions {
    @Option(
            names = "--grpc-addr",
            paramLabel = "<host:port>",
            description =
                    "The node's gRPC address (default: HANZO_GRPC_ADDR, the client config file,"
                            + " etc/hanzo-node.conf, else 127.0.0.1:50051)")
    String grpcAddress;

    @Option(
            names = "--data-dir",
            paramLabel = "<dir>",
            description = "A local node's data directory, for its admin.key (default: ./data)")
    Path dataDirectory;

    @Option(
            names = "--config",
            paramLabel = "<file>",
            description =
                    "Client config file (default: HANZO_CLI_CONFIG, else"
                            + " ~/.config/hanzo-node/cli.conf)")
    Path config;

    @Option(
            names = "--tls",
            description = "Connect with TLS (implied by --tls-ca, --tls-cert, --tls-key)")
    boolean tls;

    @Option(
            names = "--tls-ca",
            paramLabel = "<pem>",
            description = "CA certificates to trust for the node's certificate")
    Path tlsCa;

    @Option(
            names = "--tls-cert",
            paramLabel = "<pem>",
            description = "Client certificate, for a node that asks for mutual TLS")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "<pem>", description = "The client certificate's key")
    Path tlsKey;

    @Option(
            names = "--timeout",
            paramLabel = "<seconds>",
            description = "How long a request may take (default: ${DEFAULT-VALUE})",
            defaultValue = "15")
    long timeoutSeconds;
}
