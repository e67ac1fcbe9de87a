package ai.hanzo.node.p2p.internal.identity;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.Varint;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A multiaddr restricted to what this node speaks: ip4, ip6, tcp, dns, dns4, dns6, dnsaddr and p2p.
 * Text and binary forms round-trip.
 */
public final class Multiaddr {
    /** One protocol/value pair. */
    public record Component(Proto proto, String value) {}

    /** The supported multiaddr protocols with their multicodec. */
    public enum Proto {
        IP4("ip4", 4),
        TCP("tcp", 6),
        IP6("ip6", 41),
        DNS("dns", 53),
        DNS4("dns4", 54),
        DNS6("dns6", 55),
        DNSADDR("dnsaddr", 56),
        P2P("p2p", 421);

        final String name;
        final int code;

        Proto(String name, int code) {
            this.name = name;
            this.code = code;
        }

        static Proto byName(String n) {
            for (Proto p : values()) {
                if (p.name.equals(n) || (p == P2P && n.equals("ipfs"))) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unsupported multiaddr protocol /" + n);
        }

        static Proto byCode(long c) {
            for (Proto p : values()) {
                if (p.code == c) {
                    return p;
                }
            }
            throw new MalformedInputException("unsupported multiaddr protocol code " + c);
        }
    }

    private final List<Component> components;

    private Multiaddr(List<Component> components) {
        this.components = List.copyOf(components);
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not a supported multiaddr
     */
    public static Multiaddr parse(String text) {
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("a multiaddr starts with '/': " + text);
        }
        String[] parts = text.substring(1).split("/", -1);
        List<Component> out = new ArrayList<>();
        int i = 0;
        while (i < parts.length) {
            if (parts[i].isEmpty() && i == parts.length - 1) {
                break;
            }
            Proto p = Proto.byName(parts[i]);
            if (i + 1 >= parts.length) {
                throw new IllegalArgumentException("/" + p.name + " needs a value in " + text);
            }
            String v = parts[i + 1];
            validate(p, v);
            out.add(new Component(p, canonical(p, v)));
            i += 2;
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty multiaddr");
        }
        return new Multiaddr(out);
    }

    /**
     * @throws MalformedInputException when {@code bytes} is not a supported binary multiaddr
     */
    public static Multiaddr fromBytes(byte[] bytes) {
        int[] pos = {0};
        List<Component> out = new ArrayList<>();
        while (pos[0] < bytes.length) {
            Proto p = Proto.byCode(Varint.read(bytes, pos));
            String v;
            switch (p) {
                case IP4 -> v = ip(take(bytes, pos, 4));
                case IP6 -> v = ip(take(bytes, pos, 16));
                case TCP -> {
                    byte[] b = take(bytes, pos, 2);
                    v = Integer.toString(((b[0] & 0xff) << 8) | (b[1] & 0xff));
                }
                case P2P -> v = PeerId.fromBytes(take(bytes, pos, lengthOf(bytes, pos))).toBase58();
                default -> {
                    v = new String(take(bytes, pos, lengthOf(bytes, pos)), StandardCharsets.UTF_8);
                    if (v.isEmpty() || v.contains("/")) {
                        throw new MalformedInputException("bad dns name in multiaddr");
                    }
                }
            }
            out.add(new Component(p, v));
        }
        if (out.isEmpty()) {
            throw new MalformedInputException("empty multiaddr");
        }
        return new Multiaddr(out);
    }

    private static int lengthOf(byte[] b, int[] pos) {
        long len = Varint.read(b, pos);
        if (len > b.length - pos[0]) {
            throw new MalformedInputException("multiaddr value runs past the end");
        }
        return (int) len;
    }

    private static byte[] take(byte[] b, int[] pos, int n) {
        if (n > b.length - pos[0]) {
            throw new MalformedInputException("truncated multiaddr");
        }
        byte[] out = java.util.Arrays.copyOfRange(b, pos[0], pos[0] + n);
        pos[0] += n;
        return out;
    }

    private static String ip(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            throw new MalformedInputException("bad ip address in multiaddr");
        }
    }

