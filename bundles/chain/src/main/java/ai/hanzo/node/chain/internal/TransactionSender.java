package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.api.chain.TransactionRevertedException;
import java.io.IOException;
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
import org.web3j.protocol.core.BatchResponse;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
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
    // JSON-RPC batches, until the endpoint shows it does not take them
    private volatile boolean batches = true;

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
        BigInteger gasLimit;
        Fees fees;
        PricedFees last = lastFees;
        if (settings.fixedGasLimit().signum() > 0) {
            // configured: no estimate, so a revert is only seen (and paid for) once mined
            gasLimit = settings.fixedGasLimit();
            fees = currentFees();
        } else if (last != null && System.nanoTime() - last.atNanos() < feeLifetimeNanos()) {
            gasLimit = estimateGas(action, from, to, value, data);
            fees = last.fees();
        } else if (!settings.eip1559().equals("false") && batches) {
            // one round trip for the revert check and the fee lookup
            EstimateAndFees both = estimateAndFees(action, from, to, value, data);
            gasLimit = both.gasLimit();
            fees = both.fees();
        } else {
            gasLimit = estimateGas(action, from, to, value, data);
            fees = currentFees();
        }
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
                calls.raw("eth_estimateGas", () -> estimateRequest(from, to, value, data).send());
        return gasLimit(action, estimate, value);
    }

    private Request<?, EthEstimateGas> estimateRequest(
            String from, String to, BigInteger value, String data) {
        return web3j.ethEstimateGas(
                Transaction.createFunctionCallTransaction(from, null, null, null, to, value, data));
    }

    private Request<?, EthFeeHistory> feeHistoryRequest() {
        return web3j.ethFeeHistory(1, DefaultBlockParameterName.LATEST, List.of(50.0));
    }

    /** The estimate and the fee history in one JSON-RPC batch, one HTTP round trip. */
    private EstimateAndFees estimateAndFees(
            String action, String from, String to, BigInteger value, String data) {
        BatchResponse both;
        try {
            both =
                    calls.raw(
                            "eth_estimateGas and eth_feeHistory",
                            () ->
                                    web3j.newBatch()
                                            .add(estimateRequest(from, to, value, data))
                                            .add(feeHistoryRequest())
                                            .send());
        } catch (RuntimeException e) {
            boolean unparsable =
                    e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException
                            || !(e instanceof NodeException);
            if (!unparsable) {
                // the endpoint is down or refused: the same as for a single call
                throw e;
            }
            // an endpoint that refuses JSON-RPC batches gets the two calls one by one from now on
            logger.info(
                    "chain endpoint {} did not answer a JSON-RPC batch ({}); sending calls one by"
                            + " one",
                    settings.rpcUrl(),
                    e.getMessage());
            batches = false;
            return new EstimateAndFees(estimateGas(action, from, to, value, data), currentFees());
        }
        List<? extends Response<?>> responses = both.getResponses();
        if (responses.size() != 2
                || !(responses.get(0) instanceof EthEstimateGas estimate)
                || !(responses.get(1) instanceof EthFeeHistory history)) {
            batches = false;
            return new EstimateAndFees(estimateGas(action, from, to, value, data), currentFees());
        }
        BigInteger gasLimit = gasLimit(action, estimate, value);
        Fees fees = eip1559Fees(history);
        if (fees == null) {
            fees = legacyFees();
        }
        lastFees = new PricedFees(fees, System.nanoTime());
        return new EstimateAndFees(gasLimit, fees);
    }

    private BigInteger gasLimit(String action, EthEstimateGas estimate, BigInteger value) {
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

    /**
     * How long priced fees are reused: the max fee is twice the base fee, which covers six full
     * blocks of base-fee rises (12.5 % each); three block times keep a wide margin.
     */
    private long feeLifetimeNanos() {
        return settings.pollInterval().toNanos() * 2 * 3;
    }

    private Fees currentFees() {
        PricedFees last = lastFees;
        if (last != null && System.nanoTime() - last.atNanos() < feeLifetimeNanos()) {
            return last.fees();
        }
        Fees fresh = fees();
        lastFees = new PricedFees(fresh, System.nanoTime());
        return fresh;
    }

    private Fees fees() {
        if (!settings.eip1559().equals("false")) {
            EthFeeHistory history = calls.raw("eth_feeHistory", () -> feeHistoryRequest().send());
            Fees fees = eip1559Fees(history);
            if (fees != null) {
                return fees;
            }
        }
        return legacyFees();
    }

    /**
     * @return EIP-1559 fees from the history, or null when the chain has no base fee and legacy
     *     pricing is allowed
     */
    private Fees eip1559Fees(EthFeeHistory history) {
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
        return null;
    }

    private Fees legacyFees() {
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
                return new Broadcast(hash, hex, fees, System.nanoTime());
            }
            throw classify(action, message, value);
        }
        return new Broadcast(hash, hex, fees, System.nanoTime());
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

    private record Broadcast(String hash, String raw, Fees fees, long sentAtNanos) {}

    private record PricedFees(Fees fees, long atNanos) {}

    private record EstimateAndFees(BigInteger gasLimit, Fees fees) {}

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
        private volatile String latestHash;

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
            latestHash = first.hash();
        }

        @Override
        public String action() {
            return action;
        }

        @Override
        public String transactionHash() {
            // not under the await lock: callers may ask while another thread awaits
            return latestHash;
        }

        @Override
        public long nonce() {
            return nonce;
        }

        @Override
        public synchronized TransactionResult await(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            if (result != null) {
                if (stillCanonical(result)) {
                    return result;
                }
                result = null;
            }
            while (true) {
                // newest first: a replacement is the likelier one to be mined
                boolean reorged = false;
                for (int i = broadcasts.size() - 1; i >= 0 && !reorged; i--) {
                    Optional<TransactionReceipt> receipt = receipt(broadcasts.get(i).hash());
                    if (receipt.isPresent()) {
                        Optional<TransactionReceipt> confirmed = confirm(receipt.get(), deadline);
                        if (confirmed.isPresent()) {
                            result = outcome(confirmed.get());
                            return result;
                        }
                        reorged = true;
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

        private Optional<TransactionReceipt> receipt(String hash) {
            return calls.call(
                            "eth_getTransactionReceipt",
                            () -> web3j.ethGetTransactionReceipt(hash).send())
                    .getTransactionReceipt();
        }

        /**
         * Waits until the receipt's block has the configured number of blocks on top, then reads
         * the receipt again: a reorg meanwhile either moved the transaction into another block
         * (counted again from there) or dropped it (sent again, same signed bytes).
         *
         * @return the receipt in a block deep enough; empty when the transaction left the chain
         */
        private Optional<TransactionReceipt> confirm(TransactionReceipt receipt, long deadline) {
            int confirmations = settings.confirmations();
            if (confirmations == 0) {
                return Optional.of(receipt);
            }
            TransactionReceipt current = receipt;
            while (true) {
                long target = current.getBlockNumber().longValueExact() + confirmations;
                long head =
                        calls.call("eth_blockNumber", () -> web3j.ethBlockNumber().send())
                                .getBlockNumber()
                                .longValueExact();
                if (head >= target) {
                    Optional<TransactionReceipt> again = receipt(current.getTransactionHash());
                    if (again.isEmpty()) {
                        dropped(current);
                        return Optional.empty();
                    }
                    if (again.get().getBlockHash().equals(current.getBlockHash())) {
                        return again;
                    }
                    logger.warn(
                            "{} transaction {} moved by a reorg from block {} ({}) to block {}"
                                    + " ({}); counting confirmations again",
                            action,
                            current.getTransactionHash(),
                            current.getBlockNumber(),
                            current.getBlockHash(),
                            again.get().getBlockNumber(),
                            again.get().getBlockHash());
                    current = again.get();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DeadlineExceededException(
                            action
                                    + " transaction "
                                    + current.getTransactionHash()
                                    + " is in block "
                                    + current.getBlockNumber()
                                    + " but has "
                                    + Math.max(0, head - current.getBlockNumber().longValueExact())
                                    + " of "
                                    + confirmations
                                    + " confirmations: wait again");
                }
                LockSupport.parkNanos(Math.min(left, settings.pollInterval().toNanos()));
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new DeadlineExceededException(
                            "interrupted while waiting for " + action + " confirmations");
                }
            }
        }

        /** A result handed out before: is its block still the canonical one at its height? */
        private boolean stillCanonical(TransactionResult mined) {
            Optional<TransactionReceipt> now = receipt(mined.transactionHash());
            if (now.isPresent() && now.get().getBlockHash().equals(mined.blockHash())) {
                return true;
            }
            logger.warn(
                    "{} transaction {} was mined in block {} ({}), which a reorg replaced; waiting"
                            + " for it again",
                    action,
                    mined.transactionHash(),
                    mined.blockNumber(),
                    mined.blockHash());
            if (now.isEmpty()) {
                for (Broadcast b : broadcasts) {
                    if (b.hash().equals(mined.transactionHash())) {
                        resend(b);
                    }
                }
            }
            return false;
        }

        /** The transaction's block left the chain and the transaction with it: send it again. */
        private void dropped(TransactionReceipt receipt) {
            logger.warn(
                    "{} transaction {} left the chain with block {} ({}) in a reorg; sending it"
                            + " again",
                    action,
                    receipt.getTransactionHash(),
                    receipt.getBlockNumber(),
                    receipt.getBlockHash());
            for (Broadcast b : broadcasts) {
                if (b.hash().equals(receipt.getTransactionHash())) {
                    resend(b);
                }
            }
        }

        private void resend(Broadcast broadcast) {
            EthSendTransaction sent =
                    calls.raw(
                            "eth_sendRawTransaction",
                            () -> web3j.ethSendRawTransaction(broadcast.raw()).send());
            int index = broadcasts.indexOf(broadcast);
            if (index >= 0) {
                // the stuck-transaction timer starts again from this send
                broadcasts.set(
                        index,
                        new Broadcast(
                                broadcast.hash(),
                                broadcast.raw(),
                                broadcast.fees(),
                                System.nanoTime()));
            }
            if (sent.hasError()) {
                // "already known": the node put it back in its pool itself; "nonce too low":
                // another of our broadcasts with this nonce is in the new chain
                logger.info(
                        "re-sending {} {}: {}",
                        action,
                        broadcast.hash(),
                        sent.getError().getMessage());
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
                        new Broadcast(stuck.hash(), stuck.raw(), stuck.fees(), System.nanoTime()));
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
                latestHash = replacement.hash();
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
                        new Broadcast(stuck.hash(), stuck.raw(), stuck.fees(), System.nanoTime()));
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
            } catch (IOException e) {
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
