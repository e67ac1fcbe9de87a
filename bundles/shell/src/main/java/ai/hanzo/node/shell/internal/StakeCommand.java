package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.StakingService;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code hanzo:stake}: the operator's registration and stake on the Lux chain. Read only. */
@Service
@Command(
        scope = "hanzo",
        name = "stake",
        description = "Show the node's registration and stake on the chain")
public final class StakeCommand extends NodeAction {
    private static final BigDecimal WEI_PER_ETHER = new BigDecimal(BigInteger.TEN.pow(18));

    // registered only when etc/ai.hanzo.node.chain.cfg configures a chain
    @Reference(optional = true)
    StakingService staking;

    @Override
    Object run() {
        PrintStream out = session.getConsole();
        if (staking == null) {
            out.println(
                    "No chain configured: the staking service runs once etc/ai.hanzo.node.chain.cfg"
                            + " exists (see etc/ai.hanzo.node.chain.cfg.example).");
            return null;
        }
        OperatorStatus s = staking.operatorStatus();
        ChainStatus chain = s.status();
        out.println("Operator:    " + s.operatorAddress());
        out.println("Node id:     " + s.nodeId());
        out.println(
                "Registered:  "
                        + (s.registered() ? "yes" : "no")
                        + (s.slashed() ? " (slashed)" : ""));
        out.println("Stake:       " + ether(s.stake()) + " (" + s.stake() + " wei)");
        if (s.pendingWithdrawal().signum() > 0) {
            out.println(
                    "Withdrawal:  "
                            + ether(s.pendingWithdrawal())
                            + s.withdrawableAt().map(at -> ", withdrawable at " + at).orElse(""));
        }
        out.println("Endpoint:    " + (s.endpoint().isEmpty() ? "-" : s.endpoint()));
        out.println(
                "Chain:       id "
                        + chain.chainId()
                        + ", block "
                        + chain.blockHeight()
                        + (chain.synced() ? ", synced" : ", not synced")
                        + (chain.problem().isEmpty() ? "" : ": " + chain.problem()));
        return null;
    }

    static String ether(BigInteger wei) {
        return new BigDecimal(wei).divide(WEI_PER_ETHER).stripTrailingZeros().toPlainString()
                + " LUX";
    }
}
