package ai.hanzo.node.p2p.internal.codec;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/** Feeds random and mutated inputs to a decoder; only a clean rejection is allowed. */
public final class Fuzz {
    private Fuzz() {}

    /**
     * @param seeds valid encodings to mutate
     * @param allowed exception types that count as a clean rejection
     */
    @SafeVarargs
    public static void run(
            String name,
            long seed,
            int iterations,
            List<byte[]> seeds,
            Consumer<byte[]> decoder,
            Class<? extends Throwable>... allowed) {
        Random r = new Random(seed);
        for (int i = 0; i < iterations; i++) {
            byte[] input =
                    i % 2 == 0 || seeds.isEmpty()
                            ? random(r)
                            : mutate(r, seeds.get(r.nextInt(seeds.size())));
            try {
                decoder.accept(input);
            } catch (MalformedInputException e) {
                // a clean rejection
            } catch (Throwable t) {
                boolean ok = false;
                for (Class<? extends Throwable> a : allowed) {
                    ok |= a.isInstance(t);
                }
                if (!ok) {
                    fail(
                            name
                                    + " failed on input "
                                    + java.util.HexFormat.of().formatHex(input)
                                    + " (seed "
                                    + seed
                                    + ", iteration "
                                    + i
                                    + ")",
                            t);
                }
            }
        }
    }

    private static byte[] random(Random r) {
        byte[] b = new byte[r.nextInt(64)];
        r.nextBytes(b);
        return b;
    }

    private static byte[] mutate(Random r, byte[] valid) {
        byte[] b = valid.clone();
        int kind = r.nextInt(4);
        if (kind == 0 && b.length > 0) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        } else if (kind == 1 && b.length > 0) {
            b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
        } else if (kind == 2 && b.length > 0) {
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            b[r.nextInt(b.length)] = (byte) 0xff;
        } else {
            byte[] extra = new byte[r.nextInt(8) + 1];
            r.nextBytes(extra);
            byte[] c = java.util.Arrays.copyOf(b, b.length + extra.length);
            System.arraycopy(extra, 0, c, b.length, extra.length);
            b = c;
        }
        return b;
    }
}
