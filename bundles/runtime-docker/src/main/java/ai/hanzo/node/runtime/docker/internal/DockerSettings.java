package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.runtime.RegistryAuth;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The docker runtime's settings, checked.
 *
 * @param host the engine's address ({@code unix://} or {@code tcp://})
 * @param registry the registry for references that name none, or empty
 * @param registryAuth credentials for {@code registry}, if any
 * @param network the network for containers that name none, or empty for the engine's default
 * @param connectTimeout how long to wait for a connection
 * @param apiTimeout how long an ordinary call may take
 * @param maxConnections the pool size
 */
record DockerSettings(
        URI host,
        String registry,
        Optional<RegistryAuth> registryAuth,
        String network,
        Duration connectTimeout,
        Duration apiTimeout,
        int maxConnections) {

    /**
     * @param config the component configuration
     * @return the settings
     * @throws IllegalArgumentException naming the bad setting
     */
    static DockerSettings from(DockerRuntimeConfig config) {
        Optional<RegistryAuth> auth =
                config.registry_username().isBlank() && config.registry_password().isBlank()
                        ? Optional.empty()
                        : Optional.of(
                                new RegistryAuth(
                                        config.registry().trim(),
                                        config.registry_username().trim(),
                                        config.registry_password()));
        return new DockerSettings(
                parseHost(config.host()),
                config.registry().trim(),
                auth,
                config.network().trim(),
                positive("connect.timeout.seconds", config.connect_timeout_seconds()),
                positive("api.timeout.seconds", config.api_timeout_seconds()),
                config.max_connections() < 2
                        ? failCount(config.max_connections())
                        : config.max_connections());
    }

    /**
     * @param host {@code unix:///path} or {@code tcp://host:port}
     * @return the address
     * @throws IllegalArgumentException when it is neither
     */
    static URI parseHost(String host) {
        URI uri;
        try {
            uri = URI.create(host.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "docker host '" + host + "' is not an address: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        if (scheme.equals("unix") && uri.getPath() != null && !uri.getPath().isEmpty()) {
            return uri;
        }
        if (scheme.equals("tcp") && uri.getHost() != null && uri.getPort() > 0) {
            return uri;
        }
        throw new IllegalArgumentException(
                "docker host '"
                        + host
                        + "' must be unix:///path/to/docker.sock or tcp://host:port");
    }

    private static Duration positive(String name, int seconds) {
        if (seconds <= 0) {
            throw new IllegalArgumentException(name + " must be positive, not " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    private static int failCount(int n) {
        throw new IllegalArgumentException("max.connections must be at least 2, not " + n);
    }

    /**
     * @return where the engine is, for messages
     */
    String where() {
        return host.getScheme().equals("unix") ? host.getPath() : host.toString();
    }
}
