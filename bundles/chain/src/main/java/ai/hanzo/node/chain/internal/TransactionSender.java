package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.api.chain.TransactionRevertedException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthFeeHistory;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Sends the operator's transactions to the registry: checks the chain id, estimates gas (a revert
 * there sends nothing), prices EIP-1559 or legacy fees under a cap, signs with the operator key,
 * takes the account's nonce, and hands back a pending transaction that polls for its receipt at the
 * chain's block time, replaces itself with a higher fee when stuck, and replays a revert with
 * {@code eth_call} at its block to recover the reason.
 */
final class TransactionSender {
    private static final BigInteger HUNDRED = BigInteger.valueOf(100);
    private static final BigInteger ONE_GWEI = BigInteger.TEN.pow(9);

    private final Logger logger = LoggerFactory.getLogger(TransactionSender.class);
    private final Web3j web3j;
    private final ChainCalls calls;
    private final ChainSettings settings;
    private final OperatorKey key;
    private final RevertDecoder reverts;
    private final NonceSource nonces;
    private volatile boolean chainIdVerified;
    // fees priced from the chain stay good for a block: writes in a burst share one lookup
    private volatile PricedFees lastFees;

    TransactionSender(
            Web3j web3j,
            ChainCalls calls,
            ChainSettings settings,
            OperatorKey key,
            RevertDecoder reverts) {
        this.web3j = web3j;
        this.calls = calls;
        this.settings = settings;
        this.key = key;
        this.reverts = reverts;
        this.nonces =
                NonceSource.of(settings.rpcUrl().toString(), settings.chainId(), key.address());
    }

    /** Fails unless the endpoint serves the configured chain; checked once per sender. */
    void verifyChainId() {
        if (chainIdVerified) {
            return;
        }
        long served =
                calls.call("eth_chainId", () -> web3j.ethChainId().send()).getChainId().longValue();
        if (served != settings.chainId()) {
            throw new FailedPreconditionException(
                    "chain endpoint "
                            + settings.rpcUrl()
                            + " serves chain id "
                            + served
                            + " but profile "
                            + settings.profile().name().toLowerCase(Locale.ROOT)
                            + " expects "
                            + settings.chainId()
                            + "; nothing was sent: fix rpcUrl or chainId");
        }
        chainIdVerified = true;
    }

    /**
     * Sends one call to the registry.
     *
     * @param action what it does, for messages
     * @param data the ABI-encoded call
     * @param value wei sent with it
     * @return the accepted transaction
     */
    PendingTransaction send(String action, String data, BigInteger value) {
        return send(action, settings.contractAddress(), data, value);
    }

    /**
     * Sends one transaction.
     *
     * @param action what it does, for messages
     * @param to the receiving contract, or null to create one (data is then its init code)
     * @param data the ABI-encoded call or init code
     * @param value wei sent with it
     * @return the accepted transaction
     */
    PendingTransaction send(String action, String to, String data, BigInteger value) {
        verifyChainId();
        String from = key.address();
        BigInteger gasLimit = estimateGas(action, from, to, value, data);
        Fees fees = currentFees();
        Credentials credentials = key.credentials();
        nonces.lock().lock();
        try {
            long nonce = nonces.current(this::pendingCount);
            Broadcast first;
            try {
                first = broadcast(action, credentials, nonce, gasLimit, to, value, data, fees);
            } catch (NonceTooLow e) {
                // another sender used the account (a wallet, a restart with an old count): resync
                nonces.resync();
                nonce = nonces.current(this::pendingCount);
                first = broadcast(action, credentials, nonce, gasLimit, to, value, data, fees);
            }
            nonces.used(nonce);
            logger.info(
                    "sent {} as {} (nonce {}, gas limit {}, {})",
                    action,
                    first.hash(),
                    nonce,
                    gasLimit,
                    fees);
            return new Pending(action, from, to, value, data, nonce, gasLimit, first);
        } catch (RuntimeException e) {
            nonces.resync();
            throw e;
        } finally {
            nonces.lock().unlock();
        }
    }

    private long pendingCount() {
        return calls.call(
                        "eth_getTransactionCount",
                        () ->
                                web3j.ethGetTransactionCount(
                                                key.address(), DefaultBlockParameterName.PENDING)
                                        .send())
                .getTransactionCount()
                .longValueExact();
    }

