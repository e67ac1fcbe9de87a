package ai.hanzo.node.p2p.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Config Admin settings of PID {@code ai.hanzo.node.p2p}; framework properties override the address
 * and bootstrap.
 */
@ObjectClassDefinition(name = "Hanzo P2P", description = "libp2p network of the node")
public @interface P2pConfig {
    /**
     * @return the listen multiaddr when {@code hanzo.p2p.addr} is not set
     */
    @AttributeDefinition(description = "Listen multiaddr, e.g. /ip4/0.0.0.0/tcp/9000")
    String listen_addr() default "/ip4/0.0.0.0/tcp/9000";

    /**
     * @return bootstrap multiaddrs when {@code hanzo.bootstrap} is not set
     */
    @AttributeDefinition(description = "Bootstrap peers (multiaddrs ending in /p2p/<peer id>)")
    String[] bootstrap() default {};

    /**
     * @return the dial and upgrade timeout
     */
    @AttributeDefinition(description = "Dial and connection-upgrade timeout in milliseconds")
    int dial_timeout_ms() default 10_000;

    /**
     * @return the connection limit
     */
    @AttributeDefinition(description = "Most concurrent connections")
    int max_connections() default 256;

    /**
     * @return the stream limit per connection
     */
    @AttributeDefinition(description = "Most concurrent streams per connection")
    int max_streams_per_connection() default 512;

    /**
     * @return the upgrade deadline of inbound connections
     */
    @AttributeDefinition(
            description =
                    "An inbound connection must finish its Noise and Yamux upgrade within this many milliseconds")
    int pending_upgrade_timeout_ms() default 5_000;

    /**
     * @return the cap on inbound connections still upgrading
     */
    @AttributeDefinition(description = "Most inbound connections still upgrading, in total")
    int max_pending_connections() default 64;

    /**
     * @return the cap on inbound connections still upgrading, per remote IP
     */
    @AttributeDefinition(description = "Most inbound connections still upgrading per remote IP")
    int max_pending_per_address() default 8;

    /**
     * @return the cap on established inbound connections per remote IP
     */
    @AttributeDefinition(description = "Most established inbound connections per remote IP")
    int max_connections_per_address() default 16;

    /**
     * @return accepted inbound connections per remote IP and second
     */
    @AttributeDefinition(
            description =
                    "New inbound connections accepted per remote IP and second (bursts of twice that)")
    int new_connections_per_address_per_s() default 10;

    /**
     * @return addresses, CIDR blocks and peer ids exempt from the limits
     */
    @AttributeDefinition(
            description =
                    "IP addresses, CIDR blocks or peer ids always accepted and exempt from the connection limits")
    String[] allow() default {};

    /**
     * @return addresses, CIDR blocks and peer ids refused
     */
    @AttributeDefinition(description = "IP addresses, CIDR blocks or peer ids always refused")
    String[] deny() default {};

    /**
     * @return seconds between heartbeats on hanzo/heartbeat/v1
     */
    @AttributeDefinition(description = "Seconds between published heartbeats")
    int heartbeat_interval_s() default 10;

    /**
     * @return capabilities the operator declares on top of the detected ones
     */
    @AttributeDefinition(
            description =
                    "Extra capabilities to announce and provide, <kind>:<name> (e.g. gpu:a100); hanzo.capabilities overrides")
    String[] capabilities() default {};

    /**
     * @return whether mDNS discovery runs
     */
    @AttributeDefinition(description = "Discover peers on the local network with mDNS (UDP 5353)")
    boolean mdns() default true;

    /**
     * @return whether gossipsub scores peers by their stake in the chain's node registry
     */
    @AttributeDefinition(
            description =
                    "Score gossipsub peers by their on-chain stake (needs the chain feature configured): staked peers up, slashed peers down")
    boolean stake_score() default false;

    /**
     * @return threads that check gossip message signatures off the event loop; -1 picks one per
     *     core beyond the first (1 to 4), 0 checks them on the router's event loop
     */
    @AttributeDefinition(
            description =
                    "Threads that check gossip message signatures (-1: one per core beyond the first, 1 to 4; 0: on the event loop)")
    int gossip_verify_threads() default -1;

    /**
     * @return whether heartbeats of nodes not registered on chain (or slashed) are ignored
     */
    @AttributeDefinition(
            description =
                    "Ignore heartbeats of nodes not registered (or slashed) in the chain's node registry; needs the chain feature configured")
    boolean registered_only() default false;
}
