package ai.hanzo.node.p2p.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class YamuxSessionTest {
    private final List<String> events = new ArrayList<>();
    private final List<YamuxStream> inbound = new ArrayList<>();

    private EmbeddedChannel session(int maxStreams) {
        return new EmbeddedChannel(
                new YamuxSession(
                        false,
                        IdentityKey.generate().peerId(),
                        maxStreams,
                        s -> {
                            inbound.add(s);
                            return new StreamHandler() {
                                @Override
                                public void onData(YamuxStream stream, ByteBuf in) {
                                    events.add(
                                            "data:"
                                                    + in.readCharSequence(
                                                            in.readableBytes(),
                                                            StandardCharsets.UTF_8));
                                }

                                @Override
                                public void onRemoteClose(YamuxStream stream) {
                                    events.add("fin");
                                }

                                @Override
                                public void onClosed(YamuxStream stream) {
                                    events.add("closed");
                                }
                            };
                        }));
    }

    private static ByteBuf frame(int type, int flags, int id, long length, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0).writeByte(type).writeShort(flags).writeInt(id).writeInt((int) length);
        if (payload != null) {
            b.writeBytes(payload);
        }
        return b;
    }

    /**
     * @return {type, flags, id, length} of every frame written
     */
    private static List<long[]> written(EmbeddedChannel ch) {
        List<long[]> out = new ArrayList<>();
        ByteBuf all = Unpooled.buffer();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            all.writeBytes(b);
            b.release();
        }
        while (all.readableBytes() >= 12) {
            all.skipBytes(1);
            long[] f = {
                all.readUnsignedByte(),
                all.readUnsignedShort(),
                all.readInt(),
                all.readUnsignedInt()
            };
            if (f[0] == YamuxSession.TYPE_DATA) {
                all.skipBytes((int) f[3]);
            }
            out.add(f);
        }
        return out;
    }

    @Test
    void inboundStreamsAreAckedAndHalfCloseWorksBothWays() {
        EmbeddedChannel ch = session(8);
        ch.writeInbound(frame(YamuxSession.TYPE_DATA, YamuxSession.SYN, 1, 2, "hi".getBytes()));
        assertEquals(List.of("data:hi"), events);
        long[] ack = written(ch).get(0);
        assertEquals(YamuxSession.TYPE_WINDOW_UPDATE, ack[0]);
        assertTrue((ack[1] & YamuxSession.ACK) != 0);
        ch.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.FIN, 1, 0, null));
        assertEquals("fin", events.get(1));
        // the handler may still write after the peer's FIN
        inbound.get(0).write(Unpooled.wrappedBuffer("back".getBytes()));
        inbound.get(0).closeWrite();
        List<long[]> out = written(ch);
        assertEquals(YamuxSession.TYPE_DATA, out.get(0)[0]);
        assertEquals(4, out.get(0)[3]);
        assertTrue((out.get(1)[1] & YamuxSession.FIN) != 0);
        assertEquals("closed", events.get(2));
        assertTrue(ch.isActive());
    }

    @Test
    void resetClosesTheStreamOnly() {
        EmbeddedChannel ch = session(8);
        ch.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.SYN, 1, 0, null));
        ch.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.RST, 1, 0, null));
        assertEquals(List.of("closed"), events);
        assertTrue(ch.isActive());
    }

    @Test
    void pingsAreAnsweredWithTheSameOpaqueValue() {
        EmbeddedChannel ch = session(8);
        ch.writeInbound(frame(YamuxSession.TYPE_PING, YamuxSession.SYN, 0, 1234, null));
        long[] pong = written(ch).get(0);
        assertEquals(YamuxSession.TYPE_PING, pong[0]);
        assertEquals(YamuxSession.ACK, pong[1]);
        assertEquals(1234, pong[3]);
    }

    @Test
    void aWindowOverrunIsAProtocolErrorThatClosesTheConnection() {
        EmbeddedChannel ch = session(8);
        ch.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.SYN, 1, 0, null));
        written(ch);
        // the header alone is enough: no payload is buffered for it
        ch.writeInbound(
                frame(YamuxSession.TYPE_DATA, 0, 1, YamuxSession.RECEIVE_WINDOW + 1L, null));
        long[] goAway = written(ch).get(0);
        assertEquals(YamuxSession.TYPE_GO_AWAY, goAway[0]);
        assertEquals(YamuxSession.GO_AWAY_PROTOCOL_ERROR, goAway[3]);
        assertFalse(ch.isActive());
    }

    @Test
    void badVersionsTypesAndStreamIdsCloseTheConnection() {
        EmbeddedChannel a = session(8);
        ByteBuf bad = frame(0, 0, 0, 0, null);
        bad.setByte(0, 7);
        a.writeInbound(bad);
        assertFalse(a.isActive());
        EmbeddedChannel b = session(8);
        b.writeInbound(frame(9, 0, 0, 0, null));
        assertFalse(b.isActive());
        EmbeddedChannel c = session(8);
        // a server-parity (even) id opened by the client is invalid
        c.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.SYN, 2, 0, null));
        assertFalse(c.isActive());
    }

    @Test
    void streamsBeyondTheLimitAreReset() {
        EmbeddedChannel ch = session(1);
        ch.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.SYN, 1, 0, null));
        written(ch);
        ch.writeInbound(frame(YamuxSession.TYPE_WINDOW_UPDATE, YamuxSession.SYN, 3, 0, null));
        long[] rst = written(ch).get(0);
        assertEquals(3, rst[2]);
        assertTrue((rst[1] & YamuxSession.RST) != 0);
        assertTrue(ch.isActive());
    }

    @Test
    void afterGoAwayNoStreamsOpen() throws Exception {
        EmbeddedChannel ch = session(8);
        YamuxSession s = (YamuxSession) ch.pipeline().first();
        ch.writeInbound(frame(YamuxSession.TYPE_GO_AWAY, 0, 0, YamuxSession.GO_AWAY_NORMAL, null));
        assertFalse(s.isOpen());
        var f =
                s.openStream(
                        new StreamHandler() {
                            @Override
                            public void onData(YamuxStream stream, ByteBuf in) {}
                        });
        ch.runPendingTasks();
        assertNotNull(
                assertThrows(java.util.concurrent.ExecutionException.class, f::get).getCause());
    }
}
