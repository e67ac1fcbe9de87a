package ai.hanzo.node.p2p.internal.mdns;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libp2p mDNS discovery on the local network: asks {@code _p2p._udp.local} (PTR) on
 * 224.0.0.251:5353 at an interval, answers such questions with a PTR to this node's random instance
 * name plus one {@code dnsaddr=<multiaddr>} TXT record per address, and reports peers found in
 * answers. Packets are parsed with bounds on size, record counts and name pointers.
 */
public final class MdnsDiscovery implements AutoCloseable {
    static final String SERVICE = "_p2p._udp.local";
    static final InetSocketAddress GROUP = new InetSocketAddress("224.0.0.251", 5353);
    static final int TYPE_PTR = 12;
    static final int TYPE_TXT = 16;
    static final int MAX_PACKET = 9000;
    static final int MAX_RECORDS = 64;

    private final Logger logger = LoggerFactory.getLogger(MdnsDiscovery.class);
    private final PeerId self;
    private final Supplier<List<Multiaddr>> addresses;
    private final BiConsumer<PeerId, List<Multiaddr>> onPeer;
    private final String instance;
    private NioDatagramChannel channel;
    private ScheduledFuture<?> timer;

    /**
     * @param addresses this node's addresses to announce (without /p2p)
     * @param onPeer told about each peer found (not this node)
     */
    public MdnsDiscovery(
            PeerId self,
            Supplier<List<Multiaddr>> addresses,
            BiConsumer<PeerId, List<Multiaddr>> onPeer) {
        this.self = self;
        this.addresses = addresses;
        this.onPeer = onPeer;
        byte[] r = new byte[16];
        new SecureRandom().nextBytes(r);
        StringBuilder sb = new StringBuilder();
        for (byte b : r) {
            sb.append(Character.forDigit((b >> 4) & 15, 16)).append(Character.forDigit(b & 15, 16));
        }
        this.instance = sb.toString();
    }

