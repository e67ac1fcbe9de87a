package ai.hanzo.node.p2p.internal.transport;

import java.security.Provider;
import org.conscrypt.Conscrypt;

/**
 * The only class that names Conscrypt, so that its absence (or a native library that does not load)
 * surfaces as an error {@link ChaChaPoly} catches. The provider is used privately and never
 * registered with {@link java.security.Security}.
 */
final class ConscryptLoader {
    private ConscryptLoader() {}

    /**
     * @throws UnsatisfiedLinkError when the native library cannot load
     */
    static Provider provider() {
        // loads the native library (from java.library.path, else extracted to java.io.tmpdir)
        Conscrypt.checkAvailability();
        return Conscrypt.newProvider();
    }

    /**
     * @return e.g. "2.5.2" (the provider itself reports 1.0)
     */
    static String version() {
        Conscrypt.Version v = Conscrypt.version();
        return v == null ? "?" : v.major() + "." + v.minor() + "." + v.patch();
    }
}
