package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.chain.internal.contract.NodeRegistry;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.exceptions.ClientConnectionException;
import org.web3j.tuples.generated.Tuple5;
import org.web3j.tuples.generated.Tuple9;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.exceptions.ContractCallException;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * {@link StakingService} on web3j against the NodeRegistry contract. Reads go straight to the
 * endpoint; {@link #refresh()} (run in the background by the component) keeps {@link
 * #chainStatus()} current so that health checks never wait on the network.
 */
final class RegistryStakingService implements StakingService, AutoCloseable {
    private static final String ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

    private final Logger logger = LoggerFactory.getLogger(RegistryStakingService.class);
    private final ChainSettings settings;
    private final Supplier<NodeIdentity> identity;
    private final String networkId;
    private final Clock clock;
    private final OkHttpClient http;
    private final CountingHttpService transport;
    private final Web3j web3j;
    private final ChainCalls calls;
    private final Optional<OperatorKey> key;
    private final Optional<TransactionSender> sender;
    private final NodeRegistry registry;
    private final PeerStakeCache peerStakes;
    private volatile ChainStatus status;

    RegistryStakingService(
            ChainSettings settings,
            Supplier<NodeIdentity> identity,
            String networkId,
            UnaryOperator<String> environment,
            Clock clock) {
        this(settings, identity, networkId, environment, clock, Runnable::run);
    }

    /**
     * @param background runs the cached peer-stake reads; the component passes the node scheduler's
     *     worker pool
     */
    RegistryStakingService(
            ChainSettings settings,
            Supplier<NodeIdentity> identity,
            String networkId,
            UnaryOperator<String> environment,
            Clock clock,
            java.util.concurrent.Executor background) {
        this.settings = settings;
        this.identity = identity;
        this.networkId = networkId;
        this.clock = clock;
        this.http =
                new OkHttpClient.Builder()
                        .connectTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .readTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .callTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .build();
        this.transport = new CountingHttpService(settings.rpcUrl().toString(), http);
        this.web3j = Web3j.build(transport);
        this.calls = new ChainCalls(settings.rpcUrl());
        this.key =
                settings.keystore()
                        .map(
                                path ->
                                        new OperatorKey(
                                                path,
                                                settings.passwordFile(),
                                                settings.passwordEnv(),
                                                environment));
        this.sender =
                key.map(
                        k ->
                                new TransactionSender(
                                        web3j, calls, settings, k, RevertDecoder.forRegistry()));
        String readAs = key.map(OperatorKey::address).orElse(ZERO_ADDRESS);
        // the generated wrapper only encodes calls and decodes views here; sending is ours
        this.registry =
                NodeRegistry.load(
                        settings.contractAddress(),
                        web3j,
                        new ReadonlyTransactionManager(web3j, readAs),
                        new StaticGasProvider(BigInteger.ZERO, BigInteger.ZERO));
        this.peerStakes =
                new PeerStakeCache(
                        this::peerStake, background, settings.refreshInterval(), clock, 10_000);
        this.status =
                new ChainStatus(
                        false,
                        0,
                        settings.chainId(),
                        networkId,
                        clock.instant(),
                        "not checked yet");
    }

    /** Reads chain id, sync state and height; never throws. */
    ChainStatus refresh() {
        ChainStatus fresh;
        Instant now = clock.instant();
        try {
            long served =
                    calls.call("eth_chainId", () -> web3j.ethChainId().send())
                            .getChainId()
                            .longValue();
            long height =
                    calls.call("eth_blockNumber", () -> web3j.ethBlockNumber().send())
                            .getBlockNumber()
                            .longValueExact();
            if (served != settings.chainId()) {
                fresh =
                        new ChainStatus(
                                false,
                                height,
                                settings.chainId(),
                                networkId,
                                now,
                                "endpoint "
                                        + settings.rpcUrl()
                                        + " serves chain id "
                                        + served
                                        + ", expected "
                                        + settings.chainId());
            } else {
                boolean syncing =
                        calls.call("eth_syncing", () -> web3j.ethSyncing().send()).isSyncing();
                fresh =
                        new ChainStatus(
                                !syncing,
                                height,
                                settings.chainId(),
                                networkId,
                                now,
                                syncing ? "endpoint is still syncing" : "");
            }
        } catch (NodeException e) {
            fresh =
                    new ChainStatus(
                            false,
                            status.blockHeight(),
                            settings.chainId(),
                            networkId,
                            now,
                            e.getMessage());
        }
        if (fresh.synced() != status.synced() || !fresh.problem().equals(status.problem())) {
            if (fresh.synced()) {
                logger.info(
                        "chain {} reachable at height {}", settings.chainId(), fresh.blockHeight());
            } else {
                logger.warn("chain {} not synced: {}", settings.chainId(), fresh.problem());
            }
        }
        status = fresh;
        return fresh;
    }

    @Override
    public ChainStatus chainStatus() {
        return status;
    }

    @Override
    public OperatorStatus operatorStatus() {
        NodeIdentity node = identity.get();
        Tuple9<String, String, String, byte[], BigInteger, BigInteger, BigInteger, Boolean, Boolean>
                record = view("getNode", registry.getNode(node.nodeId()));
        BigInteger withdrawableAt = record.component7();
        return new OperatorStatus(
                key.map(OperatorKey::address).orElse(""),
                node.nodeId(),
                record.component2(),
                record.component3(),
                record.component8(),
                record.component5(),
                record.component6(),
                record.component6().signum() > 0
                        ? Optional.of(Instant.ofEpochSecond(withdrawableAt.longValueExact()))
                        : Optional.empty(),
                record.component9(),
                status);
    }

    @Override
    public Optional<PeerStake> peerStake(String peerId) {
        if (peerId == null || peerId.isBlank()) {
            throw new InvalidArgumentException("peer id is empty");
        }
        Tuple5<byte[], String, BigInteger, Boolean, Boolean> record =
                view("nodeByPeerId", registry.nodeByPeerId(peerId));
        if (ZERO_ADDRESS.equalsIgnoreCase(record.component2())) {
            return Optional.empty();
        }
        return Optional.of(
                new PeerStake(
                        peerId,
                        record.component2(),
                        record.component4(),
                        record.component3(),
                        record.component5(),
                        clock.instant()));
    }

    @Override
    public Optional<PeerStake> cachedPeerStake(String peerId) {
        return peerStakes.get(peerId);
    }

    @Override
    public PendingTransaction register(BigInteger stakeWei) {
        positive("stake", stakeWei);
        NodeIdentity node = identity.get();
        if (node.peerId().isEmpty()) {
            throw new FailedPreconditionException(
                    "the node has no libp2p peer id yet (p2p not running): it is part of the"
                            + " registration");
        }
        return writer().send(
                        "register",
                        registry.register(
                                        node.nodeId(),
                                        node.peerId(),
                                        settings.endpoint(),
                                        node.capabilitiesHash(),
                                        stakeWei)
                                .encodeFunctionCall(),
                        stakeWei);
    }

    @Override
    public PendingTransaction addStake(BigInteger amountWei) {
        positive("amount", amountWei);
        return writer().send(
                        "addStake",
                        registry.addStake(identity.get().nodeId(), amountWei).encodeFunctionCall(),
                        amountWei);
    }

    @Override
    public PendingTransaction requestUnstake(BigInteger amountWei) {
        positive("amount", amountWei);
        return writer().send(
                        "requestUnstake",
                        registry.requestUnstake(identity.get().nodeId(), amountWei)
                                .encodeFunctionCall(),
                        BigInteger.ZERO);
    }

    @Override
    public PendingTransaction withdraw() {
        return writer().send(
                        "withdraw",
                        registry.withdraw(identity.get().nodeId()).encodeFunctionCall(),
                        BigInteger.ZERO);
    }

    @Override
    public PendingTransaction updateEndpoint(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw new InvalidArgumentException("endpoint is empty");
        }
        NodeIdentity node = identity.get();
        return writer().send(
                        "updateEndpoint",
                        registry.updateNode(node.nodeId(), endpoint.trim(), node.capabilitiesHash())
                                .encodeFunctionCall(),
                        BigInteger.ZERO);
    }

    @Override
    public PendingTransaction deregister() {
        return writer().send(
                        "deregister",
                        registry.deregister(identity.get().nodeId()).encodeFunctionCall(),
                        BigInteger.ZERO);
    }

    /** The sender, present when a keystore is configured. */
    Optional<TransactionSender> sender() {
        return sender;
    }

    /** The operator's address, empty without a keystore. */
    String operatorAddress() {
        return key.map(OperatorKey::address).orElse("");
    }

    /** HTTP requests (round trips) this service made, for the benchmark. */
    long jsonRpcRequests() {
        return transport.requests();
    }

    /** JSON-RPC calls this service made, each call of a batch counted, for the benchmark. */
    long jsonRpcCalls() {
        return transport.calls();
    }

    /** JSON-RPC calls of one method this service made, for tests. */
    long jsonRpcCalls(String method) {
        return transport.calls(method);
    }

    @Override
    public void close() {
        web3j.shutdown();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    private TransactionSender writer() {
        return sender.orElseThrow(
                () ->
                        new FailedPreconditionException(
                                "no operator keystore is configured (keystore in"
                                        + " ai.hanzo.node.chain): the node cannot sign"));
    }

    private static void positive(String what, BigInteger wei) {
        if (wei == null || wei.signum() <= 0) {
            throw new InvalidArgumentException(what + " must be a positive amount of wei");
        }
    }

    private <T> T view(String what, RemoteFunctionCall<T> call) {
        try {
            return call.send();
        } catch (IOException | ClientConnectionException e) {
            throw calls.unreachable(what, e);
        } catch (ContractCallException e) {
            throw new FailedPreconditionException(
                    what
                            + " on registry "
                            + settings.contractAddress()
                            + " failed: "
                            + e.getMessage()
                            + "; check contractAddress and chain");
        } catch (NodeException e) {
            throw e;
        } catch (Exception e) {
            throw new FailedPreconditionException(
                    what + " on registry " + settings.contractAddress() + " failed: " + e, e);
        }
    }
}
