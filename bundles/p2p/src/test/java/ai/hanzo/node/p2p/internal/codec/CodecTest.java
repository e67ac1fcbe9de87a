package ai.hanzo.node.p2p.internal.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class CodecTest {
    @Test
    void varintsRoundTripAndRejectMalformedEncodings() {
        for (long v :
                new long[] {0, 1, 127, 128, 300, 16383, 16384, Integer.MAX_VALUE, (1L << 63) - 1}) {
            ByteBuf b = Unpooled.buffer();
            Varint.write(b, v);
            assertEquals(Varint.size(v), b.readableBytes());
            assertEquals(v, Varint.tryRead(b));
            assertEquals(v, Varint.read(Varint.encode(v), new int[] {0}));
        }
        assertEquals(
                Varint.INCOMPLETE,
                Varint.tryRead(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80})));
        assertThrows(
                MalformedInputException.class,
                () -> Varint.tryRead(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 0})));
        byte[] tooLong = new byte[10];
        java.util.Arrays.fill(tooLong, (byte) 0xff);
        assertThrows(
                MalformedInputException.class,
                () -> Varint.tryRead(Unpooled.wrappedBuffer(tooLong)));
        assertThrows(
                MalformedInputException.class,
                () -> Varint.read(new byte[] {(byte) 0x81}, new int[] {0}));
    }

    @Test
    void lengthPrefixedFramesWaitForTheWholeMessageAndBoundItsSize() {
        ByteBuf b = LengthPrefixed.encode(Unpooled.buffer().alloc(), "hello".getBytes());
        ByteBuf partial = b.slice(0, 3);
        assertNull(LengthPrefixed.tryRead(partial, 100));
        assertEquals(0, partial.readerIndex());
        assertArrayEquals("hello".getBytes(), LengthPrefixed.tryRead(b, 100));
        ByteBuf huge = Unpooled.buffer();
        Varint.write(huge, 1 << 30);
        assertThrows(MalformedInputException.class, () -> LengthPrefixed.tryRead(huge, 1 << 20));
    }

    @Test
    void protobufMessagesRoundTripAndSkipUnknownFields() {
        byte[] msg =
                new ProtoWriter()
                        .uint(1, 150)
                        .string(2, "x")
                        .bytes(9, new byte[] {1, 2})
                        .uint(3, 7)
                        .toByteArray();
        ProtoReader r = new ProtoReader(msg);
        long a = 0;
        String s = null;
        long c = 0;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> a = r.uint();
                case 2 -> s = r.string();
                case 3 -> c = r.uint();
                default -> r.skip();
            }
        }
        assertEquals(150, a);
        assertEquals("x", s);
        assertEquals(7, c);
        ProtoReader bad = new ProtoReader(new byte[] {0x12, 0x7f, 1});
        bad.next();
        assertThrows(MalformedInputException.class, bad::bytes);
    }
}
