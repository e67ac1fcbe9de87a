package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.plugins.internal.DeployFolderInstaller.JarPlugin;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * What a file meant for {@code deploy/} is, and which plugin it carries: a plugin jar (one bundle),
 * a KAR (Karaf archive: features XML and bundles under {@code repository/}), or a Karaf features
 * XML whose bundles the node resolves (written into {@code deploy/} wrapped in a KAR of its own). A
 * multi-bundle plugin is one KAR or features XML with exactly one plugin bundle (the one with a
 * {@value PluginDescriptor#NAME_HEADER} header); its other bundles are its libraries. Checked
 * before anything is written, so a bad file changes nothing.
 */
final class PluginArchives {
    /** Nested jars above this are not opened: a plugin's bundle is far smaller. */
    private static final int MAX_ENTRY_BYTES = 256 << 20;

    private PluginArchives() {}

    /** How File Install hands the file on: the extension it needs in {@code deploy/}. */
    enum Kind {
        JAR("jar", "a plugin jar"),
        KAR("kar", "a KAR"),
        FEATURES("kar", "a features XML (written as a KAR)");

        final String extension;
        final String label;

        Kind(String extension, String label) {
            this.extension = extension;
            this.label = label;
        }
    }

    /**
     * A checked file.
     *
     * @param kind what it is
     * @param plugin the one plugin it carries
     */
    record Archive(Kind kind, JarPlugin plugin) {
        /** The file name used in {@code deploy/} when the caller gives none. */
        String defaultFileName() {
            return switch (kind) {
                case JAR -> plugin.name() + ".jar";
                case KAR -> plugin.name() + ".kar";
                case FEATURES -> plugin.name() + ".kar";
            };
        }
    }

    /**
     * @param bytes the file's bytes
     * @param resolve reads a bundle location of a features XML ({@code mvn:} or {@code file:})
     * @return what it is and its plugin
     * @throws InvalidArgumentException if it is none of the three, or carries no plugin or more
     *     than one, with why
     */
    static Archive inspect(byte[] bytes, Function<String, byte[]> resolve) {
        if (looksLikeXml(bytes)) {
            return new Archive(
                    Kind.FEATURES, onlyPlugin("the features XML", features(bytes, resolve)));
        }
        if (isKar(bytes)) {
            return new Archive(Kind.KAR, onlyPlugin("the KAR", kar(bytes, resolve)));
        }
        return new Archive(Kind.JAR, DeployFolderInstaller.inspect(bytes));
    }

    private static boolean looksLikeXml(byte[] bytes) {
        int i = 0;
        // a UTF-8 byte order mark, then white space
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb) {
            i = 3;
        }
        while (i < bytes.length && Character.isWhitespace(bytes[i])) {
            i++;
        }
        return i < bytes.length && bytes[i] == '<';
    }

    /** A zip with a {@code repository/} folder and no bundle manifest of its own. */
    private static boolean isKar(byte[] bytes) {
        boolean repository = false;
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(bytes))) {
            Manifest manifest = in.getManifest();
            if (manifest != null
                    && manifest.getMainAttributes().getValue("Bundle-SymbolicName") != null) {
                return false;
            }
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().startsWith("repository/")) {
                    repository = true;
                    break;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return repository;
    }

    private static JarPlugin onlyPlugin(String what, List<JarPlugin> plugins) {
        if (plugins.isEmpty()) {
            throw new InvalidArgumentException(
                    "not a plugin: no bundle in "
                            + what
                            + " has a "
                            + PluginDescriptor.NAME_HEADER
                            + " header");
        }
        if (plugins.size() > 1) {
            throw new InvalidArgumentException(
                    what
                            + " carries "
                            + plugins.size()
                            + " plugin bundles ("
                            + plugins.stream().map(JarPlugin::name).toList()
                            + "): ship one plugin per file; its other bundles are its libraries");
        }
        return plugins.get(0);
    }

    private static List<JarPlugin> kar(byte[] bytes, Function<String, byte[]> resolve) {
        List<JarPlugin> plugins = new ArrayList<>();
        List<byte[]> featuresXmls = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                if (e.isDirectory() || !name.startsWith("repository/")) {
                    continue;
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.endsWith(".jar")) {
                    byte[] jar = entry(in, name);
                    if (pluginName(jar) != null) {
                        plugins.add(DeployFolderInstaller.inspect(jar));
                    }
                } else if (lower.endsWith(".xml") && !lower.contains("maven-metadata")) {
                    byte[] xml = entry(in, name);
                    if (isFeatures(xml)) {
                        featuresXmls.add(xml);
                    }
                }
            }
        } catch (IOException e) {
            throw new InvalidArgumentException("not a KAR: " + e.getMessage());
        }
        if (featuresXmls.isEmpty()) {
            throw new InvalidArgumentException(
                    "the KAR has no features XML under repository/: Karaf would install nothing");
        }
        if (plugins.isEmpty()) {
            // a KAR of features only: its bundles come from the node's Maven repositories
            for (byte[] xml : featuresXmls) {
                plugins.addAll(features(xml, resolve));
            }
        }
        return plugins;
    }

    private static byte[] entry(InputStream in, String name) throws IOException {
        byte[] bytes = in.readNBytes(MAX_ENTRY_BYTES + 1);
        if (bytes.length > MAX_ENTRY_BYTES) {
            throw new InvalidArgumentException(name + " in the KAR is larger than 256 MiB");
        }
        return bytes;
    }

    private static String pluginName(byte[] jar) {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest manifest = in.getManifest();
            return manifest == null
                    ? null
                    : manifest.getMainAttributes().getValue(PluginDescriptor.NAME_HEADER);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isFeatures(byte[] xml) {
        try {
            return parse(xml).getDocumentElement().getLocalName().equals("features");
        } catch (InvalidArgumentException e) {
            return false;
        }
    }

    /**
     * The plugin bundles of a features XML: every {@code bundle} of a feature that installs with
     * its KAR (no {@code install} attribute, or {@code auto}; not {@code manual}), read through
     * {@code resolve}.
     */
    private static List<JarPlugin> features(byte[] xml, Function<String, byte[]> resolve) {
        Element root = parse(xml).getDocumentElement();
        if (!"features".equals(root.getLocalName())) {
            throw new InvalidArgumentException(
                    "not a plugin: an XML file whose root is <"
                            + root.getLocalName()
                            + ">, not a Karaf <features> repository");
        }
        List<JarPlugin> plugins = new ArrayList<>();
        List<String> manual = new ArrayList<>();
        NodeList features = root.getElementsByTagNameNS("*", "feature");
        for (int f = 0; f < features.getLength(); f++) {
            Element feature = (Element) features.item(f);
            if (!(feature.getParentNode() instanceof Element parent)
                    || !"features".equals(parent.getLocalName())) {
                continue; // a feature dependency inside a feature, not a definition
            }
            boolean auto = !"manual".equals(feature.getAttribute("install"));
            NodeList bundles = feature.getElementsByTagNameNS("*", "bundle");
            for (int b = 0; b < bundles.getLength(); b++) {
                String location = bundles.item(b).getTextContent().strip();
                if (!location.startsWith("mvn:") && !location.startsWith("file:")) {
                    continue; // wrap:, http: and the like: libraries, never read here
                }
                byte[] jar = resolve.apply(location);
                if (pluginName(jar) == null) {
                    continue;
                }
                if (auto) {
                    plugins.add(DeployFolderInstaller.inspect(jar));
                } else {
                    manual.add(feature.getAttribute("name"));
                }
            }
        }
        if (plugins.isEmpty() && !manual.isEmpty()) {
            throw new InvalidArgumentException(
                    "the plugin's feature "
                            + manual
                            + " has install=\"manual\": it would only be listed, never"
                            + " installed");
        }
        return plugins;
    }

    /**
     * Every bundle a KAR or a features XML installs, for the signature check: the jars of the
     * features that install with it (not {@code install="manual"}), each read from the KAR when it
     * carries it under {@code repository/}, else through {@code resolve}.
     *
     * @param kind a KAR or a features XML
     * @param bytes the file's bytes
     * @param resolve reads an {@code mvn:} or {@code file:} location
     * @return each bundle's location and bytes, in the order the features name them
     * @throws InvalidArgumentException for a location that cannot be read or checked ({@code
     *     wrap:}, {@code http:} and the like)
     */
    static Map<String, byte[]> bundles(Kind kind, byte[] bytes, Function<String, byte[]> resolve) {
        Map<String, byte[]> shipped = new HashMap<>();
        List<byte[]> xmls = new ArrayList<>();
        if (kind == Kind.KAR) {
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    String name = e.getName();
                    if (e.isDirectory() || !name.startsWith("repository/")) {
                        continue;
                    }
                    String lower = name.toLowerCase(Locale.ROOT);
                    if (lower.endsWith(".xml") && !lower.contains("maven-metadata")) {
                        byte[] xml = entry(in, name);
                        if (isFeatures(xml)) {
                            xmls.add(xml);
                        }
                    } else if (!lower.endsWith(".xml")) {
                        shipped.put(name.substring("repository/".length()), entry(in, name));
                    }
                }
            } catch (IOException e) {
                throw new InvalidArgumentException("not a KAR: " + e.getMessage());
            }
        } else {
            xmls.add(bytes);
        }
        Map<String, byte[]> result = new LinkedHashMap<>();
        for (byte[] xml : xmls) {
            Element root = parse(xml).getDocumentElement();
            NodeList features = root.getElementsByTagNameNS("*", "feature");
            for (int f = 0; f < features.getLength(); f++) {
                Element feature = (Element) features.item(f);
                if (!(feature.getParentNode() instanceof Element parent)
                        || !"features".equals(parent.getLocalName())
                        || "manual".equals(feature.getAttribute("install"))) {
                    continue;
                }
                NodeList bundles = feature.getElementsByTagNameNS("*", "bundle");
                for (int b = 0; b < bundles.getLength(); b++) {
                    String location = bundles.item(b).getTextContent().strip();
                    if (!location.startsWith("mvn:") && !location.startsWith("file:")) {
                        throw new InvalidArgumentException(
                                "bundle "
                                        + location
                                        + " cannot be checked: give mvn: or file: locations");
                    }
                    byte[] jar = shipped.get(mavenPath(location));
                    result.put(location, jar != null ? jar : resolve.apply(location));
                }
            }
        }
        return result;
    }

    /**
     * The repository path of an {@code mvn:group/artifact/version[/type[/classifier]]} location, or
     * empty for any other.
     */
    static String mavenPath(String location) {
        if (!location.startsWith("mvn:")) {
            return "";
        }
        String coordinates = location.substring("mvn:".length());
        int repository = coordinates.indexOf('!');
        if (repository >= 0) {
            coordinates = coordinates.substring(repository + 1);
        }
        String[] parts = coordinates.split("/");
        if (parts.length < 3) {
            return "";
        }
        String type = parts.length > 3 && !parts[3].isEmpty() ? parts[3] : "jar";
        String classifier = parts.length > 4 && !parts[4].isEmpty() ? "-" + parts[4] : "";
        return parts[0].replace('.', '/')
                + "/"
                + parts[1]
                + "/"
                + parts[2]
                + "/"
                + parts[1]
                + "-"
                + parts[2]
                + classifier
                + "."
                + type;
    }

    /**
     * Wraps a features XML into a KAR of its own, so Karaf's KAR deployer installs it from {@code
     * deploy/}: the XML sits at a Maven path under {@code repository/} (Karaf adds it as a features
     * repository by that path), its bundles are resolved from the node's Maven repositories.
     *
     * @param xml the features XML
     * @param plugin the plugin it carries
     * @return the KAR's bytes
     */
    static byte[] karOf(byte[] xml, JarPlugin plugin) {
        String path =
                "repository/hanzo/plugins/"
                        + plugin.name()
                        + "/"
                        + plugin.version()
                        + "/"
                        + plugin.name()
                        + "-"
                        + plugin.version()
                        + "-features.xml";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            out.write("Manifest-Version: 1.0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            out.putNextEntry(new ZipEntry(path));
            out.write(xml);
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Document parse(byte[] xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            // no DTDs, no external entities: the file comes from a client
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // errors become the exception, not lines on the node's stderr
            builder.setErrorHandler(
                    new DefaultHandler() {
                        @Override
                        public void fatalError(SAXParseException e) throws SAXException {
                            throw e;
                        }
                    });
            return builder.parse(new ByteArrayInputStream(xml));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new InvalidArgumentException("not a features XML: " + e.getMessage());
        }
    }
}
