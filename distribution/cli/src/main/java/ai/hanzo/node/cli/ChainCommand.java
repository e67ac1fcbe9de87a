package ai.hanzo.node.cli;

import ai.hanzo.node.chain.internal.StandaloneChainClient;
import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.TransactionResponse;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hanzo-node chain deploy-contract}: the registry contract on a chain, for dev chains. */
@Command(name = "chain", description = "Chain tools: deploy the NodeRegistry contract")
final class ChainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    private ChainCommand() {}

    /**
     * @param context the launcher's settings
     * @return the command with its subcommands
     */
    static CommandLine create(ClientContext context) {
        return new CommandLine(new ChainCommand()).addSubcommand(new DeployContract(context));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }

    /** {@code chain deploy-contract --min-stake A --unbonding-delay S}. */
    @Command(
            name = "deploy-contract",
            description =
                    "Deploy the NodeRegistry contract from the keystore's account (its owner and"
                            + " slasher) and print its address; needs --rpc-url")
    static final class DeployContract extends ChainAction {
        @Option(
                names = "--min-stake",
                paramLabel = "<amount>",
                description =
                        "Smallest stake to register: wei or 1.5lux (default: ${DEFAULT-VALUE})")
        String minStake = "1lux";

        @Option(
                names = "--unbonding-delay",
                paramLabel = "<seconds>",
                description =
                        "How long unstaked funds stay locked before withdraw (default:"
                                + " ${DEFAULT-VALUE}, 7 days)")
        long unbondingDelay = 604_800;

        DeployContract(ClientContext context) {
            this.context = context;
        }

        @Override
        int viaNode(Output output) throws CliException {
            throw new CliException(
                    ExitCode.USAGE,
                    "deploy-contract talks to the chain itself: give --rpc-url (or set"
                            + " HANZO_CHAIN_RPC_URL)");
        }

        @Override
        int offline(ChainOptions.Resolved settings, Path dataDir, Output output) throws Exception {
            BigInteger min = Wei.parse(minStake, "--min-stake");
            if (unbondingDelay < 0) {
                throw new CliException(ExitCode.USAGE, "--unbonding-delay must not be negative");
            }
            if (settings.keystore() == null) {
                throw new CliException(
                        ExitCode.USAGE,
                        "no keystore to deploy from: give --keystore or set HANZO_CHAIN_KEYSTORE");
            }
            ChainOptions.Resolved forDeploy =
                    new ChainOptions.Resolved(
                            settings.profile(),
                            settings.rpcUrl(),
                            settings.chainId(),
                            null,
                            settings.keystore(),
                            settings.passwordFile(),
                            settings.endpoint(),
                            settings.explicitRpc());
            try (StandaloneChainClient client = openChain(forDeploy, "deployer", "")) {
                confirm(
                        "Deploy the NodeRegistry (minimum stake "
                                + min
                                + " wei, unbonding delay "
                                + unbondingDelay
                                + " s) from account "
                                + client.operatorAddress()
                                + " on chain "
                                + client.chainId()
                                + " ("
                                + settings.rpcUrl()
                                + ")");
                StandaloneChainClient.Deployment deployment =
                        client.deployRegistry(min, unbondingDelay);
                TransactionResponse response = await(deployment.transaction());
                if (!output.table()) {
                    Struct.Builder tx = Struct.newBuilder();
                    JsonFormat.parser()
                            .merge(
                                    JsonFormat.printer()
                                            .preservingProtoFieldNames()
                                            .alwaysPrintFieldsWithNoPresence()
                                            .print(response),
                                    tx);
                    output.message(
                            Struct.newBuilder()
                                    .putFields(
                                            "contract_address",
                                            Value.newBuilder()
                                                    .setStringValue(deployment.address())
                                                    .build())
                                    .putFields(
                                            "transaction",
                                            Value.newBuilder().setStructValue(tx).build())
                                    .build());
                    return response.getMined() ? ExitCode.OK : ExitCode.FAILED;
                }
                output.out().println("Contract:    " + deployment.address());
                return print(output, response);
            }
        }
    }
}
