package ai.hanzo.node.p2p.internal.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Varint length-prefixed messages (identify, kad, gossipsub RPC, multistream lines). */
public final class LengthPrefixed {
    private LengthPrefixed() {}

    /**
     * Takes one whole message off the front of {@code in}, if it is all there.
     *
     * @param maxLength the largest message accepted; a longer prefix is rejected before any payload
     *     is buffered, which bounds memory
     * @return the message bytes, or {@code null} when more input is needed
     */
    public static byte[] tryRead(ByteBuf in, int maxLength) {
        int start = in.readerIndex();
        long len = Varint.tryRead(in);
        if (len == Varint.INCOMPLETE) {
            return null;
        }
        if (len > maxLength) {
            throw new MalformedInputException(
                    "message of " + len + " bytes exceeds the limit of " + maxLength);
        }
        if (in.readableBytes() < len) {
            in.readerIndex(start);
            return null;
        }
        byte[] out = new byte[(int) len];
        in.readBytes(out);
        return out;
    }

    /**
     * @return {@code message} with its varint length prefix
     */
    public static ByteBuf encode(ByteBufAllocator alloc, byte[] message) {
        ByteBuf out = alloc.buffer(message.length + Varint.size(message.length));
        Varint.write(out, message.length);
        out.writeBytes(message);
        return out;
    }
}
