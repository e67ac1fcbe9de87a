package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginRegistry;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.apache.karaf.kar.KarService;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs multi-bundle plugins dropped into {@code deploy/} (File Install hands them here): a KAR,
 * or a features XML, which is wrapped into a KAR of its own in this bundle's data folder. The file
 * is checked first as {@code plugin install} checks it (one plugin bundle, every bundle readable;
 * with {@code requireSignatures}, every bundle jar signed by a trusted certificate), then installed
 * through Karaf's KAR service, whose feature installs refresh nothing
 * (etc/org.apache.karaf.kar.cfg). Replacing the file updates the plugin, deleting it uninstalls it.
 * A refused file is listed as a failed plugin with the reason, logged once, and changes nothing
 * installed (a refused update leaves the installed version running).
 *
 * <p>Karaf's own KAR deployer is not in the node's feature because it installs whatever it is
 * given; the ranking keeps this deployer first for a {@code .kar} should an operator add it back.
 * Karaf's features deployer is not used for the XML: it fails at every start of a node that
 * installed no feature at boot.
 */
@Component(
        service = ArtifactInstaller.class,
        configurationPid = "ai.hanzo.node.plugins",
        property = "service.ranking:Integer=100")
public final class PluginFileDeployer implements ArtifactInstaller {
    private static final String KARAF_FEATURES_NS = "http://karaf.apache.org/xmlns/features/";
    private static final long MAX_FILE_BYTES = 512L << 20;

    private final Logger logger = LoggerFactory.getLogger(PluginFileDeployer.class);
    private final KarService kars;
    private final DeployProblems problems;
    private final PluginRegistry registry;
    private final Path work;
    // why a bundle jar is refused (empty: trusted); null when signatures are not required
    private final Function<byte[], Optional<String>> signature;
    // XML files left alone, by the modification time they were looked at: one log line each
    private final Map<Path, Long> ignored = new ConcurrentHashMap<>();

    /**
     * @param context gives the data folder where wrapped KARs and checksums are kept
     * @param kars Karaf's KAR service, which installs a KAR's features
     * @param problems where refused files are recorded for the plugin list
     * @param registry the plugins installed, so one is not installed twice
     * @param config the extender's settings: whether signatures are required, and by whom
     */
    @Activate
    public PluginFileDeployer(
            BundleContext context,
            @Reference KarService kars,
            @Reference DeployProblems problems,
            @Reference PluginRegistry registry,
            PluginExtender.Config config) {
        this(kars, problems, registry, workFolder(context), signatureCheck(config));
    }

    PluginFileDeployer(
            KarService kars,
            DeployProblems problems,
            PluginRegistry registry,
            Path work,
            Function<byte[], Optional<String>> signature) {
        this.kars = kars;
        this.problems = problems;
        this.registry = registry;
        this.work = work;
        this.signature = signature;
    }

    private static Path workFolder(BundleContext context) {
        File data = context.getDataFile("plugin-files");
        if (data != null) {
            return data.toPath();
        }
        return Path.of(System.getProperty("karaf.data", "data"), "hanzo-plugin-files");
    }

    private static Function<byte[], Optional<String>> signatureCheck(PluginExtender.Config config) {
        if (!config.requireSignatures()) {
            return null;
        }
        Path source = SignatureCheck.source(config.trustedCertificates());
        try {
            SignatureCheck check = SignatureCheck.trusting(source);
            return check::refusal;
        } catch (IOException unreadable) {
            String reason = "trusted certificates cannot be read: " + unreadable.getMessage();
            return jar -> Optional.of(reason);
        }
    }

    /** What an XML file in deploy/ is, by its root element. */
    enum XmlKind {
        /** a Karaf features repository: installed here */
        FEATURES,
        /** meant as one (it names Karaf's features namespace) but not well-formed: refused here */
        MALFORMED_FEATURES,
        /** anything else: left alone */
        OTHER
    }

