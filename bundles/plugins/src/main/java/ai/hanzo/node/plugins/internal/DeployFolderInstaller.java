package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.AlreadyExistsException;
import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginEvents;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginInstaller;
import ai.hanzo.node.api.plugin.PluginKind;
import ai.hanzo.node.api.plugin.PluginRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PluginInstaller} through the {@code deploy/} folder: a plugin jar, a KAR or a features XML
 * is checked (it carries exactly one bundle with a valid plugin descriptor), written aside (a
 * features XML wrapped in a KAR) and moved in, so File Install (for a KAR, Karaf's KAR deployer)
 * installs, updates and removes it exactly as when an operator drops the file, with no refresh
 * beyond the plugin. Each call then waits for the extender to report the plugin settled.
 */
@Component(service = PluginInstaller.class)
public final class DeployFolderInstaller implements PluginInstaller {
    private static final Pattern FILE_NAME =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\.(jar|kar)");
    private static final Pattern PLUGIN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern MVN = Pattern.compile("mvn:[^/\\s]+/[^/\\s]+/[^/\\s]+(/[^\\s]*)?");
    private static final int MAX_JAR_BYTES = 512 << 20;

    private final Logger logger = LoggerFactory.getLogger(DeployFolderInstaller.class);
    private final BundleContext context;
    private final PluginRegistry registry;
    private final EventBus events;
    private final Path deploy;

    /**
     * @param context gives {@code karaf.base}, whose {@code deploy/} File Install watches
     * @param registry what the extender sees
     * @param events plugin events, to wake up waiting calls
     */
    @Activate
    public DeployFolderInstaller(
            BundleContext context, @Reference PluginRegistry registry, @Reference EventBus events) {
        this(context, registry, events, deployFolder(context));
    }

    DeployFolderInstaller(
            BundleContext context, PluginRegistry registry, EventBus events, Path deploy) {
        this.context = context;
        this.registry = registry;
        this.events = events;
        this.deploy = deploy;
    }

    private static Path deployFolder(BundleContext context) {
        String base = context.getProperty("karaf.base");
        return Path.of(base == null || base.isBlank() ? "." : base, "deploy");
    }

    /** A jar's plugin name and bundle version, read from its manifest. */
    record JarPlugin(String name, String version) {}

    /**
     * @param jar a jar's bytes
     * @return its plugin name and version
     * @throws InvalidArgumentException if it is no jar, no bundle, or no plugin
     */
    static JarPlugin inspect(byte[] jar) {
        Manifest manifest;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            manifest = in.getManifest();
        } catch (IOException e) {
            throw new InvalidArgumentException("not a jar: " + e.getMessage());
        }
        if (manifest == null) {
            throw new InvalidArgumentException("not a plugin: no manifest (is it a jar?)");
        }
        Attributes main = manifest.getMainAttributes();
        if (main.getValue("Bundle-SymbolicName") == null) {
            throw new InvalidArgumentException(
                    "not a plugin: the jar is no OSGi bundle (no Bundle-SymbolicName)");
        }
        String name = main.getValue(PluginDescriptor.NAME_HEADER);
        if (name == null) {
            throw new InvalidArgumentException(
                    "not a plugin: the bundle has no " + PluginDescriptor.NAME_HEADER + " header");
        }
        if (!PLUGIN_NAME.matcher(name.strip()).matches()) {
            throw new InvalidArgumentException(
                    "bad plugin name '"
                            + name
                            + "': letters, digits, '.', '-' and '_', at most 64");
        }
        String version = main.getValue("Bundle-Version");
        return new JarPlugin(name.strip(), version == null ? "0.0.0" : version.strip());
    }

    @Override
    public PluginInfo install(String fileName, byte[] jar, Duration wait) {
        PluginArchives.Archive archive = PluginArchives.inspect(jar, DeployFolderInstaller::read);
        JarPlugin plugin = archive.plugin();
        String file = fileName.isBlank() ? archive.defaultFileName() : fileName;
        if (archive.kind() == PluginArchives.Kind.FEATURES && file.endsWith(".xml")) {
            file = file.substring(0, file.length() - ".xml".length()) + ".kar";
        }
        if (!FILE_NAME.matcher(file).matches()) {
            throw new InvalidArgumentException(
                    "bad file name '"
                            + fileName
                            + "': letters, digits, '.', '-' and '_', ending in .jar or .kar");
        }
        if (!file.endsWith("." + archive.kind().extension)) {
            // File Install picks the deployer by the extension
            throw new InvalidArgumentException(
                    "file name '"
                            + file
                            + "': "
                            + archive.kind().label
                            + " goes into deploy/ as a ."
                            + archive.kind().extension
                            + " file");
        }
        if (registry.get(plugin.name()).isPresent()) {
            throw new AlreadyExistsException(
                    "plugin " + plugin.name() + " is installed: update or uninstall it first");
        }
        if (Files.exists(deploy.resolve(file))) {
            throw new AlreadyExistsException(
                    "deploy/" + file + " exists already: choose another file name");
        }
        write(file, written(archive, jar));
        logger.info(
                "Plugin {} {} written to deploy/{} ({})",
                plugin.name(),
                plugin.version(),
                file,
                archive.kind().label);
        return awaitSettled(plugin.name(), info -> true, wait, "installed");
    }

    @Override
    public PluginInfo installFrom(String location, Duration wait) {
        return install("", read(location), wait);
    }

    /**
     * Reads a jar from a location: {@code mvn:} through the framework's URL handler (Karaf's Maven
     * resolver, its configured repositories), or a {@code file:} URI.
     */
    static byte[] read(String location) {
        String where = location.strip();
        if (!MVN.matcher(where).matches() && !where.startsWith("file:")) {
            throw new InvalidArgumentException(
                    "location '"
                            + location
                            + "': give mvn:group/artifact/version or a file: URI (or send the jar)");
        }
        try (InputStream in =
                where.startsWith("file:")
                        ? Files.newInputStream(Path.of(URI.create(where)))
                        : new URL(where).openStream()) {
            byte[] bytes = in.readNBytes(MAX_JAR_BYTES + 1);
            if (bytes.length > MAX_JAR_BYTES) {
                throw new InvalidArgumentException(location + " is larger than 512 MiB");
            }
            return bytes;
        } catch (MalformedURLException e) {
            throw new InvalidArgumentException(
                    "cannot read "
                            + location
                            + ": no handler for it on this node ("
                            + e.getMessage()
                            + ")");
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidArgumentException("cannot read " + location + ": " + e.getMessage());
        }
    }

    @Override
    public PluginInfo update(String name, byte[] jar, Duration wait) {
        PluginInfo current = registry.get(name).orElseThrow(() -> notInstalled(name));
        PluginArchives.Archive archive = PluginArchives.inspect(jar, DeployFolderInstaller::read);
        JarPlugin plugin = archive.plugin();
        if (!plugin.name().equals(name)) {
            throw new InvalidArgumentException(
                    archive.kind().label + " is plugin " + plugin.name() + ", not " + name);
        }
        Path file =
                deployFile(current)
                        .or(() -> archiveFile(name))
                        .orElseThrow(
                                () ->
                                        new NodeException(
                                                ErrorCode.FAILED_PRECONDITION,
                                                "plugin "
                                                        + name
                                                        + " was not installed through deploy/ ("
                                                        + current.location()
                                                        + "): update it where it came from"));
        boolean xmlFile = file.getFileName().toString().endsWith(".xml");
        if (xmlFile && archive.kind() == PluginArchives.Kind.FEATURES) {
            // dropped as a features XML: the new XML replaces it, PluginFileDeployer updates
            write(file.getFileName().toString(), jar);
            logger.info("Plugin {} updated to {}", name, plugin.version());
            return awaitSettled(
                    name,
                    info -> info.descriptor().version().equals(plugin.version()),
                    wait,
                    "updated to " + plugin.version());
        }
        if (!file.getFileName().toString().endsWith("." + archive.kind().extension)) {
            throw new InvalidArgumentException(
                    "plugin "
                            + name
                            + " came from deploy/"
                            + file.getFileName()
                            + ": update it with the same kind of file, not "
                            + archive.kind().label);
        }
        write(file.getFileName().toString(), written(archive, jar));
        logger.info("Plugin {} updated to {}", name, plugin.version());
        return awaitSettled(
                name,
                info -> info.descriptor().version().equals(plugin.version()),
                wait,
                "updated to " + plugin.version());
    }

    @Override
    public void uninstall(String name, Duration wait) {
        PluginInfo current = registry.get(name).orElseThrow(() -> notInstalled(name));
        Optional<Path> file = deployFile(current).or(() -> archiveFile(name));
        try {
            if (file.isPresent()) {
                Files.deleteIfExists(file.get());
            } else if (current.bundleId() > 0) {
                Bundle bundle = context.getBundle(current.bundleId());
                if (bundle != null) {
                    bundle.uninstall();
                }
            }
        } catch (IOException | BundleException e) {
            throw new NodeException(
                    ErrorCode.INTERNAL,
                    "cannot uninstall plugin " + name + ": " + e.getMessage(),
                    e);
        }
        logger.info("Plugin {} uninstalled", name);
        await(name, Optional::isEmpty, wait, "uninstalled");
    }

    private static NotFoundException notInstalled(String name) {
        return new NotFoundException("no plugin " + name + " is installed");
    }

    /** The plugin's jar in deploy/, when File Install installed it from there. */
    private Optional<Path> deployFile(PluginInfo info) {
        String location = info.location();
        try {
            Path path =
                    location.startsWith("file:")
                            ? Path.of(URI.create(location))
                            : Path.of(location);
            Path parent = path.toAbsolutePath().normalize().getParent();
            if (parent != null
                    && Files.exists(deploy)
                    && Files.isSameFile(parent, deploy)
                    && Files.exists(path)) {
                return Optional.of(path);
            }
        } catch (IOException | RuntimeException e) {
            // not a file location
        }
        return Optional.empty();
    }

    /** What goes into deploy/: the file itself, or a features XML wrapped in a KAR. */
    private static byte[] written(PluginArchives.Archive archive, byte[] bytes) {
        return archive.kind() == PluginArchives.Kind.FEATURES
                ? PluginArchives.karOf(bytes, archive.plugin())
                : bytes;
    }

    /**
     * The KAR or features XML in deploy/ that carries the plugin: its bundles have the locations
     * Karaf's features service gave them ({@code mvn:}, or the XML's {@code file:}), not the
     * file's.
     */
    private Optional<Path> archiveFile(String name) {
        if (!Files.isDirectory(deploy)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(deploy)) {
            for (Path file :
                    files.filter(
                                    f -> {
                                        String n = f.getFileName().toString();
                                        return n.endsWith(".kar") || n.endsWith(".xml");
                                    })
                            .sorted()
                            .toList()) {
                try {
                    if (Files.size(file) <= MAX_JAR_BYTES
                            && PluginArchives.inspect(
                                            Files.readAllBytes(file), DeployFolderInstaller::read)
                                    .plugin()
                                    .name()
                                    .equals(name)) {
                        return Optional.of(file);
                    }
                } catch (IOException | NodeException e) {
                    logger.debug(
                            "deploy/{} is no plugin archive: {}",
                            file.getFileName(),
                            e.getMessage());
                }
            }
        } catch (IOException e) {
            logger.warn("Cannot list deploy/: {}", e.getMessage());
        }
        return Optional.empty();
    }

    /** Written aside and moved in, so File Install never reads half a file. */
    private void write(String file, byte[] jar) {
        try {
            Files.createDirectories(deploy);
            Path part = deploy.resolveSibling(file + ".part");
            Files.write(part, jar);
            Files.move(
                    part,
                    deploy.resolve(file),
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new NodeException(
                    ErrorCode.INTERNAL, "cannot write deploy/" + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the plugin is settled: active with its runtimes or engines registered,
     * unavailable, or failed, and matching {@code also}.
     */
    private PluginInfo awaitSettled(
            String name, Predicate<PluginInfo> also, Duration wait, String what) {
        Optional<PluginInfo> info =
                await(
                        name,
                        found ->
                                found.isPresent() && settled(found.get()) && also.test(found.get()),
                        wait,
                        what);
        return info.orElseThrow();
    }

    private static boolean settled(PluginInfo info) {
        return switch (info.state()) {
            case FAILED, UNAVAILABLE -> true;
            case ACTIVE ->
                    info.descriptor().kind() == PluginKind.OTHER || !info.provides().isEmpty();
            case INSTALLED -> false;
        };
    }

    private Optional<PluginInfo> await(
            String name, Predicate<Optional<PluginInfo>> done, Duration wait, String what) {
        LinkedBlockingQueue<Object> wake = new LinkedBlockingQueue<>();
        Subscription subscription =
                events.subscribe(
                        Set.of(
                                PluginEvents.INSTALLED,
                                PluginEvents.STARTED,
                                PluginEvents.ACTIVE,
                                PluginEvents.UNAVAILABLE,
                                PluginEvents.FAILED,
                                PluginEvents.STOPPED,
                                PluginEvents.UNINSTALLED),
                        event -> wake.add(event));
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                Optional<PluginInfo> now = registry.get(name);
                if (done.test(now)) {
                    return now;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    // not DEADLINE_EXCEEDED: that would read as the caller's own deadline
                    throw new FailedPreconditionException(
                            "plugin "
                                    + name
                                    + " was not "
                                    + what
                                    + " within "
                                    + wait.toSeconds()
                                    + " s (now: "
                                    + now.map(DeployFolderInstaller::describe)
                                            .orElse("not installed")
                                    + "; File Install polls deploy/ every 250 ms)");
                }
                // events wake us at once; the poll bounds a missed one
                wake.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(
                    ErrorCode.UNAVAILABLE, "interrupted waiting for plugin " + name, e);
        } finally {
            subscription.close();
        }
    }

    private static String describe(PluginInfo info) {
        return info.state().name().toLowerCase()
                + (info.reason().isBlank() ? "" : " (" + info.reason() + ")")
                + ", version "
                + info.descriptor().version();
    }
}
