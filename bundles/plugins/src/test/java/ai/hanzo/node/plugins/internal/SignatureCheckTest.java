package ai.hanzo.node.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signs real jars with the JDK's keytool and jarsigner and checks them. */
class SignatureCheckTest {
    @TempDir static Path work;

    private static Path trustedCert;

    @BeforeAll
    static void keys() throws Exception {
        for (String alias : List.of("trusted", "stranger")) {
            run(
                    "keytool",
                    "-genkeypair",
                    "-keystore",
                    work.resolve("keys.p12").toString(),
                    "-storetype",
                    "PKCS12",
                    "-storepass",
                    "changeit",
                    "-keypass",
                    "changeit",
                    "-alias",
                    alias,
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + alias,
                    "-validity",
                    "2");
        }
        trustedCert = work.resolve("trust/trusted.pem");
        Files.createDirectories(trustedCert.getParent());
        run(
                "keytool",
                "-exportcert",
                "-rfc",
                "-keystore",
                work.resolve("keys.p12").toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-alias",
                "trusted",
                "-file",
                trustedCert.toString());
    }

    @Test
    void aJarSignedByATrustedCertificatePasses() throws Exception {
        Path jar = sign(jar("good.jar"), "trusted");
        assertEquals(Optional.empty(), check().refusal(jar));
        assertEquals(Optional.empty(), check().refusal(jar.toUri().toString()));
    }

    @Test
    void anUnsignedJarIsRefused() throws Exception {
        assertEquals(
                Optional.of("not signed (trusted signatures are required)"),
                check().refusal(jar("unsigned.jar")));
    }

    @Test
    void aJarSignedByAnotherKeyIsRefusedNamingTheSigner() throws Exception {
        Optional<String> refusal = check().refusal(sign(jar("other.jar"), "stranger"));
        assertEquals(
                Optional.of("signed by CN=stranger, which is not a trusted certificate"), refusal);
    }

    @Test
    void aTamperedJarIsRefused() throws Exception {
        Path signed = sign(jar("tampered.jar"), "trusted");
        // same entries and manifest with its digests, but other content in one class
        Path tampered = work.resolve("tampered-2.jar");
        try (var in = new java.util.jar.JarFile(signed.toFile());
                OutputStream file = Files.newOutputStream(tampered);
                JarOutputStream out = new JarOutputStream(file)) {
            for (JarEntry entry : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new JarEntry(entry.getName()));
                byte[] bytes = in.getInputStream(entry).readAllBytes();
                if (entry.getName().equals("com/example/A.class")) {
                    bytes = "changed".getBytes(StandardCharsets.UTF_8);
                }
                out.write(bytes);
                out.closeEntry();
            }
        }
        Optional<String> refusal = check().refusal(tampered);
        assertTrue(refusal.orElseThrow().contains("com/example/A.class"), refusal.toString());
    }

    @Test
    void aLocationThatIsNeitherAFileNorMavenCannotBeChecked() throws Exception {
        assertTrue(
                check().refusal("http://example.com/plugin.jar")
                        .orElseThrow()
                        .contains("not installed from a file or a Maven location"));
        // no mvn: handler outside the framework: the reason says it could not be read
        String unread = check().refusal("mvn:com.example/plugin/1.0").orElseThrow();
        assertTrue(unread.contains("mvn:com.example/plugin/1.0 cannot be read"), unread);
    }

    @Test
    void signedBytesAreCheckedLikeAFile() throws Exception {
        Path jar = sign(jar("bytes.jar"), "trusted");
        assertEquals(Optional.empty(), check().refusal(Files.readAllBytes(jar)));
        Path stranger = sign(jar("bytes-stranger.jar"), "stranger");
        assertTrue(
                check().refusal(Files.readAllBytes(stranger))
                        .orElseThrow()
                        .contains("CN=stranger"));
    }

    @Test
    void missingCertificatesAreAnErrorNamingThePath() {
        IOException missing =
                org.junit.jupiter.api.Assertions.assertThrows(
                        IOException.class, () -> SignatureCheck.trusting(work.resolve("nothing")));
        assertTrue(missing.getMessage().contains("nothing"));
    }

    private static SignatureCheck check() throws IOException {
        return SignatureCheck.trusting(trustedCert.getParent());
    }

    private static Path jar(String name) throws IOException {
        Path jar = work.resolve(name);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        manifest.getMainAttributes().putValue("Hanzo-Plugin-Name", "example");
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.putNextEntry(new JarEntry("com/example/A.class"));
            out.write("not really a class, but content".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    private static Path sign(Path jar, String alias) throws Exception {
        run(
                "jarsigner",
                "-keystore",
                work.resolve("keys.p12").toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                jar.toString(),
                alias);
        return jar;
    }

    private static void run(String tool, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), tool + " finished");
        assertEquals(0, process.exitValue(), tool + ": " + output);
    }
}
