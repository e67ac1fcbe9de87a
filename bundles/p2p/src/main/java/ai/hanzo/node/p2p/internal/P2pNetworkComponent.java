package ai.hanzo.node.p2p.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.identity.IdentityKeyFile;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import ai.hanzo.node.p2p.internal.pubsub.StakeScore;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the node's {@link PeerNetwork}, configured from framework properties and Config Admin.
 */
// immediate: the node joins the network at start, not when a consumer first asks for the service
// registered by hand as a service factory (one view per using bundle), so no DS service here
@Component(
        service = {},
        configurationPid = "ai.hanzo.node.p2p",
        immediate = true)
@Designate(ocd = P2pConfig.class)
public final class P2pNetworkComponent implements PeerNetwork {
    private final Logger logger = LoggerFactory.getLogger(P2pNetworkComponent.class);
    private final P2pNode node;
    private final ServiceRegistration<PeerNetwork> registration;
    private volatile StakingService staking;

    /**
     * Loads or creates the identity key, listens, and dials the bootstrap peers.
     *
     * @param context framework properties set by the node launcher
     * @param config the P2P configuration
     * @param nodeLifecycle the node, for its data directory; null when the core is not installed
     */
    @Activate
    public P2pNetworkComponent(
            BundleContext context,
            P2pConfig config,
            @Reference(
                            cardinality = ReferenceCardinality.OPTIONAL,
                            policyOption = ReferencePolicyOption.GREEDY)
                    NodeLifecycle nodeLifecycle)
            throws IOException {
        // the node's data directory, found as the node core finds it: launcher, else Karaf's, else
        // ./data
        Path dir =
                nodeLifecycle != null
                        ? nodeLifecycle.info().dataDirectory()
                        : Path.of(
                                        prop(
                                                context,
                                                "hanzo.data.dir",
                                                prop(context, "karaf.data", "data")))
                                .toAbsolutePath();
        String addr = prop(context, "hanzo.p2p.addr", config.listen_addr());
        String bootstrapProp = context.getProperty("hanzo.bootstrap");
        List<String> bootstrapText =
                bootstrapProp != null && !bootstrapProp.isBlank()
                        ? Arrays.asList(bootstrapProp.split(","))
                        // a .cfg file gives one string "a,b" where Config Admin would give an array
                        : Arrays.stream(config.bootstrap())
                                .flatMap(b -> Arrays.stream(b.split(",")))
                                .toList();
        List<Multiaddr> bootstrap = new ArrayList<>();
        for (String b : bootstrapText) {
            if (b.isBlank()) {
                continue;
            }
            try {
                bootstrap.add(Multiaddr.parse(b.trim()));
            } catch (IllegalArgumentException e) {
                logger.warn("Ignoring bootstrap address '{}': {}", b.trim(), e.getMessage());
            }
        }
        Multiaddr listen;
        try {
            listen = Multiaddr.parse(addr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "hanzo.p2p.addr '"
                            + addr
                            + "' is not a multiaddr like /ip4/0.0.0.0/tcp/9000: "
                            + e.getMessage(),
                    e);
        }
        var key = new IdentityKeyFile(dir).loadOrCreate();
        Libp2pHost.Limits limits =
                new Libp2pHost.Limits(
                        Duration.ofMillis(config.dial_timeout_ms()),
                        config.max_connections(),
                        config.max_streams_per_connection(),
                        Duration.ofMillis(config.pending_upgrade_timeout_ms()),
                        config.max_pending_connections(),
                        config.max_pending_per_address(),
                        config.max_connections_per_address(),
                        config.new_connections_per_address_per_s(),
                        entries(config.allow()),
                        entries(config.deny()));
        boolean mdns =
                Boolean.parseBoolean(
                        prop(context, "hanzo.p2p.mdns", Boolean.toString(config.mdns())));
        GossipsubConfig gossip = GossipsubConfig.defaults();
        if (config.gossip_verify_threads() != -1) {
            try {
                gossip = gossip.withVerifyThreads(config.gossip_verify_threads());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "gossip.verify.threads "
                                + config.gossip_verify_threads()
                                + ": "
                                + e.getMessage(),
                        e);
            }
        }
        if (config.stake_score()) {
            // P5 from the chain client's cache of registrations; 0 while no chain client runs
            gossip =
                    gossip.withScore(
                            gossip.score().withAppSpecificScore(new StakeScore(() -> staking)));
        }
        this.node =
                new P2pNode(
                        key,
                        new P2pNode.Settings(
                                listen, bootstrap, limits, Duration.ofSeconds(1), mdns),
                        null,
                        gossip);
        try {
            node.start();
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        logger.info("P2P node {} up", key.peerId());
        // each bundle gets its own view: the topic subscriptions it leaves open close when it goes
        this.registration =
                context.registerService(
                        PeerNetwork.class, new BundleScopedNetworks(this), new Hashtable<>());
    }

    /** Config Admin gives a comma-separated value as one string or as several. */
    private static List<String> entries(String[] values) {
        List<String> out = new ArrayList<>();
        for (String v : values == null ? new String[0] : values) {
            for (String e : v.split(",")) {
                if (!e.isBlank()) {
                    out.add(e.trim());
                }
            }
        }
        return out;
    }

    private static String prop(BundleContext ctx, String name, String fallback) {
        String v = ctx.getProperty(name);
        return v != null && !v.isBlank() ? v.trim() : fallback;
    }

    /** Closes connections gracefully and stops the event loops. */
    @Deactivate
    public void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException e) {
            // the bundle is stopping and the framework unregistered it already
        }
        node.close();
    }

    @Override
    public String localPeerId() {
        return node.localPeerId();
    }

    @Override
    public List<String> listenAddresses() {
        return node.listenAddresses();
    }

    @Override
    public List<PeerInfo> peers() {
        return node.peers();
    }

    @Override
    public CompletionStage<PeerInfo> connect(String multiaddr) {
        return node.connect(multiaddr);
    }

    @Override
    public CompletionStage<Duration> ping(String peerId) {
        return node.ping(peerId);
    }

    @Override
    public CompletionStage<Void> publish(String topic, byte[] data) {
        return node.publish(topic, data);
    }

    @Override
    public Subscription subscribe(String topic, Consumer<PubsubMessage> handler) {
        return node.subscribe(topic, handler);
    }

    @Override
    public CompletionStage<Void> provide(byte[] key) {
        return node.provide(key);
    }

    @Override
    public void stopProviding(byte[] key) {
        node.stopProviding(key);
    }

    @Override
    public CompletionStage<List<PeerInfo>> findProviders(byte[] key, int max, Duration timeout) {
        return node.findProviders(key, max, timeout);
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStaking(StakingService staking) {
        this.staking = staking;
    }

    void unbindStaking(StakingService staking) {
        if (this.staking == staking) {
            this.staking = null;
        }
    }
}
