package ai.hanzo.node.runtime.docker.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Settings of the docker runtime, PID {@code ai.hanzo.node.docker}. */
@ObjectClassDefinition(
        name = "Hanzo Node Docker runtime",
        description = "How the node reaches the Docker engine and pulls images")
public @interface DockerRuntimeConfig {
    /**
     * @return the engine's address
     */
    @AttributeDefinition(
            description =
                    "Engine address: unix:///path/to/docker.sock or tcp://127.0.0.1:2375 (no TLS)")
    String host() default "unix:///var/run/docker.sock";

    /**
     * @return the registry for image references that name none
     */
    @AttributeDefinition(
            description =
                    "Registry (host[:port]) to pull images from when a reference names no registry,"
                            + " e.g. 127.0.0.1:5000; empty: the engine's default (Docker Hub)")
    String registry() default "";

    /**
     * @return the registry user name
     */
    @AttributeDefinition(description = "User name for the registry; empty: anonymous pulls")
    String registry_username() default "";

    /**
     * @return the registry password
     */
    @AttributeDefinition(
            type = AttributeType.PASSWORD,
            description = "Password or token for the registry (never logged)")
    String registry_password() default "";

    /**
     * @return the network containers join when their spec names none
     */
    @AttributeDefinition(
            description =
                    "Network for containers whose spec names none; empty: the engine's default"
                            + " bridge")
    String network() default "";

    /**
     * @return how long to wait for a connection to the engine
     */
    @AttributeDefinition(description = "Connect timeout to the engine, in seconds")
    int connect_timeout_seconds() default 5;

    /**
     * @return how long a request/response call may take
     */
    @AttributeDefinition(
            description =
                    "Longest an ordinary engine call (create, inspect, remove, load) may take, in"
                            + " seconds; stops, log follows, event watches and pulls are not cut")
    int api_timeout_seconds() default 120;

    /**
     * @return the connection pool size
     */
    @AttributeDefinition(
            description =
                    "Connections to the engine at most; every followed log and event watch holds"
                            + " one while open")
    int max_connections() default 100;
}
