package ai.hanzo.node.chain.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The next nonce of one account on one chain, shared by everything in this JVM that sends from it
 * (one per account, or concurrent senders collide). It starts from the endpoint's pending count, so
 * it survives restarts; it is dropped and read again after any failed send.
 */
final class NonceSource {
    private static final Map<String, NonceSource> BY_ACCOUNT = new ConcurrentHashMap<>();

    private final ReentrantLock lock = new ReentrantLock();
    private long next = -1;

    private NonceSource() {}

    /** The one source for an account on a chain endpoint. */
    static NonceSource of(String endpoint, long chainId, String address) {
        return BY_ACCOUNT.computeIfAbsent(
                endpoint + "|" + chainId + "|" + address.toLowerCase(), k -> new NonceSource());
    }

    /** Forgets every account's nonce, as a new process would; for tests of restarts. */
    static void forgetAll() {
        BY_ACCOUNT.clear();
    }

    /**
     * Holds the account while a transaction is signed and sent, so that nonces are handed out in
     * order and without gaps.
     */
    ReentrantLock lock() {
        return lock;
    }

    /** The nonce to use; call with {@link #lock()} held. */
    long current(LongSupplier pendingCount) {
        if (next < 0) {
            next = pendingCount.getAsLong();
        }
        return next;
    }

    /** The nonce was accepted by the endpoint; call with {@link #lock()} held. */
    void used(long nonce) {
        next = nonce + 1;
    }

    /** The count is in doubt (a send failed): read it from the endpoint next time. */
    void resync() {
        next = -1;
    }
}
