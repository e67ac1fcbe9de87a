package ai.hanzo.node.rpc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the gRPC server, PID {@code ai.hanzo.node.rpc} ({@code
 * etc/ai.hanzo.node.rpc.cfg}). The listen address comes from {@code --grpc-addr} / {@code
 * HANZO_GRPC_ADDR}. Relative file paths are relative to the data directory.
 */
@ObjectClassDefinition(name = "Hanzo node gRPC server")
@interface RpcConfiguration {
    @AttributeDefinition(description = "Largest inbound message in bytes")
    int maxInboundMessageBytes() default 16 * 1024 * 1024;

    @AttributeDefinition(description = "Largest inbound metadata (headers) in bytes")
    int maxInboundMetadataBytes() default 16 * 1024;

    @AttributeDefinition(
            description = "Offer grpc.reflection.v1 so tools like grpcurl can list services")
    boolean reflection() default true;

    @AttributeDefinition(
            description = "Seconds in-flight calls get to finish when the server stops")
    int shutdownGraceSeconds() default 5;

    @AttributeDefinition(description = "Most open connections; more are closed at once")
    int maxConnections() default 512;

    @AttributeDefinition(
            description =
                    "Seconds a new connection has to send the HTTP/2 preface (and TLS handshake)")
    int handshakeTimeoutSeconds() default 5;

    @AttributeDefinition(description = "Most concurrent calls on one connection")
    int maxConcurrentCallsPerConnection() default 128;

    @AttributeDefinition(description = "Seconds of silence before the server pings a client")
    int keepAliveTimeSeconds() default 60;

    @AttributeDefinition(description = "Seconds the server waits for a ping answer")
    int keepAliveTimeoutSeconds() default 20;

    @AttributeDefinition(description = "Shortest client ping interval allowed, in seconds")
    int permitKeepAliveTimeSeconds() default 10;

    @AttributeDefinition(description = "Seconds before a connection is asked to go away (0: never)")
    int maxConnectionAgeSeconds() default 3600;

    @AttributeDefinition(
            description =
                    "Seconds open calls get after max connection age (long log follows reconnect"
                            + " after it)")
    int maxConnectionAgeGraceSeconds() default 600;

    @AttributeDefinition(description = "Seconds a connection may have no calls before it closes")
    int maxConnectionIdleSeconds() default 900;

    @AttributeDefinition(description = "Threads that run calls")
    int callThreads() default 16;

    @AttributeDefinition(description = "Calls that may wait for a thread; more are refused")
    int callQueue() default 1024;

    @AttributeDefinition(
            description = "File holding the HS256 JWT secret (32 bytes or more; mode 600)")
    String jwtHmacSecretFile() default "";

    @AttributeDefinition(
            description =
                    "PEM public keys (Ed25519 or EC P-256) whose EdDSA/ES256 JWTs are accepted")
    String[] jwtPublicKeyFiles() default {};

    @AttributeDefinition(description = "Required JWT issuer (iss), or empty")
    String jwtIssuer() default "";

    @AttributeDefinition(description = "Required JWT audience (aud), or empty")
    String jwtAudience() default "";

    @AttributeDefinition(description = "PEM certificate chain for TLS; empty: plaintext")
    String tlsCertFile() default "";

    @AttributeDefinition(description = "PEM PKCS#8 private key for TLS")
    String tlsKeyFile() default "";

    @AttributeDefinition(description = "PEM CA certificates that sign client certificates (mTLS)")
    String tlsClientCaFile() default "";

    @AttributeDefinition(description = "Client certificates: none, optional or require")
    String tlsClientAuth() default "none";
}