    /**
     * @param xml a file's bytes
     * @return whether its root element is a Karaf {@code <features>} (in a Karaf features
     *     namespace, or in none, as Karaf accepts)
     */
    static XmlKind kindOf(byte[] xml) {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        try {
            XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(xml));
            try {
                while (reader.hasNext()) {
                    if (reader.next() == XMLStreamConstants.START_ELEMENT) {
                        String ns = reader.getNamespaceURI();
                        boolean karafNs =
                                ns == null || ns.isEmpty() || ns.startsWith(KARAF_FEATURES_NS);
                        return "features".equals(reader.getLocalName()) && karafNs
                                ? XmlKind.FEATURES
                                : XmlKind.OTHER;
                    }
                }
            } finally {
                reader.close();
            }
        } catch (XMLStreamException notXml) {
            // refused below only when it means to be a features XML
        }
        return new String(xml, StandardCharsets.UTF_8).contains(KARAF_FEATURES_NS)
                ? XmlKind.MALFORMED_FEATURES
                : XmlKind.OTHER;
    }

    @Override
    public boolean canHandle(File artifact) {
        String name = artifact.getName().toLowerCase(Locale.ROOT);
        if (name.endsWith(".kar")) {
            return true;
        }
        if (!name.endsWith(".xml") || !artifact.isFile()) {
            return false;
        }
        Path file = artifact.toPath();
        byte[] xml;
        try {
            xml = read(file);
        } catch (IOException unreadable) {
            logOnce(file, "cannot be read (" + unreadable.getMessage() + ")");
            return false;
        }
        if (kindOf(xml) == XmlKind.OTHER) {
            logOnce(
                    file,
                    "is no Karaf features XML (root element <features> in "
                            + KARAF_FEATURES_NS
                            + "...)");
            return false;
        }
        ignored.remove(file);
        return true;
    }

    private void logOnce(Path file, String what) {
        long modified = file.toFile().lastModified();
        Long before = ignored.put(file, modified);
        if (before == null || before != modified) {
            logger.info(
                    "deploy/{} {}: the plugin deployer leaves it alone", file.getFileName(), what);
        }
    }

    @Override
    public void install(File artifact) {
        deploy(artifact.toPath(), false);
    }

    @Override
    public void update(File artifact) {
        deploy(artifact.toPath(), true);
    }

    @Override
    public void uninstall(File artifact) {
        Path file = artifact.toPath();
        problems.clear(file);
        String kar = karName(file);
        try {
            if (kars.list().contains(kar)) {
                kars.uninstall(kar);
                logger.info(
                        "Plugin file deploy/{} removed: its features are uninstalled",
                        file.getFileName());
            }
        } catch (Exception e) {
            logger.error(
                    "Cannot uninstall the plugin of deploy/{}: {}",
                    file.getFileName(),
                    e.getMessage());
        }
        deleteQuietly(wrapped(file));
        deleteQuietly(checksumFile(file));
    }

    /**
     * Checks and installs the file; an installed earlier version is replaced only once the new file
     * passed the checks.
     */
    private void deploy(Path file, boolean update) {
        String name = file.getFileName().toString();
        boolean xmlFile = name.toLowerCase(Locale.ROOT).endsWith(".xml");
        byte[] bytes;
        PluginArchives.Archive archive;
        try {
            bytes = read(file);
            // a malformed XML fails here, with the parser's message saying where
            archive = PluginArchives.inspect(bytes, DeployFolderInstaller::read);
            PluginArchives.Kind expected =
                    xmlFile ? PluginArchives.Kind.FEATURES : PluginArchives.Kind.KAR;
            if (archive.kind() != expected) {
                throw new IOException("it is " + archive.kind().label + ", not " + expected.label);
            }
        } catch (IOException | NodeException refused) {
            refuse(file, baseName(name), "", refused.getMessage(), update);
            return;
        }
        DeployFolderInstaller.JarPlugin plugin = archive.plugin();
        String kar = karName(file);
        try {
            boolean installed = kars.list().contains(kar);
            Optional<PluginInfo> other =
                    registry.get(plugin.name())
                            .filter(p -> p.bundleId() != DeployProblems.NO_BUNDLE);
            if (other.isPresent() && !installed) {
                refuse(
                        file,
                        plugin.name(),
                        plugin.version(),
                        "plugin "
                                + plugin.name()
                                + " is installed already, from "
                                + other.get().location()
                                + ": uninstall it first",
                        update);
                return;
            }
            Optional<String> unsigned = unsigned(archive.kind(), bytes);
            if (unsigned.isPresent()) {
                refuse(file, plugin.name(), plugin.version(), unsigned.get(), update);
                return;
            }
            String checksum = sha256(bytes);
            if (installed && checksum.equals(readChecksum(file))) {
                // File Install hands every file over again when the node starts
                logger.debug("deploy/{} is installed already", name);
                problems.clear(file);
                return;
            }
            Files.createDirectories(work);
            if (installed) {
                kars.uninstall(kar);
            }
            Path source = file;
            if (xmlFile) {
                source = wrapped(file);
                Files.write(source, PluginArchives.karOf(bytes, plugin));
            }
            Files.writeString(checksumFile(file), checksum, StandardCharsets.UTF_8);
            problems.clear(file);
            logger.info(
                    "Plugin {} {}: {} from deploy/{} ({})",
                    plugin.name(),
                    plugin.version(),
                    installed ? "updating" : "installing",
                    name,
                    archive.kind().label);
            kars.install(source.toUri());
        } catch (Exception e) {
            deleteQuietly(checksumFile(file));
            refuse(
                    file,
                    plugin.name(),
                    plugin.version(),
                    "its features cannot be installed: " + e.getMessage(),
                    update);
        }
    }

    /** With requireSignatures: the first bundle of the file that is not signed by a trusted key. */
    private Optional<String> unsigned(PluginArchives.Kind kind, byte[] bytes) {
        if (signature == null) {
            return Optional.empty();
        }
        Map<String, byte[]> bundles =
                PluginArchives.bundles(kind, bytes, DeployFolderInstaller::read);
        for (Map.Entry<String, byte[]> bundle : bundles.entrySet()) {
            Optional<String> refused = signature.apply(bundle.getValue());
            if (refused.isPresent()) {
                return Optional.of("refused: bundle " + bundle.getKey() + ": " + refused.get());
            }
        }
        return Optional.empty();
    }

    private void refuse(Path file, String name, String version, String reason, boolean update) {
        logger.error(
                "Plugin file deploy/{} not installed{}: {}",
                file.getFileName(),
                update ? " (an installed version stays as it was)" : "",
                reason);
        problems.fail(file, name, version, reason);
    }

    private static byte[] read(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException("larger than 512 MiB");
        }
        return Files.readAllBytes(file);
    }

    private String readChecksum(Path file) {
        try {
            return Files.readString(checksumFile(file), StandardCharsets.UTF_8);
        } catch (IOException none) {
            return "";
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            logger.warn("Cannot delete {}: {}", path, e.getMessage());
        }
    }

    /**
     * Karaf names a KAR by its file name without the last extension: {@code x} for {@code x.kar},
     * {@code x.xml} for the KAR wrapped from {@code x.xml} (so the two never collide).
     */
    private static String karName(Path file) {
        String name = file.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".kar") ? baseName(name) : name;
    }

    private Path wrapped(Path file) {
        return work.resolve(karName(file) + ".kar");
    }

    private Path checksumFile(Path file) {
        return work.resolve(karName(file) + ".sha256");
    }

    private static String baseName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }
}
