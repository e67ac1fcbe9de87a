/**
 * The node's operator registration and stake on the Lux chain. 2.0.0: writes return a {@link
 * ai.hanzo.node.api.chain.PendingTransaction} with a bounded wait, a revert is reported only as
 * {@link ai.hanzo.node.api.chain.TransactionRevertedException}, withdraw, deregister and endpoint
 * update were added, and transaction results carry gas, fee, nonce and block hash.
 */
@Export
@Version("2.0.0")
package ai.hanzo.node.api.chain;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