    private BigInteger estimateGas(
            String action, String from, String to, BigInteger value, String data) {
        EthEstimateGas estimate =
                calls.raw(
                        "eth_estimateGas",
                        () ->
                                web3j.ethEstimateGas(
                                                Transaction.createFunctionCallTransaction(
                                                        from, null, null, null, to, value, data))
                                        .send());
        if (estimate.hasError()) {
            Response.Error error = estimate.getError();
            String revertData = revertData(error);
            if (revertData != null) {
                String reason = reverts.decode(revertData);
                throw new TransactionRevertedException(
                        action + " would revert: " + reason + "; nothing was sent", reason, null);
            }
            throw classify(action, error.getMessage(), value);
        }
        BigInteger needed = estimate.getAmountUsed();
        if (needed.compareTo(settings.gasCap()) > 0) {
            throw new FailedPreconditionException(
                    action
                            + " needs "
                            + needed
                            + " gas, above the configured cap of "
                            + settings.gasCap()
                            + "; nothing was sent");
        }
        // a fifth more than the estimate: state can change between estimate and inclusion
        return needed.multiply(BigInteger.valueOf(120)).divide(HUNDRED).min(settings.gasCap());
    }

    private Fees currentFees() {
        PricedFees last = lastFees;
        long blockTimeNanos = settings.pollInterval().toNanos() * 2;
        if (last != null && System.nanoTime() - last.atNanos() < blockTimeNanos) {
            return last.fees();
        }
        Fees fresh = fees();
        lastFees = new PricedFees(fresh, System.nanoTime());
        return fresh;
    }

    private Fees fees() {
        if (!settings.eip1559().equals("false")) {
            EthFeeHistory history =
                    calls.raw(
                            "eth_feeHistory",
                            () ->
                                    web3j.ethFeeHistory(
                                                    1,
                                                    DefaultBlockParameterName.LATEST,
                                                    List.of(50.0))
                                            .send());
            List<BigInteger> baseFees =
                    history.hasError() || history.getFeeHistory() == null
                            ? List.of()
                            : history.getFeeHistory().getBaseFeePerGas();
            boolean london =
                    baseFees != null
                            && !baseFees.isEmpty()
                            && baseFees.get(baseFees.size() - 1).signum() > 0;
            if (london) {
                BigInteger nextBase = baseFees.get(baseFees.size() - 1);
                BigInteger tip = ONE_GWEI;
                List<List<BigInteger>> rewards = history.getFeeHistory().getReward();
                if (rewards != null && !rewards.isEmpty() && !rewards.get(0).isEmpty()) {
                    tip = rewards.get(0).get(0).max(ONE_GWEI);
                }
                BigInteger cap = settings.maxFeePerGasCapWei();
                if (nextBase.compareTo(cap) > 0) {
                    throw new FailedPreconditionException(
                            "the chain's base fee "
                                    + nextBase
                                    + " wei is above the configured cap of "
                                    + cap
                                    + " wei per gas; nothing was sent");
                }
                // twice the base fee rides out six full blocks of base-fee rises
                BigInteger maxFee = nextBase.shiftLeft(1).add(tip).min(cap);
                return new Fees(true, tip.min(maxFee), maxFee);
            }
            if (settings.eip1559().equals("true")) {
                throw new FailedPreconditionException(
                        "eip1559 is configured true but the chain reports no base fee; set it to"
                                + " auto or false");
            }
        }
        BigInteger price =
                calls.call("eth_gasPrice", () -> web3j.ethGasPrice().send()).getGasPrice();
        if (price.compareTo(settings.maxFeePerGasCapWei()) > 0) {
            throw new FailedPreconditionException(
                    "the chain's gas price "
                            + price
                            + " wei is above the configured cap of "
                            + settings.maxFeePerGasCapWei()
                            + " wei; nothing was sent");
        }
        return new Fees(false, price, price);
    }

