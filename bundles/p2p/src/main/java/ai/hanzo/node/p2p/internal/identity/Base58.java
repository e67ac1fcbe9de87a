package ai.hanzo.node.p2p.internal.identity;

import java.math.BigInteger;
import java.util.Arrays;

/** Base58 with the Bitcoin alphabet (multibase {@code z}, the legacy peer id text form). */
public final class Base58 {
    private static final String ALPHABET =
            "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final BigInteger BASE = BigInteger.valueOf(58);

    private Base58() {}

    /**
     * @return the text form of {@code data}
     */
    public static String encode(byte[] data) {
        // schoolbook base conversion on a digit array: gossipsub names the author of every
        // message this way, and BigInteger division was a measurable part of receiving one
        int zeros = 0;
        while (zeros < data.length && data[zeros] == 0) {
            zeros++;
        }
        byte[] digits = new byte[data.length * 138 / 100 + 1]; // log(256) / log(58) < 1.38
        int length = 0;
        for (int i = zeros; i < data.length; i++) {
            int carry = data[i] & 0xff;
            for (int j = 0; j < length; j++) {
                carry += (digits[j] & 0xff) << 8;
                digits[j] = (byte) (carry % 58);
                carry /= 58;
            }
            while (carry > 0) {
                digits[length++] = (byte) (carry % 58);
                carry /= 58;
            }
        }
        StringBuilder sb = new StringBuilder(zeros + length);
        for (int i = 0; i < zeros; i++) {
            sb.append('1');
        }
        for (int i = length - 1; i >= 0; i--) {
            sb.append(ALPHABET.charAt(digits[i]));
        }
        return sb.toString();
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not base58btc
     */
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
                throw new IllegalArgumentException(
                        "'" + text.charAt(i) + "' is not a base58btc character");
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
