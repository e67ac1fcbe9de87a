package ai.hanzo.node.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Locale;

/**
 * Amounts of the chain's native token: wei as a whole number ({@code 1500000000000000000}) or with
 * a unit ({@code 1.5lux}, {@code 2gwei}, {@code 7wei}); LUX has 18 decimals like ether.
 */
final class Wei {
    private static final int LUX_DECIMALS = 18;

    private Wei() {}

    /**
     * @param text the amount as typed
     * @param flag the flag it came from, for the error
     * @return the positive amount in wei
     * @throws CliException when it is not a positive whole number of wei
     */
    static BigInteger parse(String text, String flag) throws CliException {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        int decimals = 0;
        if (value.endsWith("lux")) {
            decimals = LUX_DECIMALS;
            value = value.substring(0, value.length() - 3).trim();
        } else if (value.endsWith("gwei")) {
            decimals = 9;
            value = value.substring(0, value.length() - 4).trim();
        } else if (value.endsWith("wei")) {
            value = value.substring(0, value.length() - 3).trim();
        }
        BigInteger wei;
        try {
            if (!value.matches("[0-9]+(\\.[0-9]+)?")) {
                throw new ArithmeticException();
            }
            wei = new BigDecimal(value).movePointRight(decimals).toBigIntegerExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new CliException(
                    ExitCode.USAGE,
                    "invalid "
                            + flag
                            + " '"
                            + text
                            + "': give wei as a whole number (1500000000000000000) or an amount"
                            + " with a unit (1.5lux, 2gwei); at most 18 decimals of lux");
        }
        if (wei.signum() <= 0) {
            throw new CliException(ExitCode.USAGE, flag + " must be more than 0 wei");
        }
        return wei;
    }

    /**
     * @param wei an amount in wei
     * @return it in LUX, without trailing zeros ({@code 1.5 LUX})
     */
    static String lux(BigInteger wei) {
        BigDecimal lux = new BigDecimal(wei).movePointLeft(LUX_DECIMALS).stripTrailingZeros();
        return (lux.signum() == 0 ? "0" : lux.toPlainString()) + " LUX";
    }

    /**
     * @param decimal a wei amount as the wire carries it (decimal string)
     * @return "N wei (x LUX)"
     */
    static String describe(String decimal) {
        if (decimal == null || decimal.isEmpty()) {
            return "-";
        }
        try {
            return decimal + " wei (" + lux(new BigInteger(decimal)) + ")";
        } catch (NumberFormatException e) {
            return decimal;
        }
    }
}