    private Broadcast broadcast(
            String action,
            Credentials credentials,
            long nonce,
            BigInteger gasLimit,
            String to,
            BigInteger value,
            String data,
            Fees fees) {
        RawTransaction raw =
                fees.eip1559()
                        ? RawTransaction.createTransaction(
                                settings.chainId(),
                                BigInteger.valueOf(nonce),
                                gasLimit,
                                to,
                                value,
                                data,
                                fees.maxPriorityFee(),
                                fees.maxFee())
                        : RawTransaction.createTransaction(
                                BigInteger.valueOf(nonce),
                                fees.maxFee(),
                                gasLimit,
                                to,
                                value,
                                data);
        byte[] signed =
                fees.eip1559()
                        ? TransactionEncoder.signMessage(raw, credentials)
                        : TransactionEncoder.signMessage(raw, settings.chainId(), credentials);
        String hex = Numeric.toHexString(signed);
        String hash = Hash.sha3(hex);
        EthSendTransaction sent =
                calls.raw("eth_sendRawTransaction", () -> web3j.ethSendRawTransaction(hex).send());
        if (sent.hasError()) {
            String message = sent.getError().getMessage();
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("nonce too low") || lower.contains("nonce is too low")) {
                throw new NonceTooLow(message);
            }
            if (lower.contains("already known")) {
                return new Broadcast(hash, fees, System.nanoTime());
            }
            throw classify(action, message, value);
        }
        return new Broadcast(hash, fees, System.nanoTime());
    }

    private NodeException classify(String action, String message, BigInteger value) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("insufficient funds") || lower.contains("lack of funds")) {
            BigInteger balance =
                    calls.call(
                                    "eth_getBalance",
                                    () ->
                                            web3j.ethGetBalance(
                                                            key.address(),
                                                            DefaultBlockParameterName.LATEST)
                                                    .send())
                            .getBalance();
            return new FailedPreconditionException(
                    "insufficient funds for "
                            + action
                            + ": operator account "
                            + key.address()
                            + " holds "
                            + balance
                            + " wei, the transaction needs "
                            + value
                            + " wei plus gas; fund the account. Nothing was sent");
        }
        return new FailedPreconditionException(
                action + " was refused by " + settings.rpcUrl() + ": " + message);
    }

    /** The revert data of a JSON-RPC error, when the error is a revert. */
    private static String revertData(Response.Error error) {
        String data = error.getData();
        if (data != null) {
            String trimmed = data.replace("\"", "").trim();
            if (trimmed.startsWith("0x")) {
                return trimmed;
            }
        }
        String message = error.getMessage() == null ? "" : error.getMessage();
        if (error.getCode() == 3 || message.contains("revert")) {
            return "0x";
        }
        return null;
    }

    /** Fees of one broadcast. */
    private record Fees(boolean eip1559, BigInteger maxPriorityFee, BigInteger maxFee) {
        Fees bumped(int percent) {
            BigInteger factor = BigInteger.valueOf(100L + percent);
            return new Fees(
                    eip1559,
                    ceilDiv(maxPriorityFee.multiply(factor)),
                    ceilDiv(maxFee.multiply(factor)));
        }

        private static BigInteger ceilDiv(BigInteger x) {
            return x.add(BigInteger.valueOf(99)).divide(HUNDRED);
        }

        @Override
        public String toString() {
            return eip1559
                    ? "EIP-1559 max fee " + maxFee + " wei, tip " + maxPriorityFee + " wei"
                    : "legacy gas price " + maxFee + " wei";
        }
    }

    private record Broadcast(String hash, Fees fees, long sentAtNanos) {}

    private record PricedFees(Fees fees, long atNanos) {}

    private static final class NonceTooLow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NonceTooLow(String message) {
            super(message, null, false, false);
        }
    }

    /** A broadcast transaction and its replacements; awaited by polling for a receipt. */
    private final class Pending implements PendingTransaction {
        private final String action;
        private final String from;
        private final String to;
        private final BigInteger value;
        private final String data;
        private final long nonce;
        private final BigInteger gasLimit;
        private final List<Broadcast> broadcasts = new ArrayList<>();
        private TransactionResult result;

        Pending(
                String action,
                String from,
                String to,
                BigInteger value,
                String data,
                long nonce,
                BigInteger gasLimit,
                Broadcast first) {
            this.action = action;
            this.from = from;
            this.to = to;
            this.value = value;
            this.data = data;
            this.nonce = nonce;
            this.gasLimit = gasLimit;
            broadcasts.add(first);
        }

        @Override
        public String action() {
            return action;
        }

        @Override
        public synchronized String transactionHash() {
            return broadcasts.get(broadcasts.size() - 1).hash();
        }

        @Override
        public long nonce() {
            return nonce;
        }

        @Override
        public synchronized TransactionResult await(Duration timeout) {
            if (result != null) {
                return result;
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                // newest first: a replacement is the likelier one to be mined
                for (int i = broadcasts.size() - 1; i >= 0; i--) {
                    String hash = broadcasts.get(i).hash();
                    Optional<TransactionReceipt> receipt =
                            calls.call(
                                            "eth_getTransactionReceipt",
                                            () -> web3j.ethGetTransactionReceipt(hash).send())
                                    .getTransactionReceipt();
                    if (receipt.isPresent()) {
                        result = outcome(receipt.get());
                        return result;
                    }
                }
                Broadcast latest = broadcasts.get(broadcasts.size() - 1);
                long now = System.nanoTime();
                if (now - latest.sentAtNanos() >= settings.replaceAfter().toNanos()
                        && broadcasts.size() <= settings.maxReplacements()) {
                    replace(latest);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DeadlineExceededException(
                            action
                                    + " transaction "
                                    + transactionHash()
                                    + " (nonce "
                                    + nonce
                                    + ") is not mined after "
                                    + timeout.toMillis()
                                    + " ms; it stays pending"
                                    + (broadcasts.size() > 1
                                            ? " (replaced " + (broadcasts.size() - 1) + "x)"
                                            : "")
                                    + ": wait again or check the chain");
                }
                LockSupport.parkNanos(Math.min(left, settings.pollInterval().toNanos()));
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new DeadlineExceededException(
                            "interrupted while waiting for " + action + " " + transactionHash());
                }
            }
        }

        private void replace(Broadcast stuck) {
            Fees bumped = stuck.fees().bumped(settings.feeBumpPercent());
            if (bumped.maxFee().compareTo(settings.maxFeePerGasCapWei()) > 0) {
                logger.warn(
                        "{} transaction {} is stuck but a {}% higher fee would pass the cap of {}"
                                + " wei; not replacing it",
                        action,
                        stuck.hash(),
                        settings.feeBumpPercent(),
                        settings.maxFeePerGasCapWei());
                // do not ask again at every poll
                broadcasts.set(
                        broadcasts.size() - 1,
                        new Broadcast(stuck.hash(), stuck.fees(), System.nanoTime()));
                return;
            }
            try {
                Broadcast replacement =
                        broadcast(
                                action,
                                key.credentials(),
                                nonce,
                                gasLimit,
                                to,
                                value,
                                data,
                                bumped);
                broadcasts.add(replacement);
                logger.warn(
                        "{} transaction {} (nonce {}) pending for {} s: replaced by {} ({})",
                        action,
                        stuck.hash(),
                        nonce,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stuck.sentAtNanos()),
                        replacement.hash(),
                        bumped);
            } catch (NonceTooLow e) {
                // the nonce was used meanwhile: one of the broadcasts is being mined
                logger.info("{} nonce {} already used; waiting for its receipt", action, nonce);
                broadcasts.set(
                        broadcasts.size() - 1,
                        new Broadcast(stuck.hash(), stuck.fees(), System.nanoTime()));
            }
        }

        private TransactionResult outcome(TransactionReceipt receipt) {
            if (!receipt.isStatusOK()) {
                String reason = replayRevert(receipt);
                throw new TransactionRevertedException(
                        action
                                + " transaction "
                                + receipt.getTransactionHash()
                                + " reverted in block "
                                + receipt.getBlockNumber()
                                + ": "
                                + reason,
                        reason,
                        receipt.getTransactionHash());
            }
            BigInteger price =
                    receipt.getEffectiveGasPrice() == null
                            ? BigInteger.ZERO
                            : Numeric.decodeQuantity(receipt.getEffectiveGasPrice());
            return new TransactionResult(
                    receipt.getTransactionHash(),
                    receipt.getBlockNumber().longValueExact(),
                    receipt.getBlockHash(),
                    from,
                    nonce,
                    receipt.getGasUsed(),
                    price);
        }

        /** The reason is not in the receipt: run the same call at the same block again. */
        private String replayRevert(TransactionReceipt receipt) {
            try {
                EthCall call =
                        web3j.ethCall(
                                        Transaction.createFunctionCallTransaction(
                                                from, null, null, gasLimit, to, value, data),
                                        DefaultBlockParameter.valueOf(receipt.getBlockNumber()))
                                .send();
                if (call.hasError()) {
                    String revertData = revertData(call.getError());
                    return revertData == null
                            ? call.getError().getMessage()
                            : reverts.decode(revertData);
                }
                return "the transaction reverted but its replay at block "
                        + receipt.getBlockNumber()
                        + " succeeds (state changed within the block)";
            } catch (java.io.IOException e) {
                throw new UnavailableException(
                        action
                                + " transaction "
                                + receipt.getTransactionHash()
                                + " reverted; its reason could not be read: "
                                + e.getMessage(),
                        e);
            }
        }
    }
}
