package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * multistream-select 1.0 as a pure state machine over a byte buffer. The dialer proposes protocols
 * in order (moving on after {@code na}); the listener answers with the protocol or {@code na}. With
 * a single proposal the dialer is lazy: it sends header and proposal at once and may send protocol
 * data before the echo arrives.
 */
public final class MultistreamSelect {
    /** The protocol header. */
    public static final String HEADER = "/multistream/1.0.0";

    /** The answer to an unsupported protocol. */
    public static final String NA = "na";

    /** Longest accepted message, newline included (the spec bounds protocol ids well below). */
    static final int MAX_MESSAGE = 1024;

    /** What {@link #onInput} decided. */
    public enum State {
        NEGOTIATING,
        SELECTED
    }

    private final boolean dialer;
    private final Deque<String> proposals;
    private final Predicate<String> supported;
    private static final int MAX_REFUSALS = 32;
    private boolean headerReceived;
    private int refused;
    private String selected;

    private MultistreamSelect(boolean dialer, List<String> proposals, Predicate<String> supported) {
        this.dialer = dialer;
        this.proposals = new ArrayDeque<>(proposals);
        this.supported = supported;
    }

    /**
     * @param proposals protocols in order of preference
     */
    public static MultistreamSelect dialer(List<String> proposals) {
        if (proposals.isEmpty()) {
            throw new IllegalArgumentException("nothing to propose");
        }
        return new MultistreamSelect(true, proposals, p -> false);
    }

    /**
     * @param supported which protocol ids this side accepts
     */
    public static MultistreamSelect listener(Predicate<String> supported) {
        return new MultistreamSelect(false, List.of(), supported);
    }

    /**
     * @return the bytes the dialer sends first: header and first proposal
     */
    public ByteBuf start(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        writeLine(out, HEADER);
        if (dialer) {
            writeLine(out, proposals.peekFirst());
        }
        return out;
    }

    /**
     * @return the protocol the dialer currently proposes (the lazy choice)
     */
    public String proposal() {
        return proposals.peekFirst();
    }

    /**
     * @return the agreed protocol, once {@link State#SELECTED}
     */
    public String selected() {
        return selected;
    }

    /**
     * Consumes whole messages from {@code in} until the negotiation ends or input runs out;
     * leftover bytes after the selection stay in {@code in} for the protocol.
     *
     * @param reply receives the bytes to send back
     * @throws NegotiationException when the peer supports none of the proposals or misbehaves
     */
    public State onInput(
            ByteBuf in, ByteBufAllocator alloc, java.util.function.Consumer<ByteBuf> reply) {
        while (selected == null) {
            byte[] msg = LengthPrefixed.tryRead(in, MAX_MESSAGE);
            if (msg == null) {
                return State.NEGOTIATING;
            }
            if (msg.length == 0 || msg[msg.length - 1] != '\n') {
                throw new MalformedInputException("multistream message without trailing newline");
            }
            String line = new String(msg, 0, msg.length - 1, StandardCharsets.UTF_8);
            if (!headerReceived) {
                if (!HEADER.equals(line)) {
                    throw new NegotiationException(
                            "peer does not speak " + HEADER + " (sent '" + printable(line) + "')");
                }
                headerReceived = true;
                if (!dialer) {
                    reply.accept(encode(alloc, HEADER));
                }
                continue;
            }
            if (dialer) {
                String proposed = proposals.peekFirst();
                if (line.equals(proposed)) {
                    selected = proposed;
                } else if (line.equals(NA)) {
                    proposals.removeFirst();
                    if (proposals.isEmpty()) {
                        throw new NegotiationException(
                                "peer supports none of the proposed protocols");
                    }
                    reply.accept(encode(alloc, proposals.peekFirst()));
                } else {
                    throw new NegotiationException(
                            "peer answered '" + printable(line) + "' to '" + proposed + "'");
                }
            } else if (!line.equals("ls") && supported.test(line)) {
                selected = line;
                reply.accept(encode(alloc, line));
            } else {
                if (++refused > MAX_REFUSALS) {
                    throw new NegotiationException(
                            "peer proposed " + refused + " unsupported protocols");
                }
                reply.accept(encode(alloc, NA));
            }
        }
        return State.SELECTED;
    }

    private static String printable(String s) {
        String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static void writeLine(ByteBuf out, String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        ai.hanzo.node.p2p.internal.codec.Varint.write(out, b.length);
        out.writeBytes(b);
    }

    /**
     * @return one multistream message: varint length, text, newline
     */
    public static ByteBuf encode(ByteBufAllocator alloc, String line) {
        return LengthPrefixed.encode(alloc, (line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The negotiation failed; the stream or connection is closed. */
    public static final class NegotiationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NegotiationException(String message) {
            super(message);
        }
    }
}