    /** Binds 5353 (shared), joins the group on every multicast interface and starts asking. */
    public void start(EventLoopGroup group, Duration interval) throws InterruptedException {
        Bootstrap b =
                new Bootstrap()
                        .group(group)
                        .channelFactory(() -> new NioDatagramChannel(InternetProtocolFamily.IPv4))
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, false)
                        .handler(
                                new SimpleChannelInboundHandler<DatagramPacket>() {
                                    @Override
                                    protected void channelRead0(
                                            ChannelHandlerContext ctx, DatagramPacket p) {
                                        try {
                                            onPacket(p.content());
                                        } catch (MalformedInputException
                                                | IndexOutOfBoundsException e) {
                                            logger.debug(
                                                    "Ignoring a malformed mDNS packet from {}: {}",
                                                    p.sender(),
                                                    e.getMessage());
                                        }
                                    }
                                });
        channel =
                (NioDatagramChannel)
                        b.bind(new InetSocketAddress(GROUP.getPort())).sync().channel();
        int joined = 0;
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp()
                        && ni.supportsMulticast()
                        && ni.inetAddresses().anyMatch(a -> a.getAddress().length == 4)) {
                    try {
                        channel.joinGroup(GROUP, ni).sync();
                        joined++;
                    } catch (Exception e) {
                        logger.debug(
                                "mDNS cannot join the group on {}: {}", ni.getName(), e.toString());
                    }
                }
            }
        } catch (java.net.SocketException e) {
            logger.warn("mDNS cannot list network interfaces: {}", e.getMessage());
        }
        if (joined == 0) {
            logger.warn("mDNS found no multicast-capable interface; local discovery is off");
        }
        timer =
                channel.eventLoop()
                        .scheduleAtFixedRate(
                                this::query, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void query() {
        ByteBuf out = Unpooled.buffer();
        out.writeShort(0).writeShort(0).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
        writeName(out, SERVICE);
        out.writeShort(TYPE_PTR).writeShort(1);
        channel.writeAndFlush(new DatagramPacket(out, GROUP));
    }

    private void respond() {
        List<Multiaddr> addrs = addresses.get();
        if (addrs.isEmpty()) {
            return;
        }
        String name = instance + "." + SERVICE;
        List<String> txts = new ArrayList<>();
        for (Multiaddr m : addrs) {
            String t = "dnsaddr=" + m.withPeerId(self);
            if (t.length() <= 255) {
                txts.add(t);
            }
        }
        ByteBuf out = Unpooled.buffer();
        out.writeShort(0)
                .writeShort(0x8400)
                .writeShort(0)
                .writeShort(1 + txts.size())
                .writeShort(0)
                .writeShort(0);
        writeName(out, SERVICE);
        out.writeShort(TYPE_PTR).writeShort(1).writeInt(120);
        int lenAt = out.writerIndex();
        out.writeShort(0);
        writeName(out, name);
        out.setShort(lenAt, out.writerIndex() - lenAt - 2);
        for (String t : txts) {
            writeName(out, name);
            out.writeShort(TYPE_TXT).writeShort(1).writeInt(120);
            byte[] s = t.getBytes(StandardCharsets.UTF_8);
            out.writeShort(s.length + 1).writeByte(s.length).writeBytes(s);
        }
        channel.writeAndFlush(new DatagramPacket(out, GROUP));
    }

    private void onPacket(ByteBuf in) {
        if (in.readableBytes() > MAX_PACKET || in.readableBytes() < 12) {
            throw new MalformedInputException("mDNS packet of " + in.readableBytes() + " bytes");
        }
        int start = in.readerIndex();
        int flags = in.getUnsignedShort(start + 2);
        int qd = in.getUnsignedShort(start + 4);
        int an = in.getUnsignedShort(start + 6);
        int ns = in.getUnsignedShort(start + 8);
        int ar = in.getUnsignedShort(start + 10);
        if (qd + an + ns + ar > MAX_RECORDS) {
            throw new MalformedInputException("mDNS packet with too many records");
        }
        int[] pos = {start + 12};
        boolean response = (flags & 0x8000) != 0;
        boolean asked = false;
        for (int i = 0; i < qd; i++) {
            String q = readName(in, start, pos);
            int type = in.getUnsignedShort(pos[0]);
            pos[0] += 4;
            if (!response && SERVICE.equalsIgnoreCase(q) && (type == TYPE_PTR || type == 255)) {
                asked = true;
            }
        }
        if (asked) {
            respond();
            return;
        }
        if (!response) {
            return;
        }
        String ptr = null;
        List<String> txt = new ArrayList<>();
        for (int i = 0; i < an + ns + ar; i++) {
            String name = readName(in, start, pos);
            int type = in.getUnsignedShort(pos[0]);
            int rdlen = in.getUnsignedShort(pos[0] + 8);
            int rdata = pos[0] + 10;
            if (rdata + rdlen > in.writerIndex()) {
                throw new MalformedInputException("mDNS record runs past the packet");
            }
            if (type == TYPE_PTR && SERVICE.equalsIgnoreCase(name)) {
                int[] p = {rdata};
                ptr = readName(in, start, p);
            } else if (type == TYPE_TXT) {
                int p = rdata;
                while (p < rdata + rdlen) {
                    int l = in.getUnsignedByte(p);
                    if (p + 1 + l > rdata + rdlen) {
                        throw new MalformedInputException("mDNS TXT string runs past its record");
                    }
                    txt.add(in.toString(p + 1, l, StandardCharsets.UTF_8));
                    p += 1 + l;
                }
            }
            pos[0] = rdata + rdlen;
        }
        if (ptr == null || ptr.startsWith(instance)) {
            return;
        }
        PeerId peer = null;
        List<Multiaddr> addrs = new ArrayList<>();
        for (String t : txt) {
            if (!t.startsWith("dnsaddr=")) {
                continue;
            }
            try {
                Multiaddr m = Multiaddr.parse(t.substring("dnsaddr=".length()));
                if (m.peerId().isEmpty() || m.tcpPort().isEmpty()) {
                    continue;
                }
                peer = m.peerId().get();
                addrs.add(m.withoutPeerId());
            } catch (IllegalArgumentException e) {
                // an address of a transport this node does not speak
            }
        }
        if (peer != null && !peer.equals(self) && !addrs.isEmpty()) {
            onPeer.accept(peer, addrs);
        }
    }

    private static void writeName(ByteBuf out, String name) {
        for (String label : name.split("\\.")) {
            byte[] b = label.getBytes(StandardCharsets.UTF_8);
            out.writeByte(b.length).writeBytes(b);
        }
        out.writeByte(0);
    }

    /** Reads a possibly compressed name at {@code pos[0]}, advancing it past the name. */
    private static String readName(ByteBuf in, int start, int[] pos) {
        StringBuilder sb = new StringBuilder();
        int p = pos[0];
        boolean jumped = false;
        int jumps = 0;
        while (true) {
            int len = in.getUnsignedByte(p);
            if (len == 0) {
                p++;
                break;
            }
            if ((len & 0xc0) == 0xc0) {
                int target = start + (((len & 0x3f) << 8) | in.getUnsignedByte(p + 1));
                if (!jumped) {
                    pos[0] = p + 2;
                }
                jumped = true;
                if (++jumps > 16 || target >= in.writerIndex()) {
                    throw new MalformedInputException("mDNS name pointer loop");
                }
                p = target;
                continue;
            }
            if (sb.length() > 255) {
                throw new MalformedInputException("mDNS name too long");
            }
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(in.toString(p + 1, len, StandardCharsets.UTF_8));
            p += 1 + len;
        }
        if (!jumped) {
            pos[0] = p;
        }
        return sb.toString();
    }

    /** Stops asking and answering. */
    @Override
    public void close() {
        if (timer != null) {
            timer.cancel(false);
        }
        if (channel != null) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
