package ai.hanzo.node.p2p.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ai.hanzo.node.p2p.internal.codec.Varint;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hostile bytes on a raw TCP connection are refused without hurting the node. */
class BadConnectionInputTest {
    private static NioEventLoopGroup group;
    private Libp2pHost host;
    private int port;

    @BeforeAll
    static void group() {
        group = new NioEventLoopGroup(1);
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() {
        host =
                new Libp2pHost(
                        IdentityKey.generate(),
                        group,
                        new Libp2pHost.Limits(Duration.ofSeconds(5), 16, 16));
        port = host.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).join().tcpPort().orElseThrow();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    private static byte[] line(String s) {
        ByteBuf b = Unpooled.buffer();
        byte[] t = (s + "\n").getBytes(StandardCharsets.UTF_8);
        Varint.write(b, t.length);
        b.writeBytes(t);
        return ByteBufUtil.getBytes(b);
    }

    private static String readLine(InputStream in) throws Exception {
        int len = in.read();
        byte[] b = new DataInputStream(in).readNBytes(len);
        return new String(b, 0, b.length - 1, StandardCharsets.UTF_8);
    }

    /**
     * @return true when the node closed the connection (EOF)
     */
    private static boolean closedByPeer(InputStream in) throws Exception {
        byte[] buf = new byte[4096];
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                return true;
            }
        }
    }

    private void assertClosedAfter(byte[] sent) {
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        OutputStream out = s.getOutputStream();
                        out.write(sent);
                        out.flush();
                        assertEquals(true, closedByPeer(s.getInputStream()));
                    }
                });
    }

    private void assertNodeStillServes() {
        Libp2pHost other =
                new Libp2pHost(IdentityKey.generate(), group, Libp2pHost.Limits.defaults());
        try {
            other.dial(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port + "/p2p/" + host.peerId()))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("node no longer accepts connections", e);
        } finally {
            other.close();
        }
    }

    @Test
    void garbageInsteadOfMultistreamClosesTheConnection() {
        assertClosedAfter("GET / HTTP/1.1\r\n\r\n".getBytes());
        assertNodeStillServes();
    }

    @Test
    void malformedAndOversizedVarintsCloseTheConnection() {
        assertClosedAfter(
                new byte[] {
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff,
                    (byte) 0xff
                });
        // a 1 GiB message announced: refused on the prefix, nothing buffered
        assertClosedAfter(Varint.encode(1L << 30));
        assertNodeStillServes();
    }

    @Test
    void anUnknownSecurityProtocolGetsNa() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(line("/multistream/1.0.0"));
            out.write(line("/tls/1.0.0"));
            out.flush();
            InputStream in = s.getInputStream();
            assertEquals("/multistream/1.0.0", readLine(in));
            assertEquals("na", readLine(in));
        }
    }

    @Test
    void aNoisePayloadSignedByAnotherKeyClosesTheConnection() {
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> {
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        out.write(line("/multistream/1.0.0"));
                        out.write(line("/noise"));
                        NoiseHandshake impostor =
                                new NoiseHandshake(
                                        true, IdentityKey.generate(), IdentityKey.generate());
                        byte[] a = impostor.writeMessageA();
                        out.write(new byte[] {0, (byte) a.length});
                        out.write(a);
                        out.flush();
                        assertEquals("/multistream/1.0.0", readLine(in));
                        assertEquals("/noise", readLine(in));
                        DataInputStream din = new DataInputStream(in);
                        byte[] b = din.readNBytes(din.readUnsignedShort());
                        impostor.readMessageB(b);
                        byte[] c = impostor.writeMessageC();
                        out.write(new byte[] {(byte) (c.length >> 8), (byte) c.length});
                        out.write(c);
                        out.flush();
                        assertEquals(true, closedByPeer(in));
                    }
                });
        assertNodeStillServes();
        // the healthy peer's graceful close (go-away) leaves no connection behind
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> host.connections().isEmpty());
    }
}
