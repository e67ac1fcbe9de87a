package ai.hanzo.node.cli;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.chain.internal.StandaloneChainClient;
import ai.hanzo.node.proto.v1.TransactionResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A command of {@code operator} or {@code chain}: goes through the running node's OperatorService,
 * or, given an RPC URL ({@code --rpc-url} / {@code HANZO_CHAIN_RPC_URL}), straight to the chain
 * with the node's identity read from {@code --data-dir} and the operator's keystore. Writes ask for
 * confirmation unless {@code --yes}.
 */
abstract class ChainAction extends ClientCommand {
    @Mixin ChainOptions chain = new ChainOptions();

    @Option(
            names = "--wait",
            paramLabel = "<seconds>",
            description =
                    "How long to wait for the transaction to be mined (default: ${DEFAULT-VALUE});"
                            + " a transaction still pending then is reported with its hash")
    int waitSeconds = 60;

    /**
     * @return whether this invocation talks to the chain itself rather than to the node
     */
    boolean offline() {
        if (chain.rpcUrl != null) {
            return true;
        }
        if (connection.grpcAddress != null) {
            return false;
        }
        String env = context.env().get("HANZO_CHAIN_RPC_URL");
        return env != null && !env.isBlank();
    }

    @Override
    final boolean needsNode() {
        return !offline();
    }

    @Override
    final int run(Output output) throws Exception {
        if (waitSeconds <= 0 || waitSeconds > 600) {
            throw new CliException(ExitCode.USAGE, "--wait must be 1 to 600 seconds");
        }
        if (offline()) {
            if (connection.grpcAddress != null || !context.rootGrpcAddress().isEmpty()) {
                throw new CliException(
                        ExitCode.USAGE,
                        "--grpc-addr and --rpc-url exclude each other: through the node, or"
                                + " straight to the chain");
            }
            Path dataDir = dataDirectory();
            ChainOptions.Resolved settings = chain.resolve(context, dataDir);
            try {
                return offline(settings, dataDir, output);
            } catch (NodeException e) {
                throw failure(e);
            }
        }
        if (chain.anyChainFlag()) {
            throw new CliException(
                    ExitCode.USAGE,
                    "chain flags (--profile, --contract, --keystore, ...) go with --rpc-url;"
                            + " through the node ("
                            + node.address()
                            + ") its own chain configuration is used");
        }
        return viaNode(output);
    }

    /** The work through the node's OperatorService. */
    abstract int viaNode(Output output) throws Exception;

    /** The work straight against the chain. */
    abstract int offline(ChainOptions.Resolved settings, Path dataDir, Output output)
            throws Exception;

    Path dataDirectory() {
        return connection.dataDirectory != null
                ? connection.dataDirectory.toAbsolutePath().normalize()
                : context.dataDirectory();
    }

    StandaloneChainClient openChain(ChainOptions.Resolved s, String nodeId, String peerId) {
        return StandaloneChainClient.open(
                new StandaloneChainClient.Options(
                        s.profile(),
                        s.rpcUrl(),
                        s.chainId(),
                        s.contract(),
                        s.keystore(),
                        s.passwordFile(),
                        ChainOptions.PASSWORD_ENV,
                        s.endpoint(),
                        0),
                nodeId,
                peerId,
                name -> context.env().get(name));
    }

    /**
     * Asks on the terminal before a transaction is sent.
     *
     * @param question what will be sent, without the question mark
     * @throws CliException when the operator does not answer yes: nothing is sent
     */
    void confirm(String question) throws CliException {
        if (chain.yes) {
            return;
        }
        PrintWriter err = err();
        err.print(question + "? [y/N] ");
        err.flush();
        String answer;
        try {
            answer =
                    new BufferedReader(
                                    new InputStreamReader(Terminal.stdin, Charset.defaultCharset()))
                            .readLine();
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null) {
            err.println();
        }
        if (answer == null || !answer.trim().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
            throw new CliException(
                    ExitCode.USAGE, "not confirmed: nothing was sent (--yes skips the question)");
        }
    }

    /** Waits for a transaction sent offline, answering like the node's OperatorService does. */
    TransactionResponse await(PendingTransaction pending) {
        try {
            TransactionResult result = pending.await(Duration.ofSeconds(waitSeconds));
            return TransactionResponse.newBuilder()
                    .setAction(pending.action())
                    .setTransactionHash(result.transactionHash())
                    .setBlockNumber(result.blockNumber())
                    .setBlockHash(result.blockHash())
                    .setFrom(result.from())
                    .setNonce(result.nonce())
                    .setGasUsed(result.gasUsed().toString())
                    .setEffectiveGasPriceWei(result.effectiveGasPriceWei().toString())
                    .setSuccess(true)
                    .setMined(true)
                    .setMessage(
                            pending.action()
                                    + " mined in block "
                                    + result.blockNumber()
                                    + ", fee "
                                    + result.feeWei()
                                    + " wei")
                    .build();
        } catch (NodeException e) {
            if (e.code() != ErrorCode.DEADLINE_EXCEEDED) {
                throw e;
            }
            return TransactionResponse.newBuilder()
                    .setAction(pending.action())
                    .setTransactionHash(pending.transactionHash())
                    .setNonce(pending.nonce())
                    .setSuccess(false)
                    .setMined(false)
                    .setMessage(e.getMessage())
                    .build();
        }
    }

    /**
     * Prints a transaction's outcome.
     *
     * @return 0 when mined, 1 when still pending
     */
    int print(Output output, TransactionResponse response) {
        if (!output.table()) {
            output.message(response);
        } else {
            PrintWriter out = output.out();
            if (response.getMined()) {
                out.println(response.getMessage());
                out.println("Transaction: " + response.getTransactionHash());
                out.println(
                        "Block:       "
                                + response.getBlockNumber()
                                + " "
                                + response.getBlockHash());
                out.println(
                        "From:        " + response.getFrom() + ", nonce " + response.getNonce());
                out.println(
                        "Gas used:    "
                                + response.getGasUsed()
                                + " at "
                                + response.getEffectiveGasPriceWei()
                                + " wei");
            } else {
                out.println(response.getMessage());
                out.println("Transaction: " + response.getTransactionHash() + " (pending)");
                out.println("Nonce:       " + response.getNonce());
            }
            out.flush();
        }
        return response.getMined() ? ExitCode.OK : ExitCode.FAILED;
    }

    static CliException failure(NodeException e) {
        int code =
                switch (e.code()) {
                    case INVALID_ARGUMENT -> ExitCode.USAGE;
                    case UNAVAILABLE, DEADLINE_EXCEEDED -> ExitCode.UNREACHABLE;
                    case NOT_FOUND -> ExitCode.NOT_FOUND;
                    case UNAUTHENTICATED, PERMISSION_DENIED -> ExitCode.UNAUTHENTICATED;
                    default -> ExitCode.FAILED;
                };
        return new CliException(code, e.getMessage());
    }
}
