package ai.hanzo.node.plugins.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSigner;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Checks that a plugin jar is signed (jarsigner) by a trusted certificate: every entry outside
 * META-INF must be signed, and one certificate of each entry's signer chain must be trusted. A
 * multi-bundle plugin (KAR, features XML) is checked bundle by bundle: each jar is signed.
 */
final class SignatureCheck {
    private final Set<X509Certificate> trusted;

    private SignatureCheck(Set<X509Certificate> trusted) {
        this.trusted = Set.copyOf(trusted);
    }

    /**
     * @param source a PEM or DER certificate file, or a directory of them
     * @return a check trusting those certificates
     * @throws IOException when the certificates cannot be read (the message names the file)
     */
    static SignatureCheck trusting(Path source) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(source)) {
            try (Stream<Path> listing = Files.list(source)) {
                listing.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        } else if (Files.isRegularFile(source)) {
            files.add(source);
        } else {
            throw new IOException("no trusted certificates at " + source);
        }
        Set<X509Certificate> certificates = new HashSet<>();
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (Certificate certificate :
                        CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    certificates.add((X509Certificate) certificate);
                }
            } catch (GeneralSecurityException bad) {
                throw new IOException(file + " is not an X.509 certificate: " + bad.getMessage());
            }
        }
        return new SignatureCheck(certificates);
    }

    /**
     * @return how many certificates are trusted
     */
    int trustedCount() {
        return trusted.size();
    }

    /**
     * @param trustedCertificates the setting: a file or a directory, relative to the node's {@code
     *     etc/}
     * @return where the trusted certificates are
     */
    static Path source(String trustedCertificates) {
        Path source = Path.of(trustedCertificates);
        return source.isAbsolute()
                ? source
                : Path.of(System.getProperty("karaf.etc", "etc")).resolve(source);
    }

    /**
     * @param location the bundle's location: a {@code file:} jar, or an {@code mvn:} one read
     *     through the framework's URL handler (Karaf's Maven resolver: how a KAR's or a features
     *     XML's bundles are installed)
     * @return why the plugin is refused, or empty when it is signed by a trusted certificate
     */
    Optional<String> refusal(String location) {
        String lower = location.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mvn:")) {
            try (InputStream in = new URL(location).openStream()) {
                return refusal(in.readAllBytes());
            } catch (IOException | RuntimeException unreadable) {
                return Optional.of(
                        "its signature cannot be checked: "
                                + location
                                + " cannot be read ("
                                + unreadable.getMessage()
                                + ")");
            }
        }
        if (!lower.startsWith("file:")) {
            return Optional.of(
                    "its signature cannot be checked: not installed from a file or a Maven"
                            + " location ("
                            + location
                            + ")");
        }
        Path jar;
        try {
            jar = Path.of(URI.create(location));
        } catch (IllegalArgumentException bad) {
            return Optional.of("its signature cannot be checked: bad location " + location);
        }
        return refusal(jar);
    }

    /**
     * @param jar a jar's bytes
     * @return why it is refused, or empty when it is signed by a trusted certificate
     */
    Optional<String> refusal(byte[] jar) {
        Path copy = null;
        try {
            // JarFile verifies signatures; it reads files only
            copy = Files.createTempFile("hanzo-plugin-check", ".jar");
            Files.write(copy, jar);
            return refusal(copy);
        } catch (IOException e) {
            return Optional.of("its signature cannot be checked: " + e.getMessage());
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // a temporary file; the JVM's temp folder is cleaned on its own
                }
            }
        }
    }

    /**
     * @param jar a plugin jar
     * @return why the plugin is refused, or empty when it is signed by a trusted certificate
     */
    Optional<String> refusal(Path jar) {
        boolean anySigned = false;
        try (JarFile file = new JarFile(jar.toFile(), true)) {
            byte[] buffer = new byte[8192];
            for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements(); ) {
                JarEntry entry = entries.nextElement();
                if (entry.isDirectory() || entry.getName().startsWith("META-INF/")) {
                    continue;
                }
                // the signature of an entry is verified while it is read
                try (InputStream in = file.getInputStream(entry)) {
                    while (in.read(buffer) >= 0) {
                        // read to the end
                    }
                } catch (SecurityException tampered) {
                    return Optional.of(
                            "bad signature on " + entry.getName() + ": " + tampered.getMessage());
                }
                CodeSigner[] signers = entry.getCodeSigners();
                if (signers == null || signers.length == 0) {
                    return Optional.of(
                            anySigned
                                    ? entry.getName() + " is not signed"
                                    : "not signed (trusted signatures are required)");
                }
                anySigned = true;
                if (!signedByTrusted(signers)) {
                    return Optional.of(
                            "signed by "
                                    + subjectOf(signers[0])
                                    + ", which is not a trusted certificate");
                }
            }
        } catch (IOException | SecurityException unreadable) {
            return Optional.of("its signature cannot be checked: " + unreadable.getMessage());
        }
        return anySigned
                ? Optional.empty()
                : Optional.of("not signed (it has no classes or resources)");
    }

    private boolean signedByTrusted(CodeSigner[] signers) {
        for (CodeSigner signer : signers) {
            for (Certificate certificate : signer.getSignerCertPath().getCertificates()) {
                if (trusted.contains(certificate)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String subjectOf(CodeSigner signer) {
        List<? extends Certificate> chain = signer.getSignerCertPath().getCertificates();
        return chain.isEmpty()
                ? "an empty certificate chain"
                : ((X509Certificate) chain.get(0)).getSubjectX500Principal().getName();
    }
}
