package ai.hanzo.node.runtime.docker.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * The private engine and registry that {@code src/test/sh/dockerd.sh} started before the
 * integration tests (Maven's pre-integration-test phase). When it could not start them, every test
 * fails with the script's reason.
 */
final class Dockerd {
    final String host;
    final String registry;
    final String image;
    final String network;
    final Path loadArchive;
    final String loadImage;
    final String pullImage;

    private Dockerd(Properties p) {
        host = p.getProperty("host");
        registry = p.getProperty("registry");
        image = p.getProperty("image");
        network = p.getProperty("network");
        loadArchive = Path.of(p.getProperty("loadArchive"));
        loadImage = p.getProperty("loadImage");
        pullImage = p.getProperty("pullImage");
    }

    /**
     * @return the engine, or a failed test saying why there is none
     */
    static Dockerd get() {
        String file = System.getProperty("dockerd.properties");
        if (file == null) {
            fail(
                    "dockerd.properties is not set: run the tests through Maven (mvn verify), whose"
                            + " pre-integration-test phase starts dockerd with src/test/sh/dockerd.sh");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            p.load(in);
        } catch (IOException e) {
            fail("dockerd was not started (" + file + " unreadable: " + e + ")");
        }
        if (p.getProperty("unavailable") != null) {
            fail("dockerd could not be started for the tests: " + p.getProperty("unavailable"));
        }
        return new Dockerd(p);
    }

    /**
     * @param registry the registry for references that name none, or empty
     * @param maxConnections the pool size
     * @return settings for a runtime on this engine
     */
    DockerSettings settings(String registry, int maxConnections) {
        return new DockerSettings(
                DockerSettings.parseHost(host),
                registry,
                Optional.empty(),
                network,
                Duration.ofSeconds(5),
                Duration.ofSeconds(60),
                maxConnections);
    }
}
