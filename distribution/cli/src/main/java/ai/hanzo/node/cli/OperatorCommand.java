package ai.hanzo.node.cli;

import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.chain.internal.StandaloneChainClient;
import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.DeregisterRequest;
import ai.hanzo.node.proto.v1.GetOperatorStatusRequest;
import ai.hanzo.node.proto.v1.OperatorServiceGrpc;
import ai.hanzo.node.proto.v1.OperatorStatusResponse;
import ai.hanzo.node.proto.v1.RegisterOperatorRequest;
import ai.hanzo.node.proto.v1.TransactionResponse;
import ai.hanzo.node.proto.v1.UpdateEndpointRequest;
import ai.hanzo.node.proto.v1.UpdateStakeRequest;
import ai.hanzo.node.proto.v1.WithdrawRequest;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hanzo-node operator register|status|stake|unstake|withdraw|update|deregister}: this node's
 * registration and stake in the chain's NodeRegistry, through the running node or straight to the
 * chain (see {@link ChainAction}).
 */
@Command(
        name = "operator",
        description = "Register this node on the Lux chain and manage its stake")
final class OperatorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    private OperatorCommand() {}

    /**
     * @param context the launcher's settings
     * @return the command with its subcommands
     */
    static CommandLine create(ClientContext context) {
        return new CommandLine(new OperatorCommand())
                .addSubcommand(new Status(context))
                .addSubcommand(new Register(context))
                .addSubcommand(new Stake(context))
                .addSubcommand(new Unstake(context))
                .addSubcommand(new Withdraw(context))
                .addSubcommand(new Update(context))
                .addSubcommand(new Deregister(context));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** The steps of a write: the question, the node's RPC and the offline call. */
    abstract static class Write extends ChainAction {
        abstract String question(String who);

        abstract TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait);

        abstract PendingTransaction offline(StakingService staking);

        /** Checks the write's own flags before anything is asked or sent. */
        void check() throws CliException {}

        @Override
        int viaNode(Output output) throws Exception {
            check();
            confirm(question("the node at " + node.address()));
            OperatorServiceGrpc.OperatorServiceBlockingStub stub =
                    OperatorServiceGrpc.newBlockingStub(node.channel())
                            .withDeadlineAfter(
                                    waitSeconds + node.timeoutSeconds(), TimeUnit.SECONDS);
            return print(output, viaNode(stub, waitSeconds));
        }

        @Override
        int offline(ChainOptions.Resolved settings, Path dataDir, Output output) throws Exception {
            check();
            String nodeId = NodeFiles.nodeId(dataDir);
            String peerId = NodeFiles.peerId(dataDir);
            if (settings.keystore() == null) {
                throw new CliException(
                        ExitCode.USAGE,
                        "no keystore to sign with: give --keystore or set HANZO_CHAIN_KEYSTORE");
            }
            try (StandaloneChainClient client = openChain(settings, nodeId, peerId)) {
                StakingService staking = client.staking();
                confirm(
                        question(
                                "account "
                                        + client.operatorAddress()
                                        + " on chain "
                                        + client.chainId()
                                        + " ("
                                        + settings.rpcUrl()
                                        + "), node "
                                        + nodeId));
                return print(output, await(offline(staking)));
            }
        }
    }

    /** {@code operator status}. */
    @Command(
            name = "status",
            description = "Show this node's registration, stake and the chain's state")
    static final class Status extends ChainAction {
        Status(ClientContext context) {
            this.context = context;
        }

        @Override
        int viaNode(Output output) {
            OperatorStatusResponse status =
                    OperatorServiceGrpc.newBlockingStub(node.channel())
                            .withDeadlineAfter(node.timeoutSeconds(), TimeUnit.SECONDS)
                            .getOperatorStatus(GetOperatorStatusRequest.getDefaultInstance());
            return show(output, status);
        }

        @Override
        int offline(ChainOptions.Resolved settings, Path dataDir, Output output)
                throws CliException {
            String nodeId = NodeFiles.nodeId(dataDir);
            String peerId = NodeFiles.peerId(dataDir);
            try (StandaloneChainClient client = openChain(settings, nodeId, peerId)) {
                StakingService staking = client.staking();
                ChainStatus chainStatus = client.readChain();
                OperatorStatus status = staking.operatorStatus();
                return show(
                        output,
                        OperatorStatusResponse.newBuilder()
                                .setOperatorAddress(status.operatorAddress())
                                .setRegistered(status.registered())
                                .setStakeWei(status.stake().toString())
                                .setPendingWithdrawalWei(status.pendingWithdrawal().toString())
                                .setWithdrawableAt(
                                        status.withdrawableAt()
                                                .map(Instant::getEpochSecond)
                                                .orElse(0L))
                                .setSlashed(status.slashed())
                                .setChainId(chainStatus.chainId())
                                .setBlockHeight(chainStatus.blockHeight())
                                .setSynced(chainStatus.synced())
                                .setNodeId(status.nodeId())
                                // what is registered, else what would be
                                .setPeerId(status.registered() ? status.peerId() : peerId)
                                .setEndpoint(status.endpoint())
                                .setProblem(chainStatus.problem())
                                .build());
            }
        }

        private static int show(Output output, OperatorStatusResponse s) {
            if (!output.table()) {
                output.message(s);
                return ExitCode.OK;
            }
            PrintWriter out = output.out();
            out.println("Node:        " + s.getNodeId());
            out.println("Peer id:     " + (s.getPeerId().isEmpty() ? "-" : s.getPeerId()));
            out.println(
                    "Operator:    "
                            + (s.getOperatorAddress().isEmpty()
                                    ? "- (no keystore configured)"
                                    : s.getOperatorAddress()));
            out.println(
                    "Registered:  "
                            + (s.getRegistered() ? "yes" : "no")
                            + (s.getSlashed() ? " (slashed)" : ""));
            out.println("Stake:       " + Wei.describe(s.getStakeWei()));
            out.println(
                    "Unbonding:   "
                            + Wei.describe(s.getPendingWithdrawalWei())
                            + (s.getWithdrawableAt() > 0
                                    ? ", withdrawable at "
                                            + Instant.ofEpochSecond(s.getWithdrawableAt())
                                    : ""));
            out.println("Endpoint:    " + (s.getEndpoint().isEmpty() ? "-" : s.getEndpoint()));
            out.println(
                    "Chain:       id "
                            + s.getChainId()
                            + ", height "
                            + s.getBlockHeight()
                            + (s.getSynced() ? ", synced" : ", not synced: " + s.getProblem()));
            out.flush();
            return ExitCode.OK;
        }
    }

    /** {@code operator register --stake AMOUNT}. */
    @Command(name = "register", description = "Register this node with an initial stake")
    static final class Register extends Write {
        @Option(
                names = "--stake",
                required = true,
                paramLabel = "<amount>",
                description = "Stake to lock: wei, or with a unit (1.5lux)")
        String stake;

        @Option(
                names = "--endpoint",
                paramLabel = "<endpoint>",
                description =
                        "Endpoint to record (with --rpc-url; default: HANZO_CHAIN_ENDPOINT or the"
                                + " node's chain configuration). Through the node its configured"
                                + " endpoint is used")
        String endpoint;

        private BigInteger wei;

        Register(ClientContext context) {
            this.context = context;
        }

        @Override
        void check() throws CliException {
            wei = Wei.parse(stake, "--stake");
            if (endpoint != null && !offline()) {
                throw new CliException(
                        ExitCode.USAGE,
                        "--endpoint goes with --rpc-url; the node registers its configured"
                                + " endpoint");
            }
        }

        @Override
        String question(String who) {
            return "Register with a stake of " + wei + " wei (" + Wei.lux(wei) + ") from " + who;
        }

        @Override
        TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait) {
            return stub.registerOperator(
                    RegisterOperatorRequest.newBuilder()
                            .setStakeWei(wei.toString())
                            .setWaitSeconds(wait)
                            .build());
        }

        @Override
        int offline(ChainOptions.Resolved settings, Path dataDir, Output output) throws Exception {
            if (endpoint != null) {
                settings =
                        new ChainOptions.Resolved(
                                settings.profile(),
                                settings.rpcUrl(),
                                settings.chainId(),
                                settings.contract(),
                                settings.keystore(),
                                settings.passwordFile(),
                                endpoint,
                                settings.explicitRpc());
            }
            if (NodeFiles.peerId(dataDir).isEmpty()) {
                throw new CliException(
                        ExitCode.USAGE,
                        "no libp2p key in "
                                + dataDir.resolve("p2p")
                                + ": the peer id is part of the registration; start the node once"
                                + " with this --data-dir");
            }
            return super.offline(settings, dataDir, output);
        }

        @Override
        PendingTransaction offline(StakingService staking) {
            return staking.register(wei);
        }
    }

    /** A write that moves an amount of stake. */
    abstract static class AmountWrite extends Write {
        @Option(
                names = "--amount",
                required = true,
                paramLabel = "<amount>",
                description = "Amount: wei, or with a unit (1.5lux)")
        String amount;

        BigInteger wei;

        @Override
        void check() throws CliException {
            wei = Wei.parse(amount, "--amount");
        }
    }

    /** {@code operator stake --amount AMOUNT}. */
    @Command(name = "stake", description = "Add stake to this node's registration")
    static final class Stake extends AmountWrite {
        Stake(ClientContext context) {
            this.context = context;
        }

        @Override
        String question(String who) {
            return "Add " + wei + " wei (" + Wei.lux(wei) + ") of stake from " + who;
        }

        @Override
        TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait) {
            return stub.updateStake(
                    UpdateStakeRequest.newBuilder()
                            .setDirection(UpdateStakeRequest.Direction.DIRECTION_INCREASE)
                            .setAmountWei(wei.toString())
                            .setWaitSeconds(wait)
                            .build());
        }

        @Override
        PendingTransaction offline(StakingService staking) {
            return staking.addStake(wei);
        }
    }

    /** {@code operator unstake --amount AMOUNT}. */
    @Command(
            name = "unstake",
            description = "Start unbonding stake; withdraw it after the contract's delay")
    static final class Unstake extends AmountWrite {
        Unstake(ClientContext context) {
            this.context = context;
        }

        @Override
        String question(String who) {
            return "Unbond " + wei + " wei (" + Wei.lux(wei) + ") of stake, signed by " + who;
        }

        @Override
        TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait) {
            return stub.updateStake(
                    UpdateStakeRequest.newBuilder()
                            .setDirection(UpdateStakeRequest.Direction.DIRECTION_DECREASE)
                            .setAmountWei(wei.toString())
                            .setWaitSeconds(wait)
                            .build());
        }

        @Override
        PendingTransaction offline(StakingService staking) {
            return staking.requestUnstake(wei);
        }
    }

    /** A write without arguments. */
    abstract static class SimpleWrite extends Write {
        private final String question;

        SimpleWrite(ClientContext context, String question) {
            this.context = context;
            this.question = question;
        }

        @Override
        String question(String who) {
            return question + ", signed by " + who;
        }
    }

    /** {@code operator withdraw}. */
    @Command(name = "withdraw", description = "Pay unbonded stake back once the delay has passed")
    static final class Withdraw extends SimpleWrite {
        Withdraw(ClientContext context) {
            super(context, "Withdraw the unbonded stake");
        }

        @Override
        TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait) {
            return stub.withdraw(WithdrawRequest.newBuilder().setWaitSeconds(wait).build());
        }

        @Override
        PendingTransaction offline(StakingService staking) {
            return staking.withdraw();
        }
    }

    /** {@code operator update --endpoint E}. */
    @Command(name = "update", description = "Change the endpoint recorded on chain")
    static final class Update extends Write {
        @Option(
                names = "--endpoint",
                required = true,
                paramLabel = "<endpoint>",
                description = "The new endpoint, e.g. /dns4/node.example/tcp/9000")
        String endpoint;

        Update(ClientContext context) {
            this.context = context;
        }

        @Override
        void check() throws CliException {
            if (endpoint.isBlank()) {
                throw new CliException(ExitCode.USAGE, "--endpoint is empty");
            }
        }

        @Override
        String question(String who) {
            return "Record endpoint " + endpoint.trim() + ", signed by " + who;
        }

        @Override
        TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait) {
            return stub.updateEndpoint(
                    UpdateEndpointRequest.newBuilder()
                            .setEndpoint(endpoint.trim())
                            .setWaitSeconds(wait)
                            .build());
        }

        @Override
        PendingTransaction offline(StakingService staking) {
            return staking.updateEndpoint(endpoint.trim());
        }
    }

    /** {@code operator deregister}. */
    @Command(
            name = "deregister",
            description = "Deregister this node; its whole stake starts unbonding")
    static final class Deregister extends SimpleWrite {
        Deregister(ClientContext context) {
            super(context, "Deregister this node (its whole stake starts unbonding)");
        }

        @Override
        TransactionResponse viaNode(
                OperatorServiceGrpc.OperatorServiceBlockingStub stub, int wait) {
            return stub.deregister(DeregisterRequest.newBuilder().setWaitSeconds(wait).build());
        }

        @Override
        PendingTransaction offline(StakingService staking) {
            return staking.deregister();
        }
    }
}
