package ai.hanzo.node.p2p.internal.transport;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Locale;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ChaCha20-Poly1305 implementation Noise uses: Conscrypt (BoringSSL, embedded in the bundle)
 * when its native library loads, else the JDK's. JDK 17's cipher is pure Java and caps one
 * connection at about 300 MiB/s per core; BoringSSL's is several times faster.
 *
 * <p>{@value #PROPERTY} = {@code auto} (default), {@code conscrypt} or {@code jdk}. Chosen once per
 * class loader and logged at INFO; a failure to load Conscrypt never fails the node.
 */
final class ChaChaPoly {
    /** System property that forces a provider. */
    static final String PROPERTY = "hanzo.p2p.noise.provider";

    /** The JDK's name; Conscrypt registers it as an alias of "ChaCha20/Poly1305/NoPadding". */
    static final String TRANSFORMATION = "ChaCha20-Poly1305";

    private static volatile ChaChaPoly selected;

    private final Logger logger = LoggerFactory.getLogger(ChaChaPoly.class);

    /** {@code null}: the JDK's default provider. */
    private final Provider provider;

    private final String name;

    /** Why Conscrypt is not used although it was not refused, or {@code null}. */
    private final String note;

    private final Throwable cause;

    private ChaChaPoly(Provider provider, String name, String note, Throwable cause) {
        this.provider = provider;
        this.name = name;
        this.note = note;
        this.cause = cause;
    }

    /**
     * @return the implementation chosen for this class loader (chosen and logged on first use)
     */
    static ChaChaPoly get() {
        ChaChaPoly c = selected;
        if (c == null) {
            synchronized (ChaChaPoly.class) {
                c = selected;
                if (c == null) {
                    c = select(System.getProperty(PROPERTY, "auto"), ChaChaPoly::loadConscrypt);
                    if (c.note != null) {
                        c.logger.info("{}", c.note);
                        c.logger.debug("Conscrypt load failure", c.cause);
                    }
                    c.logger.info("Noise uses ChaCha20-Poly1305 from {}", c.name);
                    selected = c;
                }
            }
        }
        return c;
    }

    /**
     * @return the JDK's implementation
     */
    static ChaChaPoly jdk() {
        return jdk(null, null);
    }

    private static ChaChaPoly jdk(String note, Throwable cause) {
        return new ChaChaPoly(null, "the JDK (" + jdkProviderName() + ")", note, cause);
    }

    /**
     * @param preference {@code auto}, {@code conscrypt} or {@code jdk}
     * @param conscrypt gives Conscrypt's provider; may throw any {@link Throwable} the class or its
     *     native library throws when it cannot load
     */
    static ChaChaPoly select(String preference, Supplier<Provider> conscrypt) {
        String p = preference.trim().toLowerCase(Locale.ROOT);
        if (p.equals("jdk")) {
            return jdk();
        }
        String unknown =
                p.equals("auto") || p.equals("conscrypt")
                        ? ""
                        : "Unknown "
                                + PROPERTY
                                + "="
                                + preference
                                + " (expected auto, conscrypt or jdk); ";
        try {
            Provider provider = conscrypt.get();
            ChaChaPoly c =
                    new ChaChaPoly(
                            provider,
                            "Conscrypt " + conscryptVersion() + " (BoringSSL)",
                            unknown.isEmpty() ? null : unknown + "trying Conscrypt",
                            null);
            c.selfTest();
            return c;
        } catch (
                Throwable
                        e) { // NOPMD: UnsatisfiedLinkError, NoClassDefFoundError and the like mean
            // "not here"
            return jdk(
                    unknown
                            + "Conscrypt is not usable here ("
                            + e
                            + "); falling back to the JDK's ChaCha20-Poly1305",
                    e);
        }
    }

    /** Loads the embedded Conscrypt; its own class keeps Conscrypt's absence a catchable error. */
    private static Provider loadConscrypt() {
        return ConscryptLoader.provider();
    }

    private static String conscryptVersion() {
        try {
            return ConscryptLoader.version();
        } catch (LinkageError e) {
            return "?";
        }
    }

    private static String jdkProviderName() {
        try {
            return Cipher.getInstance(TRANSFORMATION).getProvider().getName();
        } catch (GeneralSecurityException e) {
            return "unavailable";
        }
    }

    /** One seal and open, so a provider that loads but does not work is not chosen. */
    private void selfTest() throws GeneralSecurityException {
        SecretKeySpec key = new SecretKeySpec(new byte[32], "ChaCha20");
        IvParameterSpec iv = new IvParameterSpec(new byte[12]);
        Cipher c = newCipher();
        c.init(Cipher.ENCRYPT_MODE, key, iv);
        byte[] sealed = c.doFinal(new byte[] {1, 2, 3});
        c = newCipher();
        c.init(Cipher.DECRYPT_MODE, key, iv);
        byte[] opened = c.doFinal(sealed);
        if (sealed.length != 3 + NoiseCipherState.TAG_LENGTH
                || opened.length != 3
                || opened[2] != 3) {
            throw new GeneralSecurityException("ChaCha20-Poly1305 self-test failed");
        }
    }

    /**
     * @return a new, uninitialised cipher
     */
    Cipher newCipher() throws GeneralSecurityException {
        return provider == null
                ? Cipher.getInstance(TRANSFORMATION)
                : Cipher.getInstance(TRANSFORMATION, provider);
    }

    /**
     * @return whether this implementation works on direct memory without copying (Conscrypt seals
     *     and opens direct ByteBuffers natively; the JDK's works on arrays)
     */
    boolean prefersDirect() {
        return provider != null;
    }

    /**
     * @return whether this is Conscrypt
     */
    boolean isConscrypt() {
        return provider != null;
    }

    /**
     * @return a human-readable name, e.g. for logs and benchmarks
     */
    String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
