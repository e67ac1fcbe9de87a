package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The operator's allow and deny lists as a {@link ConnectionGater}. Entries are IP addresses, CIDR
 * blocks ({@code 10.0.0.0/8}, {@code fd00::/8}) or peer ids ({@code 12D3KooW...}). Deny wins over
 * allow; allowed addresses and peers are exempt from the connection limits.
 */
public final class AccessLists implements ConnectionGater {
    private record Block(byte[] prefix, int bits) {
        boolean contains(byte[] a) {
            if (a.length != prefix.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != prefix[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (prefix[full] & mask);
        }
    }

    private final List<Block> allowBlocks = new ArrayList<>();
    private final List<Block> denyBlocks = new ArrayList<>();
    private final Set<PeerId> allowPeers = new HashSet<>();
    private final Set<PeerId> denyPeers = new HashSet<>();

    /**
     * @throws IllegalArgumentException naming the first entry that is neither an IP address, a CIDR
     *     block nor a peer id
     */
    public AccessLists(List<String> allow, List<String> deny) {
        for (String s : allow) {
            add(s, allowBlocks, allowPeers, "allow");
        }
        for (String s : deny) {
            add(s, denyBlocks, denyPeers, "deny");
        }
    }

    /**
     * @return whether both lists are empty
     */
    public boolean isEmpty() {
        return allowBlocks.isEmpty()
                && denyBlocks.isEmpty()
                && allowPeers.isEmpty()
                && denyPeers.isEmpty();
    }

    private static void add(String raw, List<Block> blocks, Set<PeerId> peers, String list) {
        String s = raw.trim();
        if (s.isEmpty()) {
            return;
        }
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        if (!host.contains(".") && !host.contains(":")) {
            try {
                peers.add(PeerId.parse(s));
                return;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        list
                                + " entry '"
                                + s
                                + "' is not an IP address, CIDR block (10.0.0.0/8) or peer id",
                        e);
            }
        }
        if (!host.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException(
                    list + " entry '" + s + "' is not an IP address or CIDR block (10.0.0.0/8)");
        }
        byte[] addr;
        try {
            // a literal of digits, dots and colons only: no name lookup happens
            addr = InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    list + " entry '" + s + "' is not an IP address: " + e.getMessage(), e);
        }
        int bits = addr.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > addr.length * 8) {
                throw new IllegalArgumentException(
                        list + " entry '" + s + "' has an invalid prefix length");
            }
        }
        blocks.add(new Block(addr, bits));
    }

    @Override
    public Verdict address(InetAddress address) {
        byte[] a = address.getAddress();
        for (Block b : denyBlocks) {
            if (b.contains(a)) {
                return Verdict.DENY;
            }
        }
        for (Block b : allowBlocks) {
            if (b.contains(a)) {
                return Verdict.TRUSTED;
            }
        }
        return Verdict.LIMITED;
    }

    @Override
    public Verdict peer(PeerId peer) {
        if (denyPeers.contains(peer)) {
            return Verdict.DENY;
        }
        return allowPeers.contains(peer) ? Verdict.TRUSTED : Verdict.LIMITED;
    }
}
