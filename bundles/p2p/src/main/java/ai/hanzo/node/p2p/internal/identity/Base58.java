package ai.hanzo.node.p2p.internal.identity;

import java.math.BigInteger;
import java.util.Arrays;

/** Base58 with the Bitcoin alphabet (multibase {@code z}, the legacy peer id text form). */
public final class Base58 {
    private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final BigInteger BASE = BigInteger.valueOf(58);

    private Base58() {
    }

    /** @return the text form of {@code data} */
    public static String encode(byte[] data) {
        StringBuilder sb = new StringBuilder();
        BigInteger n = new BigInteger(1, data);
        while (n.signum() > 0) {
            BigInteger[] qr = n.divideAndRemainder(BASE);
            sb.append(ALPHABET.charAt(qr[1].intValue()));
            n = qr[0];
        }
        for (int i = 0; i < data.length && data[i] == 0; i++) {
            sb.append('1');
        }
        return sb.reverse().toString();
    }

    /** @throws IllegalArgumentException when {@code text} is not base58btc */
    public static byte[] decode(String text) {
        if (text.length() > 1024) {
            throw new IllegalArgumentException("base58 text too long");
        }
        BigInteger n = BigInteger.ZERO;
        int zeros = 0;
        while (zeros < text.length() && text.charAt(zeros) == '1') {
            zeros++;
        }
        for (int i = 0; i < text.length(); i++) {
            int d = ALPHABET.indexOf(text.charAt(i));
            if (d < 0) {
                throw new IllegalArgumentException("'" + text.charAt(i) + "' is not a base58btc character");
            }
            n = n.multiply(BASE).add(BigInteger.valueOf(d));
        }
        byte[] mag = n.signum() == 0 ? new byte[0] : n.toByteArray();
        if (mag.length > 0 && mag[0] == 0) {
            mag = Arrays.copyOfRange(mag, 1, mag.length);
        }
        byte[] out = new byte[zeros + mag.length];
        System.arraycopy(mag, 0, out, zeros, mag.length);
        return out;
    }
}
