package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.p2p.NodeDirectory;
import ai.hanzo.node.api.p2p.PeerNetwork;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link StakingService}, present only when {@code ai.hanzo.node.chain} is configured: a
 * node without chain configuration has no chain client and sends nothing. At start it reads the
 * chain and this node's registration, then keeps the chain status fresh in the background on the
 * node scheduler. It never sends a transaction by itself.
 */
@Component(
        configurationPid = "ai.hanzo.node.chain",
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = StakingService.class)
@Designate(ocd = ChainConfiguration.class)
public final class ChainStakingComponent implements StakingService {
    private final Logger logger = LoggerFactory.getLogger(ChainStakingComponent.class);
    private final RegistryStakingService service;
    private final NodeScheduler scheduler;
    private final ScheduledFuture<?> refresh;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile PeerNetwork network;
    private volatile NodeDirectory directory;

    /**
     * @param lifecycle the node, for its id and network
     * @param scheduler the node's scheduler, for the background refresh
     * @param configuration the chain configuration
     */
    @Activate
    public ChainStakingComponent(
            @Reference NodeLifecycle lifecycle,
            @Reference NodeScheduler scheduler,
            ChainConfiguration configuration) {
        this.scheduler = scheduler;
        ChainSettings settings = ChainSettings.from(configuration);
        String nodeId = lifecycle.info().nodeId();
        this.service =
                new RegistryStakingService(
                        settings,
                        () -> identity(nodeId),
                        lifecycle.info().networkId(),
                        System::getenv,
                        Clock.systemUTC(),
                        task ->
                                scheduler.submit(
                                        "peer stake read",
                                        () -> {
                                            task.run();
                                            return null;
                                        }));
        logger.info(
                "chain client for {} (chain id {}) at {}, registry {}",
                settings.profile().name().toLowerCase(),
                settings.chainId(),
                settings.rpcUrl(),
                settings.contractAddress());
        scheduler.submit("chain registration read", this::readRegistrationAtStart);
        this.refresh =
                scheduler.scheduleWithFixedDelay(
                        "chain status refresh",
                        this::refreshInBackground,
                        settings.refreshInterval(),
                        settings.refreshInterval());
    }

    private Void readRegistrationAtStart() {
        service.refresh();
        try {
            OperatorStatus status = service.operatorStatus();
            if (status.registered()) {
                logger.info(
                        "node {} is registered on chain with a stake of {} wei{}",
                        status.nodeId(),
                        status.stake(),
                        status.slashed() ? " (slashed)" : "");
            } else {
                logger.info(
                        "node {} is not registered on chain; register it with `hanzo-node"
                                + " operator register`",
                        status.nodeId());
            }
        } catch (NodeException e) {
            logger.warn("could not read the node's registration: {}", e.getMessage());
        }
        return null;
    }

    private void refreshInBackground() {
        // the timer only starts the read; a slow endpoint must not hold a timer thread
        if (refreshing.compareAndSet(false, true)) {
            scheduler
                    .submit("chain status read", service::refresh, Duration.ofSeconds(60))
                    .whenComplete((s, e) -> refreshing.set(false));
        }
    }

    private NodeIdentity identity(String nodeId) {
        PeerNetwork p2p = network;
        NodeDirectory nodes = directory;
        return new NodeIdentity(
                nodeId,
                p2p == null ? "" : p2p.localPeerId(),
                nodes == null ? Set.of() : nodes.localCapabilities());
    }

    @Deactivate
    void deactivate() {
        refresh.cancel(false);
        service.close();
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindNetwork(PeerNetwork network) {
        this.network = network;
    }

    void unbindNetwork(PeerNetwork network) {
        if (this.network == network) {
            this.network = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindDirectory(NodeDirectory directory) {
        this.directory = directory;
    }

    void unbindDirectory(NodeDirectory directory) {
        if (this.directory == directory) {
            this.directory = null;
        }
    }

    @Override
    public ChainStatus chainStatus() {
        return service.chainStatus();
    }

    @Override
    public OperatorStatus operatorStatus() {
        return service.operatorStatus();
    }

    @Override
    public PendingTransaction register(BigInteger stakeWei) {
        return service.register(stakeWei);
    }

    @Override
    public PendingTransaction addStake(BigInteger amountWei) {
        return service.addStake(amountWei);
    }

    @Override
    public PendingTransaction requestUnstake(BigInteger amountWei) {
        return service.requestUnstake(amountWei);
    }

    @Override
    public PendingTransaction withdraw() {
        return service.withdraw();
    }

    @Override
    public PendingTransaction updateEndpoint(String endpoint) {
        return service.updateEndpoint(endpoint);
    }

    @Override
    public PendingTransaction deregister() {
        return service.deregister();
    }

    @Override
    public Optional<PeerStake> peerStake(String peerId) {
        return service.peerStake(peerId);
    }

    @Override
    public Optional<PeerStake> cachedPeerStake(String peerId) {
        return service.cachedPeerStake(peerId);
    }
}