    private static void validate(Proto p, String v) {
        switch (p) {
            case IP4 -> {
                if (!v.matches("\\d{1,3}(\\.\\d{1,3}){3}") || literal(v).length != 4) {
                    throw new IllegalArgumentException("bad ip4 address " + v);
                }
            }
            case IP6 -> {
                if (!v.contains(":") || literal(v).length != 16) {
                    throw new IllegalArgumentException("bad ip6 address " + v);
                }
            }
            case TCP -> {
                int port;
                try {
                    port = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad tcp port " + v);
                }
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException("bad tcp port " + v);
                }
            }
            case P2P -> PeerId.parse(v);
            default -> {
                if (v.isEmpty()) {
                    throw new IllegalArgumentException("empty dns name");
                }
            }
        }
    }

    private static String canonical(Proto p, String v) {
        return switch (p) {
            case IP4, IP6 -> ip(literal(v));
            case TCP -> Integer.toString(Integer.parseInt(v));
            case P2P -> PeerId.parse(v).toBase58();
            default -> v;
        };
    }

    private static byte[] literal(String v) {
        try {
            // numeric literals only: never resolves a name
            return InetAddress.getByName(v.contains(":") ? "[" + v + "]" : v).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad ip address " + v);
        }
    }

    /**
     * @return the binary form
     */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Component c : components) {
            out.writeBytes(Varint.encode(c.proto().code));
            switch (c.proto()) {
                case IP4, IP6 -> out.writeBytes(literal(c.value()));
                case TCP -> {
                    int port = Integer.parseInt(c.value());
                    out.write(port >> 8);
                    out.write(port & 0xff);
                }
                case P2P -> {
                    byte[] mh = PeerId.parse(c.value()).toBytes();
                    out.writeBytes(Varint.encode(mh.length));
                    out.writeBytes(mh);
                }
                default -> {
                    byte[] s = c.value().getBytes(StandardCharsets.UTF_8);
                    out.writeBytes(Varint.encode(s.length));
                    out.writeBytes(s);
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * @return the components in order
     */
    public List<Component> components() {
        return components;
    }

    /**
     * @return the value of the first component of {@code proto}
     */
    public Optional<String> value(Proto proto) {
        return components.stream()
                .filter(c -> c.proto() == proto)
                .map(Component::value)
                .findFirst();
    }

    /**
     * @return the peer id of a trailing {@code /p2p/...}, if present
     */
    public Optional<PeerId> peerId() {
        return value(Proto.P2P).map(PeerId::parse);
    }

    /**
     * @return this address without any {@code /p2p} component
     */
    public Multiaddr withoutPeerId() {
        return new Multiaddr(components.stream().filter(c -> c.proto() != Proto.P2P).toList());
    }

    /**
     * @return this address ending in {@code /p2p/<id>}
     */
    public Multiaddr withPeerId(PeerId id) {
        List<Component> c = new ArrayList<>(withoutPeerId().components);
        c.add(new Component(Proto.P2P, id.toBase58()));
        return new Multiaddr(c);
    }

    /**
     * @return the host (ip or dns name) to dial
     */
    public Optional<String> host() {
        return components.stream()
                .filter(c -> c.proto() != Proto.TCP && c.proto() != Proto.P2P)
                .map(Component::value)
                .findFirst();
    }

    /**
     * @return the tcp port, if any
     */
    public Optional<Integer> tcpPort() {
        return value(Proto.TCP).map(Integer::parseInt);
    }

    /** Builds {@code /ip4|ip6/<addr>/tcp/<port>} for a socket address. */
    public static Multiaddr ofTcp(InetAddress address, int port) {
        String family = address.getAddress().length == 4 ? "ip4" : "ip6";
        return parse(
                "/"
                        + family
                        + "/"
                        + address.getHostAddress().replaceAll("%.*$", "")
                        + "/tcp/"
                        + port);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Multiaddr m && components.equals(m.components);
    }

    @Override
    public int hashCode() {
        return components.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Component c : components) {
            sb.append('/').append(c.proto().name).append('/').append(c.value());
        }
        return sb.toString();
    }
}
